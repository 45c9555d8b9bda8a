import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/** What the core needs from the environment's time, injectable so unit tests run on fake timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /** Runs `fn` after the current event-loop turn's I/O (`setImmediate` in Node). */
  defer(fn: () => void): void;
  /**
   * A new sampler of the event loop's utilization: each call of it answers the share (0..1) of the time since its
   * previous call (or since it was made) that the loop spent running callbacks rather than waiting for I/O
   * (`performance.eventLoopUtilization` in Node). Drives `LoadGauge`.
   */
  utilizationSampler(): () => number;
}

const unref = (h: unknown) => {
  (h as { unref?: () => void }).unref?.();
  return h;
};

/** The real clock. Intervals are unref'd so they never keep a process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => unref(setTimeout(fn, ms)),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => unref(setInterval(fn, ms)),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
  defer: (fn) => setImmediate(fn),
  utilizationSampler: () => {
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    return () => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, last);
      last = now;
      return utilization;
    };
  },
};
