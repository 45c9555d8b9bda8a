export interface TokenRefreshOptions {
  /** Refresh this long before the token expires... */
  beforeMs: number;
  /** ...but not before this fraction of its remaining lifetime has passed (for short-lived tokens). */
  minLifetimeRatio: number;
}

export const DEFAULT_TOKEN_REFRESH: TokenRefreshOptions = { beforeMs: 30_000, minLifetimeRatio: 0.8 };

/**
 * How long to wait before refreshing a token that expires at `expSec` (seconds, server clock), when the
 * server's clock reads `serverNowMs`. Using the server's clock keeps a skewed client clock out of it.
 *
 * @example
 * refreshDelay(3600, 0) // 3_570_000: 30 s before expiry
 * refreshDelay(60, 0)   // 48_000: 80% into a one-minute token
 */
export function refreshDelay(expSec: number, serverNowMs: number, options = DEFAULT_TOKEN_REFRESH): number {
  const remaining = expSec * 1000 - serverNowMs;
  return Math.max(0, remaining - options.beforeMs, remaining * options.minLifetimeRatio);
}
