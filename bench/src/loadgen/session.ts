import type { Metrics } from '../ipc.js';

/** A workload on the load generator side: set up (connect), then run on `go`, then close. */
export interface Session {
  /** What setup found (connections made, how long it took), sent with `ready`. */
  readonly ready: Metrics;
  run(): Promise<Metrics>;
  close(): void;
}

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
