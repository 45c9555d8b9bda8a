import { cancelledError } from './pipeline-error.js';

/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Settles like `work`, unless `signal` fires first (rejects with `cancelled`) or `ms` pass first (rejects
 * with `onTimeout()`; an `ms` longer than a timer holds, e.g. Infinity, is no deadline). pdfjs runs its
 * parser on promises in this thread, so an input that makes it wait forever would otherwise hang the caller.
 * The timer and listener are removed when it settles.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
): Promise<T> {
  if (signal?.aborted) {
    work.catch(() => {});
    return Promise.reject(cancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(cancelledError());
    };
    // Node fires a timer longer than it can hold (2^31 - 1 ms, ~24.8 days; Infinity) after 1 ms: such a
    // deadline is none.
    const timer =
      ms <= MAX_TIMER_MS
        ? setTimeout(() => {
            done();
            reject(onTimeout());
          }, ms)
        : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}
