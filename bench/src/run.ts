#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { aggregate } from './aggregate.js';
import { environment } from './env.js';
import type { Json } from './ipc.js';
import { type Options, parseOptions, USAGE, type WorkloadName } from './options.js';
import { runSystem } from './runner.js';
import { SYSTEMS, type SystemName } from './systems.js';
import { formatTable } from './table.js';
import { clusterFanout } from './workloads/cluster-fanout.js';
import { collabLatency } from './workloads/collab-latency.js';
import { collabThroughput } from './workloads/collab-throughput.js';
import { cursors } from './workloads/cursors.js';
import { fanout } from './workloads/fanout.js';
import { idle } from './workloads/idle.js';
import { latency } from './workloads/latency.js';
import { pipeline } from './workloads/pipeline.js';
import type { Row, Workload } from './workloads/workload.js';

/**
 * `npm run bench -- [workload...] [--quick] [...]`: runs each workload against every system (each server
 * and the load generator in their own processes), writes `bench/results/<workload>.json`, prints a table.
 */
const WORKLOADS: Record<WorkloadName, Workload<never>> = {
  fanout: fanout as Workload<never>,
  latency: latency as Workload<never>,
  idle: idle as Workload<never>,
  'collab-latency': collabLatency as Workload<never>,
  'collab-throughput': collabThroughput as Workload<never>,
  cursors: cursors as Workload<never>,
  pipeline: pipeline as Workload<never>,
  'cluster-fanout': clusterFanout as Workload<never>,
};

/** Above this share of a pinned core taken by other processes, a run is flagged as disturbed. */
const DISTURBED_PCT = 10;

const log = (s: string) => process.stderr.write(`${s}\n`);

async function runWorkload(w: Workload<never>, o: Options, jwtSecret: string): Promise<boolean> {
  const params = w.params(o);
  const systems: SystemName[] = o.systems ?? w.systems;
  const env = environment(o);
  log(`\n== ${w.name} ${JSON.stringify(params)} ==`);
  const runs = new Map<SystemName, Row[]>(systems.map((s) => [s, []]));
  for (let r = 0; r < o.repeat; r++) {
    for (const s of systems) {
      const started = Date.now();
      const row = await runSystem(w, params, SYSTEMS[s], o, jwtSecret).catch(
        (err: unknown): Row => ({ system: s, error: err instanceof Error ? err.message : String(err) }),
      );
      runs.get(s)!.push(row);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const what = row.skipped ? `skipped (${row.skipped})` : row.error ? `ERROR ${row.error}` : 'done';
      log(`[${w.name}] ${s}${o.repeat > 1 ? ` run ${r + 1}/${o.repeat}` : ''}: ${what} in ${took}s`);
    }
  }
  const rows = systems.map((s) => aggregate(runs.get(s)!));
  const { ratios, targets } = w.compare(rows);
  const doc = {
    workload: w.name,
    params,
    env: { ...env, loadavg_1m_end: Math.round(loadavg()[0] * 100) / 100 },
    ratios,
    targets,
    results: rows,
  };
  mkdirSync(o.outDir, { recursive: true });
  const file = join(o.outDir, `${w.name}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);

  console.log(`\n${w.name}  ${JSON.stringify(params)}`);
  console.log(formatTable(w.columns, rows));
  const shown = Object.entries(ratios).filter(([, v]) => v !== null);
  if (shown.length) console.log(`ratios: ${shown.map(([k, v]) => `${k} ${v as Json}`).join(', ')}`);
  for (const [name, t] of Object.entries(targets)) {
    const verdict = t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL';
    console.log(
      `target ${name}: ${verdict}${t.value !== undefined && t.value !== null ? ` (${t.value})` : ''} - ${t.goal}`,
    );
  }
  const disturbed = rows.filter(
    (r) =>
      Number(r.other_load_server_core_pct) > DISTURBED_PCT ||
      Number(r.other_load_loadgen_core_pct) > DISTURBED_PCT,
  );
  if (disturbed.length) {
    console.log(
      `warning: other processes used more than ${DISTURBED_PCT}% of a pinned core during ${disturbed.map((r) => r.system).join(', ')}: those numbers measure a shared machine`,
    );
  }
  console.log(`wrote ${relative(process.cwd(), file) || file}`);
  return rows.every((r) => r.error === undefined);
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    log((err as Error).message);
    return 2;
  }
  if (process.argv.includes('--help')) {
    log(USAGE);
    return 0;
  }
  const jwtSecret = randomBytes(32).toString('hex');
  let ok = true;
  for (const name of o.workloads) ok = (await runWorkload(WORKLOADS[name], o, jwtSecret)) && ok;
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
