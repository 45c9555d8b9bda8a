import type { LoadgenJob, Metrics } from '../ipc.js';
import type { Knob, Options, WorkloadName } from '../options.js';
import type { RunningServer, SystemName } from '../systems.js';
import type { Column } from '../table.js';

/** One output row: a system and its metrics (or why it has none). */
export type Row = { system: SystemName } & Metrics;

/** A target from the spec, checked against the rows: true / false, null when a row is missing. */
export interface Target {
  goal: string;
  pass: boolean | null;
  value?: number | null;
}

/**
 * A workload as the harness sees it: its parameters (full or `--quick`, overridden by flags), the job
 * for the load generator, harness-side measurements around the load, and how rows are compared.
 */
export interface Workload<P extends object = object> {
  name: WorkloadName;
  /** Systems run when `--systems` is not given. */
  systems: SystemName[];
  params(o: Options): P;
  job(p: P, o: Options): LoadgenJob['work'];
  /** Connection attempts in flight at once. */
  connectConcurrency: number;
  /** Before the load generator starts (e.g. the server's baseline memory). */
  beforeLoad?(server: RunningServer, p: P): Promise<Metrics>;
  /** After the load generator is connected, before `go` (e.g. the server's memory with N connections). */
  afterReady?(server: RunningServer, p: P, before: Metrics, ready: Metrics): Promise<Metrics>;
  /** After the result, before the servers stop (e.g. per-node CPU, Redis traffic since `afterReady`). */
  afterRun?(server: RunningServer, p: P, result: Metrics): Promise<Metrics>;
  /** Generous upper bound on one system's run, in ms (setup + run). */
  timeoutMs(p: P): number;
  columns: Column[];
  /** Metrics computed from the whole row (load-generator and server measurements together). */
  derive?(row: Metrics): Metrics;
  compare(rows: Row[]): { ratios: Record<string, number | null>; targets: Record<string, Target> };
}

/** `knobs[k]` if given, else the quick or full default. */
export function knob(o: Options, k: Knob, full: number, quick: number): number {
  return o.knobs[k] ?? (o.quick ? quick : full);
}

/** The usable row of `system`, if it ran without error. */
export function rowOf(rows: Row[], system: SystemName): Row | undefined {
  return rows.find((r) => r.system === system && r.error === undefined && r.skipped === undefined);
}

export function num(row: Row | undefined, key: string): number | undefined {
  const v = row?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** a / b rounded to 2 decimals, or null when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;
}
