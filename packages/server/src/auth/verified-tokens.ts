import { createHash } from 'node:crypto';
import type { Identity } from '../core/identity.js';

/**
 * The key a token is kept under: its SHA-256 (44 characters, ~1 µs), not the token itself (a JWT is ~180 characters
 * and more with many claims), since a busy server keeps up to `max` of them.
 */
const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64');

/**
 * Tokens verified lately, so a token presented again (each HTTP request of a page, a reconnect, a resume)
 * is not verified again: jose verifies through WebCrypto, ~100 µs of CPU per HS256 token here. Only
 * successes are kept, keyed by a digest of the whole token (its signature included), each at most `maxAgeMs` (so a
 * key rotated out of a JWKS stops its tokens within that time) and never past the token's own `exp`; at
 * most `max` tokens, the least recently verified forgotten first.
 */
export class VerifiedTokens {
  /** `until`: whole seconds since the epoch (a small integer, not a boxed number per entry). */
  private readonly entries = new Map<string, { identity: Identity; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly maxAgeMs = 60_000,
    readonly max = 10_000,
  ) {}

  /** The identity `token` was verified as, if that is recent enough and the token has not expired. */
  get(token: string): Identity | undefined {
    const key = keyOf(token);
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() >= e.until * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    return e.identity;
  }

  /** Keeps a token that was just verified as `identity`. */
  set(token: string, identity: Identity): void {
    const now = this.now();
    let until = now + this.maxAgeMs;
    if (identity.exp !== undefined) until = Math.min(until, identity.exp * 1000);
    const untilS = Math.floor(until / 1000);
    if (untilS * 1000 <= now) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { identity, until: untilS });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
