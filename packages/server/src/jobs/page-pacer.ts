import type { Clock } from '../core/clock.js';

/**
 * Holds a job to at most `maxPagesPerSecond` pages: each page is handed over at least
 * `1 / maxPagesPerSecond` seconds after the previous one (a page that comes late is not held, and does
 * not earn the next ones a burst), so one large upload does not take a shared machine's CPU from
 * everything else. Without a limit `wait` resolves at once. A wait ends early (resolved) when the job's
 * signal aborts, and leaves no timer behind.
 */
export class PagePacer {
  /** When the next page may be handed over. */
  private nextDue = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly maxPagesPerSecond: number | undefined,
  ) {}

  /** Counts one more page and waits until it is due. */
  wait(signal: AbortSignal): Promise<void> {
    const max = this.maxPagesPerSecond;
    if (!max || !(max > 0) || !Number.isFinite(max)) return Promise.resolve();
    const now = this.clock.now();
    const due = Math.max(this.nextDue, now);
    this.nextDue = due + 1000 / max;
    const ms = due - now;
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
