import type { Json, Metrics } from './ipc.js';
import type { Row } from './workloads/workload.js';

/** Counters summed over repeats (any loss in any run must stay visible); other numbers take the median. */
const SUMMED = new Set([
  'lost',
  'duplicated',
  'reordered',
  'unexpected',
  'publish_errors',
  'failed',
  'unsent',
]);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One row from the runs of one system: the run itself, or medians / sums with the raw runs attached. */
export function aggregate(runs: Row[]): Row {
  if (runs.length === 1) return runs[0];
  const ok = runs.filter((r) => r.error === undefined && r.skipped === undefined);
  const errors = runs.filter((r) => r.error !== undefined).map((r) => r.error as Json);
  if (ok.length === 0) return { ...runs[0], repeats: runs.length, errors };
  const out: Metrics = {};
  for (const key of Object.keys(ok[0])) {
    const values = ok.map((r) => r[key]);
    if (values.every((v) => typeof v === 'number')) {
      const nums = values as number[];
      out[key] = SUMMED.has(key) ? nums.reduce((a, b) => a + b, 0) : median(nums);
    } else if (values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const merged: Record<string, number> = {};
      for (const v of values as Record<string, Json>[]) {
        for (const [k, n] of Object.entries(v)) if (typeof n === 'number') merged[k] = (merged[k] ?? 0) + n;
      }
      out[key] = merged;
    } else {
      out[key] = values[0];
    }
  }
  return {
    ...(out as Row),
    repeats: runs.length,
    ...(errors.length ? { errors } : {}),
    runs: runs as Json[],
  };
}
