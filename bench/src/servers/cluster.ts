import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Metrics } from '../ipc.js';
import { SOCKETIO_REDIS_SERVER, SYNCLINE_CLI } from '../paths.js';
import { readCpuMs } from '../proc.js';
import {
  type LaunchContext,
  RunningServer,
  type ServerSnapshot,
  SYSTEMS,
  type SystemName,
  type SystemSpec,
  startServer,
} from '../systems.js';

/** The Redis and PostgreSQL the nodes share (`BENCH_REDIS_URL` / `BENCH_DATABASE_URL` override). */
export const CLUSTER_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CLUSTER_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Redis counters read with INFO (the whole server: other clients of a shared Redis count too). */
export interface RedisCounters {
  commands: number;
  publish: number;
  netInBytes: number;
  netOutBytes: number;
  cpuMs: number;
}

/**
 * Several server processes of one system sharing Redis (and PostgreSQL for Syncline), all pinned to the
 * server core, seen by the harness as one server: `port` is the first node's (the publisher's), `ports` all
 * of them, `snapshot()` the sum over nodes. Each run gets a fresh Redis prefix (Syncline: `SYNCLINE_REDIS_PREFIX`;
 * Socket.IO: the adapter's `key`) and a fresh PostgreSQL schema, removed when it stops.
 */
export class ClusterServer extends RunningServer {
  /** Per-node snapshots, in the order they were taken. */
  readonly marks: ServerSnapshot[][] = [];
  private redis: Redis | undefined;

  constructor(
    system: SystemSpec,
    readonly nodes: RunningServer[],
    readonly redisPrefix: string,
    readonly redisChannel: string,
    private readonly dispose: () => Promise<void>,
  ) {
    super(system, nodes[0].proc, nodes[0].port);
  }

  override get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** Whether every node still runs. */
  get allRunning(): boolean {
    return this.nodes.every((n) => n.proc.running);
  }

  override snapshot(): ServerSnapshot {
    const each = this.nodes.map((n) => n.snapshot());
    this.marks.push(each);
    return each.reduce((a, s) => ({
      cpu_ms: a.cpu_ms + s.cpu_ms,
      cpu_sys_ms: a.cpu_sys_ms + s.cpu_sys_ms,
      wchar: a.wchar + s.wchar,
      rchar: a.rchar + s.rchar,
    }));
  }

  /** CPU ms of each node between the last two snapshots. */
  nodeCpuMs(): number[] {
    const [a, b] = this.marks.slice(-2);
    return a && b ? a.map((s, i) => Math.round(b[i].cpu_ms - s.cpu_ms)) : [];
  }

  async redisCounters(): Promise<RedisCounters> {
    this.redis ??= new Redis(CLUSTER_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const info = await this.redis.info('all');
    const field = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    const publish = Number(/^cmdstat_publish:calls=(\d+)/m.exec(info)?.[1] ?? 0);
    return {
      commands: field('total_commands_processed'),
      publish,
      netInBytes: field('total_net_input_bytes'),
      netOutBytes: field('total_net_output_bytes'),
      cpuMs: (field('used_cpu_sys') + field('used_cpu_user')) * 1000,
    };
  }

  /** Subscribers of the room's Redis channel (Syncline); Socket.IO's nodes each hold a pattern instead. */
  async channelSubscribers(): Promise<number | null> {
    if (!this.redisChannel) return null;
    this.redis ??= new Redis(CLUSTER_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const r = (await this.redis.pubsub('NUMSUB', this.redisChannel)) as [string, number];
    return Number(r[1]);
  }

  override async stop(): Promise<void> {
    try {
      await Promise.all(this.nodes.map((n) => n.stop()));
    } finally {
      this.redis?.disconnect();
      await this.dispose();
    }
  }
}

/** CPU ms used so far by every `postgres` process of the machine (other databases' work included). */
export function postgresCpuMs(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += readCpuMs(Number(d)).total;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Starts `nodes` processes of `client`'s system on shared Redis (+ PostgreSQL), fresh prefix and schema. */
export async function startCluster(
  name: SystemName,
  client: 'syncline' | 'socket.io',
  nodes: number,
  ctx: Omit<LaunchContext, 'port'>,
  pin: boolean,
): Promise<ClusterServer> {
  const id = randomBytes(5).toString('hex');
  const prefix = `bench-${id}:`;
  const schema = `bench_${id}`;
  const env: Record<string, string> =
    client === 'syncline'
      ? {
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          DATABASE_URL: CLUSTER_DATABASE_URL,
          SYNCLINE_DATABASE_SCHEMA: schema,
          REDIS_URL: CLUSTER_REDIS_URL,
          SYNCLINE_REDIS_PREFIX: prefix,
          SYNCLINE_JWT_SECRET: ctx.jwtSecret,
          SYNCLINE_RATE_LIMIT: 'off',
          SYNCLINE_MAX_CONN_PER_IP: '0',
          SYNCLINE_COMPRESSION: '0',
          SYNCLINE_JOBS: 'off',
        }
      : {
          HOST: '127.0.0.1',
          REDIS_URL: CLUSTER_REDIS_URL,
          BENCH_REDIS_KEY: prefix,
          BENCH_JWT_SECRET: ctx.jwtSecret,
        };
  const dispose = () => cleanUp(prefix, client === 'syncline' ? schema : undefined);
  const started: RunningServer[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      const node: SystemSpec = {
        name,
        client,
        deflate: false,
        unavailable: () => undefined,
        launch: ({ port }) => ({
          script: client === 'syncline' ? SYNCLINE_CLI : SOCKETIO_REDIS_SERVER,
          env: { ...env, PORT: String(port) },
        }),
      };
      started.push(await startServer(node, ctx, pin));
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    await dispose();
    throw err;
  }
  const channel = client === 'syncline' ? `${prefix}r:doc:bench` : '';
  return new ClusterServer(SYSTEMS[name], started, prefix, channel, dispose);
}

/** Drops the run's PostgreSQL schema and deletes its Redis keys. Never throws (a warning on stderr). */
async function cleanUp(prefix: string, schema: string | undefined): Promise<void> {
  const redis = new Redis(CLUSTER_REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    process.stderr.write(`cluster: deleting redis keys ${prefix}* failed: ${(err as Error).message}\n`);
  } finally {
    redis.disconnect();
  }
  if (!schema) return;
  const db = new pg.Client({ connectionString: CLUSTER_DATABASE_URL });
  try {
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (err) {
    process.stderr.write(`cluster: dropping schema ${schema} failed: ${(err as Error).message}\n`);
  } finally {
    await db.end().catch(() => {});
  }
}

/**
 * Redis counters between two readings, per event and per delivery, less what Redis did while the nodes sat
 * idle (`idle`: counters per ms over a quiet second before the run: heartbeats, other clients of a shared Redis).
 */
export function redisDelta(
  a: RedisCounters,
  b: RedisCounters,
  ms: number,
  idle: RedisCounters,
  events: number,
  deliveries: number,
): Metrics {
  const per = (x: number, n: number) => (n > 0 ? Math.round((x / n) * 1000) / 1000 : null);
  const net = (k: keyof RedisCounters) => Math.max(0, b[k] - a[k] - idle[k] * ms);
  const commands = Math.round(net('commands'));
  const publish = Math.round(net('publish'));
  const cpuMs = Math.round(net('cpuMs'));
  return {
    redis_commands: commands,
    redis_publish: publish,
    redis_commands_per_event: per(commands, events),
    redis_publish_per_event: per(publish, events),
    redis_commands_per_delivery: per(commands, deliveries),
    redis_out_bytes_per_event: per(net('netOutBytes'), events),
    redis_in_bytes_per_event: per(net('netInBytes'), events),
    redis_idle_commands_per_s: Math.round(idle.commands * 1000),
    redis_idle_publish_per_s: Math.round(idle.publish * 1000 * 10) / 10,
    redis_idle_cpu_pct: Math.round(idle.cpuMs * 100 * 10) / 10,
    redis_cpu_ms: cpuMs,
    redis_cpu_us_per_event: per(cpuMs * 1000, events),
  };
}
