import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../histogram.js';

/**
 * Open-loop schedule: action `j` (0 ≤ j < total) is due at `start + j × 1000 / perSecond` ms and runs
 * with that intended time, however late it actually runs (a stall shows up as latency, not as fewer
 * actions). Sleeps with a timer until the next action is due (Node's timers: ~1 ms late at worst on an
 * idle core, which these workloads, measured in tens of ms, can afford; spinning instead would take the
 * CPU the clients in this process need). Records how late each action ran in `lag`, for the actions due at
 * or after `lagFrom` (the measured window: the warm-up's lag, JIT compilation included, is not measured,
 * as its latencies are not). Resolves once every action ran.
 */
export function runPaced(
  total: number,
  perSecond: number,
  start: number,
  action: (j: number, intended: number) => void,
  lag: LatencyHistogram = new LatencyHistogram(),
  lagFrom = start,
): Promise<void> {
  const interval = 1000 / perSecond;
  let next = 0;
  return new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const intended = start + next * interval;
        if (intended >= lagFrom) lag.recordMs(now - intended);
        action(next++, intended);
      }
      if (next >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

/** A growable array of latencies (ms), put into an HdrHistogram at the end (cheaper per value during a run). */
export class LatencyBuffer {
  private values = new Float32Array(1 << 16);
  private n = 0;

  push(ms: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float32Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  histogram(): LatencyHistogram {
    const h = new LatencyHistogram();
    for (let i = 0; i < this.n; i++) h.recordMs(this.values[i]);
    return h;
  }
}
