/** CPU time of this process in ms since `since` (from `process.cpuUsage()`): total and kernel part. */
export function cpuMsSince(since: NodeJS.CpuUsage): { total: number; system: number } {
  const d = process.cpuUsage(since);
  return { total: (d.user + d.system) / 1000, system: d.system / 1000 };
}

/** The load generator's CPU in a result: `cpuMs` of CPU time, and as a % of the run's `elapsedMs`. */
export function loadgenCpuMetrics(
  cpuMs: number,
  elapsedMs: number,
): { loadgen_cpu_ms: number; loadgen_cpu_pct: number } {
  return {
    loadgen_cpu_ms: Math.round(cpuMs),
    loadgen_cpu_pct: Math.round((100 * cpuMs) / elapsedMs),
  };
}
