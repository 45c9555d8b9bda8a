import type { Delivery } from '@syncline/protocol';
import { TokenBucket } from './token-bucket.js';

export interface RateLimit {
  /** Sustained messages per second. */
  ratePerS: number;
  /** Messages allowed in a burst above the sustained rate. */
  burst: number;
}

export interface RateLimitOptions {
  /** Per connection, per delivery class of the incoming message. */
  connection: Record<Delivery, RateLimit>;
  /** Per user (all of their connections together), per delivery class. */
  user: Record<Delivery, RateLimit>;
  /** After this many refusals within `abuseWindowMs`, the connection is closed (RateLimited). */
  abuseRefusals: number;
  abuseWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  connection: {
    critical: { ratePerS: 50, burst: 100 },
    normal: { ratePerS: 50, burst: 100 },
    ephemeral: { ratePerS: 120, burst: 240 },
  },
  user: {
    critical: { ratePerS: 150, burst: 300 },
    normal: { ratePerS: 150, burst: 300 },
    ephemeral: { ratePerS: 360, burst: 720 },
  },
  abuseRefusals: 200,
  abuseWindowMs: 10_000,
};

/**
 * One bucket per delivery class, created on first use and held in plain fields (no dictionary object):
 * idle connections pay nothing, busy ones a few dozen bytes.
 */
export class ClassBuckets {
  private critical: TokenBucket | null = null;
  private normal: TokenBucket | null = null;
  private ephemeral: TokenBucket | null = null;

  constructor(private readonly limits: Record<Delivery, RateLimit>) {}

  take(delivery: Delivery, now: number): number {
    let b = this[delivery];
    if (b === null) {
      const l = this.limits[delivery];
      b = this[delivery] = new TokenBucket(l.ratePerS, l.burst, now);
    }
    return b.take(now);
  }
}

/** Counts refusals in a sliding window to spot sustained abuse. */
export class AbuseCounter {
  private count = 0;
  private windowStart = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a refusal; returns true when the connection should be closed. */
  refuse(now: number): boolean {
    if (now - this.windowStart > this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count >= this.limit;
  }
}
