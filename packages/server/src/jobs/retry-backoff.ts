export interface BackoffOptions {
  /** Delay before the first retry (the upper bound of its jitter). Default 1000 ms. */
  initialMs?: number;
  /** Cap. Default 30 s. */
  maxMs?: number;
  /** Random source in [0, 1) (injectable for tests). Default `Math.random`. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the delay before retry `n` (1 = the first retry) is uniform in
 * [initialMs/2, min(maxMs, initialMs * 2^(n-1))], so retries of many jobs that failed together spread out.
 */
export function retryDelay(n: number, o: BackoffOptions = {}): number {
  const initial = o.initialMs ?? 1000;
  const cap = Math.min(o.maxMs ?? 30_000, initial * 2 ** Math.max(0, n - 1));
  const floor = Math.min(initial / 2, cap);
  return Math.round(floor + (cap - floor) * (o.random ?? Math.random)());
}
