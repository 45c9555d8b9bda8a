import { type Clock, MAX_TIMER_DELAY_MS, type TimerHandle, type Timers } from './environment.js';

export interface OutboxOptions<T> {
  /** Most messages held at once; `add` refuses more. */
  maxSize: number;
  timers: Timers;
  clock: Clock;
  /** Called (after removal) for each message whose deadline passed while it waited. */
  onExpire(item: T): void;
}

/**
 * Messages waiting for a connection, in order. Bounded, and each message has a deadline after which it
 * is dropped and reported (an edit that could not be sent for ten minutes is better refused than applied
 * late without anyone knowing). One timer, armed for the earliest deadline.
 */
export class Outbox<T extends { deadline: number }> {
  private items: T[] = [];
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly options: OutboxOptions<T>) {}

  get size(): number {
    return this.items.length;
  }

  /** Appends `item`; false when the outbox is full. */
  add(item: T): boolean {
    if (this.items.length >= this.options.maxSize) return false;
    this.items.push(item);
    this.schedule();
    return true;
  }

  /** Puts `items` before everything else (messages restored from storage are older than any new one). */
  prepend(items: readonly T[]): void {
    this.items = [...items, ...this.items];
    this.schedule();
  }

  remove(item: T): boolean {
    const i = this.items.indexOf(item);
    if (i < 0) return false;
    this.items.splice(i, 1);
    if (this.items.length === 0) this.cancel();
    return true;
  }

  find(predicate: (item: T) => boolean): T | undefined {
    return this.items.find(predicate);
  }

  /** Takes every message out, oldest first. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    this.cancel();
    return items;
  }

  private schedule(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const item of this.items) earliest = Math.min(earliest, item.deadline);
    if (earliest >= this.timerAt) return;
    this.cancel();
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.timerAt = earliest;
    // Capped: a longer delay (a TTL of weeks) would fire at once, and every sweep would re-arm it at once.
    this.timer = this.options.timers.setTimeout(
      () => this.sweep(),
      Math.min(MAX_TIMER_DELAY_MS, Math.max(0, earliest - this.options.clock.now())),
    );
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.options.clock.now();
    const expired = this.items.filter((item) => item.deadline <= now);
    this.items = this.items.filter((item) => item.deadline > now);
    this.schedule();
    for (const item of expired) this.options.onExpire(item);
  }

  private cancel(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
