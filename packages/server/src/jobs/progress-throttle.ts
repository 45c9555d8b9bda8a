import type { Clock } from '../core/clock.js';

/**
 * Sends at most one value per `intervalMs` (default 100 ms: 10 per second) and never loses the latest:
 * a value pushed too soon waits (replacing any older waiting one) and leaves when the interval is over;
 * `flush()` sends a waiting value at once (before a final event, so the last progress is always seen).
 */
export class ProgressThrottle<T> {
  private last = Number.NEGATIVE_INFINITY;
  private pending: { value: T } | null = null;
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly send: (value: T) => void,
    private readonly intervalMs = 100,
  ) {}

  push(value: T): void {
    const now = this.clock.now();
    if (this.timer === null && now - this.last >= this.intervalMs) {
      this.emit(value, now);
      return;
    }
    this.pending = { value };
    if (this.timer === null) {
      this.timer = this.clock.setTimeout(
        () => {
          this.timer = null;
          this.flush();
        },
        this.last + this.intervalMs - now,
      );
    }
  }

  /** Sends the waiting value now, if any. */
  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    const p = this.pending;
    if (p) this.emit(p.value, this.clock.now());
  }

  /** Drops a waiting value and the timer. */
  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private emit(value: T, now: number): void {
    this.pending = null;
    this.last = now;
    this.send(value);
  }
}
