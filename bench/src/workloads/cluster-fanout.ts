import { performance } from 'node:perf_hooks';
import type { Metrics } from '../ipc.js';
import type { Options } from '../options.js';
import { ClusterServer, postgresCpuMs, type RedisCounters, redisDelta } from '../servers/cluster.js';
import type { RunningServer, SystemName } from '../systems.js';
import { type FanoutParams, fanout } from './fanout.js';
import { knob, num, type Row, ratio, rowOf, type Workload } from './workload.js';

/**
 * `fanout` with the subscribers spread round-robin over several nodes (subscriber s on node s mod n, the
 * publisher on the first): Syncline on PostgreSQL + Redis with 1 and 3 nodes, Socket.IO with
 * `@socket.io/redis-adapter` with 1 and 3 nodes, and the single-process Syncline (SQLite) and Socket.IO of
 * `fanout` for reference. Every node is pinned to the same server core, so n nodes share one core's worth of
 * CPU: the rows show what a node costs per delivery and what Redis carries per event, not a speed-up (see
 * bench/README.md for what that implies on more cores). Metrics as in `fanout`, plus per-node CPU and the
 * Redis traffic of the run (INFO before `go` and after the result).
 */
const redisBefore = new WeakMap<
  RunningServer,
  { redis: RedisCounters; at: number; idle: RedisCounters; pgCpuMs: number; pgIdle: number }
>();

/** The quiet interval before `go` that measures Redis's and PostgreSQL's background rates. */
const IDLE_MS = 1000;

export const clusterFanout: Workload<FanoutParams> = {
  ...fanout,
  name: 'cluster-fanout',
  systems: ['syncline', 'syncline-pg', 'syncline-pg-3', 'socket.io', 'socket.io-redis', 'socket.io-redis-3'],
  params: (o: Options) => ({
    subscribers: knob(o, 'subscribers', 500, 30),
    events: knob(o, 'events', 2000, 100),
    window: knob(o, 'window', 256, 256),
  }),
  async afterReady(server): Promise<Metrics> {
    if (!(server instanceof ClusterServer)) return { nodes: 1 };
    const r0 = await server.redisCounters();
    const pg0 = postgresCpuMs();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const redis = await server.redisCounters();
    const pgCpuMs = postgresCpuMs();
    const at = performance.now();
    const ms = at - t0;
    const idle = {
      commands: (redis.commands - r0.commands) / ms,
      publish: (redis.publish - r0.publish) / ms,
      netInBytes: (redis.netInBytes - r0.netInBytes) / ms,
      netOutBytes: (redis.netOutBytes - r0.netOutBytes) / ms,
      cpuMs: (redis.cpuMs - r0.cpuMs) / ms,
    };
    redisBefore.set(server, { redis, at, idle, pgCpuMs, pgIdle: (pgCpuMs - pg0) / ms });
    return {
      nodes: server.nodes.length,
      redis_prefix: server.redisPrefix,
      redis_channel_subscribers: await server.channelSubscribers(),
    };
  },
  async afterRun(server, p, result) {
    const deliveries = typeof result.deliveries === 'number' ? result.deliveries : 0;
    if (!(server instanceof ClusterServer)) return {};
    if (!server.allRunning) throw new Error('a node died during the run');
    const before = redisBefore.get(server);
    const out: Metrics = {};
    const n = server.nodes.length;
    const cpu = server.nodeCpuMs();
    out.node_cpu_ms = cpu;
    // Deliveries made by node i: its share of the subscribers (round-robin) times the events delivered.
    out.node_cpu_us_per_local_delivery = cpu.map((ms, i) => {
      const local = Math.ceil((p.subscribers - i) / n);
      const d = (deliveries * local) / p.subscribers;
      return d > 0 ? Math.round((ms * 1000 * 100) / d) / 100 : null;
    });
    if (before) {
      const after = await server.redisCounters();
      const ms = performance.now() - before.at;
      Object.assign(out, redisDelta(before.redis, after, ms, before.idle, p.events, deliveries));
      // Pub/sub messages Redis sends per PUBLISH: Syncline's room channel has one subscriber per node with
      // subscribers in the room (measured); every Socket.IO node PSUBSCRIBEs `<key>#/#*` and gets them all.
      const receivers = (await server.channelSubscribers()) ?? n;
      const commands = num(out as Row, 'redis_commands_per_event');
      const publish = num(out as Row, 'redis_publish_per_event');
      out.redis_receivers_per_publish = receivers;
      if (commands !== undefined && publish !== undefined) {
        const messages = commands + publish * receivers;
        out.redis_messages_per_event = Math.round(messages * 100) / 100;
        out.redis_messages_per_delivery = Math.round((messages / p.subscribers) * 10000) / 10000;
      }
      const pgMs = Math.max(0, Math.round(postgresCpuMs() - before.pgCpuMs - before.pgIdle * ms));
      out.postgres_cpu_ms = pgMs;
      out.postgres_cpu_us_per_event = p.events ? Math.round((pgMs * 1000) / p.events) : null;
    }
    return out;
  },
  columns: [
    { title: 'nodes', key: 'nodes' },
    { title: 'deliveries/s', key: 'deliveries_per_s' },
    { title: 'p50 ms', key: 'p50_ms', digits: 1 },
    { title: 'p99 ms', key: 'p99_ms', digits: 1 },
    { title: 'lost', key: 'lost' },
    { title: 'dup', key: 'duplicated' },
    { title: 'srv us/deliv', key: 'server_cpu_us_per_delivery', digits: 2 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'redis msg/ev', key: 'redis_messages_per_event', digits: 2 },
    { title: 'redis outB/ev', key: 'redis_out_bytes_per_event', digits: 0 },
    { title: 'redis us/ev', key: 'redis_cpu_us_per_event', digits: 1 },
    { title: 'pg us/ev', key: 'postgres_cpu_us_per_event', digits: 0 },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  derive: undefined,
  compare(rows: Row[]) {
    const d = (s: SystemName) => num(rowOf(rows, s), 'deliveries_per_s');
    const us = (s: SystemName) => num(rowOf(rows, s), 'server_cpu_us_per_delivery');
    const clean = (['syncline-pg', 'syncline-pg-3'] as SystemName[]).every((s) => {
      const r = rowOf(rows, s);
      return r === undefined || (r.lost === 0 && r.duplicated === 0);
    });
    const vs = ratio(d('syncline-pg-3'), d('socket.io-redis-3'));
    return {
      ratios: {
        syncline_3_vs_1_deliveries: ratio(d('syncline-pg-3'), d('syncline-pg')),
        socketio_3_vs_1_deliveries: ratio(d('socket.io-redis-3'), d('socket.io-redis')),
        syncline_pg_vs_sqlite_deliveries: ratio(d('syncline-pg'), d('syncline')),
        syncline_3_vs_socketio_3_deliveries: vs,
        syncline_3_vs_1_cpu_per_delivery: ratio(us('syncline-pg-3'), us('syncline-pg')),
        socketio_3_vs_1_cpu_per_delivery: ratio(us('socket.io-redis-3'), us('socket.io-redis')),
        socketio_3_vs_syncline_3_cpu_per_delivery: ratio(us('socket.io-redis-3'), us('syncline-pg-3')),
      },
      targets: {
        syncline_3_nodes_clean: {
          goal: 'syncline on 1 and 3 nodes: no delivery lost or duplicated',
          pass: rowOf(rows, 'syncline-pg-3') === undefined ? null : clean,
        },
        syncline_3_nodes_10x_socketio_3_nodes: {
          goal: 'syncline on 3 nodes delivers >= 10x socket.io + redis adapter on 3 nodes',
          value: vs,
          pass: vs === null ? null : vs >= 10 && clean,
        },
      },
    };
  },
};
