import type { Options } from '../options.js';
import { type TimedParams, timedJobTimeoutMs, timedRunTimeoutMs } from './timed.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface CollabThroughputParams extends TimedParams {
  clients: number;
}

/**
 * `clients` editors of one text, each inserting one character and submitting the next as soon as the
 * server acknowledged the previous one (closed loop, one op in flight per client) for `warmup + duration`
 * s. `ops_per_s`: ops acknowledged (committed by the server) per second of the measured window;
 * `ops_per_server_cpu_s`: all acknowledged ops per second of the server's CPU time, which stays fair when
 * the load generator, not the server, sets the pace. At the end the replicas must be equal (`converged`).
 * ShareDB runs twice: as the target names it (`sharedb`, the text one `text-unicode` string) and with Syncline's
 * document model (`sharedb-json1`: a `json1` document of zones, the text in one zone), so the ratios also
 * compare like with like. `ot-relay` (servers/ot-relay.ts) is the floor: a server-sequenced OT server reduced to
 * what every one does per op (transform, apply, ack, send to the others), in memory, with nothing else; its
 * ratios say how far from that floor Syncline and ShareDB are.
 */
export const collabThroughput: Workload<CollabThroughputParams> = {
  name: 'collab-throughput',
  systems: ['sharedb', 'sharedb-json1', 'hocuspocus', 'ot-relay', 'syncline'],
  connectConcurrency: 10,
  params: (o: Options) => ({
    clients: knob(o, 'clients', 10, 3),
    duration: knob(o, 'duration', 10, 2),
    warmup: knob(o, 'warmup', 1, 0.5),
  }),
  job: (p) => ({
    kind: 'collab',
    clients: p.clients,
    pacing: 'closed',
    rate: 0,
    duration: p.duration,
    warmup: p.warmup,
    drainMs: 5000,
    timeoutMs: timedJobTimeoutMs(p),
  }),
  timeoutMs: timedRunTimeoutMs,
  derive: (row) => {
    const acked = row.acked;
    const cpu = row.server_cpu_ms;
    return {
      ops_per_server_cpu_s:
        typeof acked === 'number' && typeof cpu === 'number' && cpu > 0
          ? Math.round(acked / (cpu / 1000))
          : null,
    };
  },
  columns: [
    { title: 'ops/s', key: 'ops_per_s' },
    { title: 'ops/srv CPU s', key: 'ops_per_server_cpu_s' },
    { title: 'p50 ms', key: 'p50_ms', digits: 2 },
    { title: 'p99 ms', key: 'p99_ms', digits: 2 },
    { title: 'lost', key: 'lost' },
    { title: 'converged', key: 'converged' },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  compare(rows) {
    const get = (s: Parameters<typeof rowOf>[1], k: string) => num(rowOf(rows, s), k);
    const rate = ratio(get('syncline', 'ops_per_s'), get('sharedb', 'ops_per_s'));
    const perCpu = ratio(get('syncline', 'ops_per_server_cpu_s'), get('sharedb', 'ops_per_server_cpu_s'));
    const converged = rowOf(rows, 'syncline')?.converged === true;
    return {
      ratios: {
        syncline_vs_sharedb_ops_per_s: rate,
        syncline_vs_sharedb_ops_per_server_cpu_s: perCpu,
        // ShareDB with Syncline's document model (json1 zones): the like-for-like comparison, not the target's.
        syncline_vs_sharedb_json1_ops_per_s: ratio(
          get('syncline', 'ops_per_s'),
          get('sharedb-json1', 'ops_per_s'),
        ),
        syncline_vs_sharedb_json1_ops_per_server_cpu_s: ratio(
          get('syncline', 'ops_per_server_cpu_s'),
          get('sharedb-json1', 'ops_per_server_cpu_s'),
        ),
        // Against the floor (a bare in-memory OT relay): how much of it each system keeps.
        syncline_vs_ot_relay_ops_per_server_cpu_s: ratio(
          get('syncline', 'ops_per_server_cpu_s'),
          get('ot-relay', 'ops_per_server_cpu_s'),
        ),
        sharedb_vs_ot_relay_ops_per_server_cpu_s: ratio(
          get('sharedb', 'ops_per_server_cpu_s'),
          get('ot-relay', 'ops_per_server_cpu_s'),
        ),
        syncline_vs_hocuspocus_ops_per_s: ratio(get('syncline', 'ops_per_s'), get('hocuspocus', 'ops_per_s')),
        syncline_vs_hocuspocus_ops_per_server_cpu_s: ratio(
          get('syncline', 'ops_per_server_cpu_s'),
          get('hocuspocus', 'ops_per_server_cpu_s'),
        ),
      },
      targets: {
        syncline_3x_sharedb_ops_per_s: {
          goal: 'syncline ops/s >= 3x ShareDB, replicas converged',
          value: rate,
          pass: rate === null ? null : rate >= 3 && converged,
        },
        syncline_3x_sharedb_ops_per_server_cpu_s: {
          goal: 'syncline ops per server CPU second >= 3x ShareDB',
          value: perCpu,
          pass: perCpu === null ? null : perCpu >= 3,
        },
      },
    };
  },
};
