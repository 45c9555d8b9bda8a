import type { Options } from '../options.js';
import { type TimedParams, timedJobTimeoutMs, timedRunTimeoutMs } from './timed.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface CollabLatencyParams extends TimedParams {
  clients: number;
  /** Ops per second per client. */
  rate: number;
}

/**
 * `clients` editors of one text, each inserting one character every `1000 / rate` ms (open loop,
 * staggered: `clients × rate` ops/s in all) for `warmup + duration` s. Latency is from an op's intended
 * submit time to the moment it is applied at each other client; at the end every replica must hold the
 * same text (`converged`). Syncline (SDK `DocumentClient`) against ShareDB 7 (`text-unicode`, in-memory)
 * and Hocuspocus 3 (Yjs).
 */
export const collabLatency: Workload<CollabLatencyParams> = {
  name: 'collab-latency',
  systems: ['sharedb', 'hocuspocus', 'syncline'],
  connectConcurrency: 10,
  params: (o: Options) => ({
    clients: knob(o, 'clients', 20, 4),
    rate: knob(o, 'rate', 50, 50),
    duration: knob(o, 'duration', 20, 2),
    warmup: knob(o, 'warmup', 2, 0.5),
  }),
  job: (p) => ({
    kind: 'collab',
    clients: p.clients,
    pacing: 'paced',
    rate: p.rate,
    duration: p.duration,
    warmup: p.warmup,
    drainMs: 5000,
    timeoutMs: timedJobTimeoutMs(p),
  }),
  timeoutMs: timedRunTimeoutMs,
  columns: [
    { title: 'p50 ms', key: 'p50_ms', digits: 2 },
    { title: 'p90 ms', key: 'p90_ms', digits: 2 },
    { title: 'p99 ms', key: 'p99_ms', digits: 2 },
    { title: 'max ms', key: 'max_ms', digits: 1 },
    { title: 'ops/s', key: 'ops_per_s' },
    { title: 'lost', key: 'lost' },
    { title: 'converged', key: 'converged' },
    { title: 'send lag p99', key: 'send_lag_p99_ms', digits: 2 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'gen GC ms', key: 'gen_gc_ms' },
    { title: 'gen GC max ms', key: 'gen_gc_max_ms', digits: 1 },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  compare(rows) {
    const p99 = (s: Parameters<typeof rowOf>[1]) => num(rowOf(rows, s), 'p99_ms');
    const sync = p99('syncline');
    const peers = [p99('sharedb'), p99('hocuspocus')].filter((x): x is number => x !== undefined);
    const best = peers.length ? Math.min(...peers) : undefined;
    const converged = rowOf(rows, 'syncline')?.converged === true;
    return {
      ratios: {
        syncline_p99_vs_sharedb: ratio(sync, p99('sharedb')),
        syncline_p99_vs_hocuspocus: ratio(sync, p99('hocuspocus')),
        syncline_p99_vs_best_peer: ratio(sync, best),
      },
      targets: {
        syncline_p99_le_best_peer: {
          goal: 'syncline p99 <= the best peer p99 (ShareDB, Hocuspocus), replicas converged',
          value: sync ?? null,
          pass: sync === undefined || best === undefined ? null : sync <= best && converged,
        },
      },
    };
  },
};
