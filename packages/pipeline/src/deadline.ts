import { cancelledError } from './pipeline-error.js';

/**
 * Settles like `work`, unless `signal` fires first (rejects with `cancelled`) or `ms` pass first (rejects
 * with `onTimeout()`). pdfjs runs its parser on promises in this thread, so an input that makes it wait
 * forever would otherwise hang the caller. The timer and listener are removed when it settles.
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
    const timer = setTimeout(() => {
      done();
      reject(onTimeout());
    }, ms);
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
