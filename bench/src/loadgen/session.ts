import type { Metrics } from '../ipc.js';

/** A workload on the load generator side: set up (connect), then run on `go`, then close. */
export interface Session {
  /** What setup found (connections made, how long it took), sent with `ready`. */
  readonly ready: Metrics;
  run(): Promise<Metrics>;
  close(): void;
}

/** CPU time of this process in ms since `since` (from `process.cpuUsage()`): total and kernel part. */
export function cpuMsSince(since: NodeJS.CpuUsage): { total: number; system: number } {
  const d = process.cpuUsage(since);
  return { total: (d.user + d.system) / 1000, system: d.system / 1000 };
}

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
