import type { Clock } from './clock.js';

/** How often the gauge reads the event loop's utilization. */
export const LOAD_SAMPLE_MS = 100;
/** The share of busy time above which the server counts as busy. */
export const BUSY_UTILIZATION = 0.5;

/**
 * Whether this process's event loop has been busy lately: its utilization (the share of time it spent running
 * callbacks rather than waiting for I/O) over the last `LOAD_SAMPLE_MS`, read from the clock. The server trades a
 * little latency for throughput only while it is busy: a room event for a connection that was just sent a frame
 * then waits for the batch window (`HubLimits.batchWindowMs`); an idle server sends everything at the end of the
 * turn.
 */
export class LoadGauge {
  /** Above `BUSY_UTILIZATION` in the last sample. */
  busy = false;
  /** The last sample (0..1). */
  utilization = 0;
  private timer: unknown = null;
  private read: (() => number) | null = null;

  constructor(private readonly clock: Clock) {}

  start(): void {
    if (this.timer !== null) return;
    this.read = this.clock.utilizationSampler();
    this.timer = this.clock.setInterval(() => this.sample(), LOAD_SAMPLE_MS);
  }

  /** Takes a sample now (the timer does, every `LOAD_SAMPLE_MS`). */
  sample(): void {
    this.utilization = (this.read ??= this.clock.utilizationSampler())();
    this.busy = this.utilization > BUSY_UTILIZATION;
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    this.busy = false;
  }
}
