/**
 * A token bucket: `ratePerS` tokens refill per second up to `burst`. `take()` spends one token or says how
 * long until one is available. State is two numbers, so one per connection per class stays cheap.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Spends one token; returns 0 when allowed, otherwise the ms to wait before a token is available. */
  take(now: number, cost = 1): number {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerS) / 1000);
      this.last = now;
    }
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) * 1000) / this.ratePerS);
  }
}
