import { type Clock, defaultClock, defaultTimers, type TimerHandle, type Timers } from './environment.js';

/**
 * Sends the latest of a stream of values at most `hz` times a second: a value pushed once the interval
 * since the last send is over goes at once, values within the interval replace each other, and the last
 * one always goes out (trailing edge). Made for cursors: `cursor_update` at 60 Hz from a mouse becomes at
 * most 30 frames a second, and the final position is never lost.
 *
 * While values keep coming faster than `hz`, each send is the value pushed at (or just before, within a
 * quarter interval) the end of the interval, a cursor as fresh as it can be, not one held since the middle
 * of the interval: a value pushed mid-interval waits a second interval for a newer push before it goes
 * (so the final position goes out at most two intervals after the previous send). A trailing timer due at
 * the end of the first interval raced the push made at that moment, and when it won, the cursor it sent
 * was one input period old (16.7 ms at 60 Hz).
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
    if (wait <= 0) {
      this.cancel();
      this.emit(value);
      return;
    }
    this.pending = { value };
    if (wait <= this.intervalMs / 4) {
      // Pushed just before the interval ends: this value goes when it does.
      if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
      this.timer = this.timers.setTimeout(() => this.flush(), wait);
    } else {
      // Mid-interval: a newer push will likely come once it is over; this one goes a second interval on.
      this.timer ??= this.timers.setTimeout(() => this.flush(), wait + this.intervalMs);
    }
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
