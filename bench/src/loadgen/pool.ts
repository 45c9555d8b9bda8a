/**
 * Runs `fn(0..n-1)` with at most `limit` calls in flight; resolves with the results in order, failures
 * as `Error`s (a connection that fails does not stop the others).
 */
export async function mapLimit<T>(
  n: number,
  limit: number,
  fn: (i: number) => Promise<T>,
): Promise<(T | Error)[]> {
  const out = new Array<T | Error>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch (err) {
        out[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}
