import type { Clock } from '../clock.js';

interface Timer {
  at: number;
  fn: () => void;
  /** Repeat interval for `setInterval` timers. */
  every: number | null;
}

/**
 * A `Clock` for unit tests: time moves only when the test calls `advance`, and `defer`red work (the
 * end-of-turn flush) waits in a list until `runDeferred` or `settle` drains it.
 */
export class FakeClock implements Clock {
  private nowMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  private readonly deferred: (() => void)[] = [];
  /** What every utilization sampler answers (0 = idle): a test sets it to make the server count as busy. */
  utilization = 0;

  constructor(start = 1_700_000_000_000) {
    this.nowMs = start;
  }

  now(): number {
    return this.nowMs;
  }

  utilizationSampler(): () => number {
    return () => this.utilization;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + Math.max(0, ms), fn, every: null });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    const every = Math.max(1, ms);
    this.timers.set(id, { at: this.nowMs + every, fn, every });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Timers still scheduled (intervals included). */
  get timerCount(): number {
    return this.timers.size;
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  /** Runs deferred work (and whatever it defers in turn); returns how many callbacks ran. */
  runDeferred(): number {
    let n = 0;
    while (this.deferred.length > 0) {
      this.deferred.shift()!();
      n++;
    }
    return n;
  }

  /**
   * Runs only the work deferred so far, not what it defers in turn: one turn of the event loop's check phase, so
   * a test can act between the end of a turn's appends and its flush (which the flusher defers once more).
   */
  runDeferredOnce(): number {
    const due = this.deferred.splice(0);
    for (const fn of due) fn();
    return due.length;
  }

  /** Moves time forward, firing due timers in time order, each followed by the work it deferred. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let dueId = -1;
      let due: Timer | undefined;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (due === undefined || t.at < due.at)) {
          dueId = id;
          due = t;
        }
      }
      if (!due) break;
      this.nowMs = Math.max(this.nowMs, due.at);
      if (due.every === null) this.timers.delete(dueId);
      else due.at += due.every;
      due.fn();
      this.runDeferred();
    }
    this.nowMs = end;
  }

  /**
   * Lets promise chains (stores, authentication) and deferred work run until neither has anything left.
   * Yields to the real event loop between rounds, without moving fake time.
   */
  async settle(maxRounds = 100): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.runDeferred() === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.deferred.length === 0) return;
      }
    }
    throw new Error(`FakeClock.settle: still busy after ${maxRounds} rounds`);
  }

  /** Runs `p` to its end, settling the clock meanwhile (work that waits for a deferred flush, a commit). */
  async run<T>(p: Promise<T>): Promise<T> {
    const outcome = p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await this.settle();
    const r = await outcome;
    if ('error' in r) throw r.error;
    return r.value;
  }
}
