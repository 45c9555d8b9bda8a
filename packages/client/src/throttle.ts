import { type Clock, defaultClock, defaultTimers, type TimerHandle, type Timers } from './environment.js';

/**
 * Sends the latest of a stream of values at most `hz` times a second: the first value goes at once,
 * values within the interval replace each other, and the last one always goes out (trailing edge).
 * Made for cursors: `cursor_update` at 60 Hz from a mouse becomes at most 30 frames a second, and the
 * final position is never lost.
 *
 * @example
 * const cursor = new Throttle<Cursor>((c) => client.publish(room, 'cursor_update', c), { hz: 30 });
 * window.addEventListener('pointermove', (e) => cursor.push(toPageCoords(e)));
 */
export class Throttle<T> {
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private lastSent = Number.NEGATIVE_INFINITY;
  private pending: { value: T } | null = null;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly send: (value: T) => void,
    options: { hz?: number; timers?: Timers; clock?: Clock } = {},
  ) {
    this.intervalMs = 1000 / (options.hz ?? 30);
    this.timers = options.timers ?? defaultTimers;
    this.clock = options.clock ?? defaultClock;
  }

  push(value: T): void {
    const wait = this.lastSent + this.intervalMs - this.clock.now();
    if (wait <= 0 && this.timer === undefined) {
      this.emit(value);
      return;
    }
    this.pending = { value };
    if (this.timer === undefined) this.timer = this.timers.setTimeout(() => this.flush(), Math.max(0, wait));
  }

  /** Sends a pending value now (if any). */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.pending;
    this.pending = null;
    if (p) this.emit(p.value);
  }

  /** Drops a pending value and the timer. */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = null;
  }

  private emit(value: T): void {
    this.lastSent = this.clock.now();
    this.send(value);
  }
}
