/**
 * Parameters of a workload that runs for a fixed time: `warmup` s of load that is not measured, then
 * `duration` s that is.
 */
export interface TimedParams {
  duration: number;
  warmup: number;
}

/** The load generator's own deadline for a timed job: the whole run plus a minute to connect and drain. */
export const timedJobTimeoutMs = (p: TimedParams): number => (p.warmup + p.duration) * 1000 + 60_000;

/** Upper bound on one system's run of a timed workload (setup + run), in ms. */
export const timedRunTimeoutMs = (p: TimedParams): number => (p.warmup + p.duration) * 1000 + 180_000;
