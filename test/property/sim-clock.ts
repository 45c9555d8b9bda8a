import type { Clock as ClientClock, Timers } from '@syncline/client';
import type { Clock } from '../../packages/server/src/core/clock.js';

interface Timer {
  at: number;
  /** Order of creation: timers due at the same time fire in the order they were set. */
  order: number;
  fn: () => void;
  every: number | null;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One simulated time for a whole run, shared by the server (`Clock`) and every client (`Timers`,
 * `Clock`). Time moves only in `advance`, which fires due timers one at a time and lets the promise
 * chains and deferred work each one starts finish before the next (as a real event loop would). Nothing
 * here waits for real time, and nothing is left running when a run is dropped.
 */
export class SimClock implements Clock, Timers, ClientClock {
  private nowMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  private readonly deferred: (() => void)[] = [];

  constructor(start = 1_800_000_000_000) {
    this.nowMs = start;
  }

  now = (): number => this.nowMs;

  /** What the server's utilization samplers answer: a run that sets it above 0.5 has the server batch as when busy. */
  utilization = 0;
  utilizationSampler = (): (() => number) => () => this.utilization;

  setTimeout = (fn: () => void, ms: number): unknown => this.add(fn, Math.max(0, ms), null);

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  setInterval = (fn: () => void, ms: number): unknown => this.add(fn, Math.max(1, ms), Math.max(1, ms));

  clearInterval = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  defer = (fn: () => void): void => {
    this.deferred.push(fn);
  };

  /**
   * Runs everything that is ready now: promise callbacks (drained by each turn of the real event loop,
   * since nothing in a run uses real timers or I/O) and deferred work, until neither has anything left.
   */
  async settle(): Promise<void> {
    await immediate();
    while (this.deferred.length > 0) {
      for (const fn of this.deferred.splice(0)) fn();
      await immediate();
    }
  }

  /** Moves time forward by `ms`, firing due timers in time order, settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      const [id, timer] = next;
      this.nowMs = Math.max(this.nowMs, timer.at);
      if (timer.every === null) this.timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
      await this.settle();
    }
    this.nowMs = end;
  }

  /** When the next timer is due (Infinity when none is). */
  get nextAt(): number {
    let at = Number.POSITIVE_INFINITY;
    for (const t of this.timers.values()) at = Math.min(at, t.at);
    return at;
  }

  private add(fn: () => void, ms: number, every: number | null): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + ms, order: id, fn, every });
    return id;
  }

  private nextDue(end: number): [number, Timer] | undefined {
    let due: [number, Timer] | undefined;
    for (const entry of this.timers) {
      const t = entry[1];
      if (t.at > end) continue;
      if (!due || t.at < due[1].at || (t.at === due[1].at && t.order < due[1].order)) due = entry;
    }
    return due;
  }
}
