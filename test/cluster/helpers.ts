import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SynclineServer, type SynclineServerOptions, silentLogger } from '@syncline/server';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TcpBalancer } from '../../packages/server/src/tools/tcp-balancer.js';
import { type Cleanup, freePort, SECRET, signToken, waitFor, wsUrl } from '../integration/helpers.js';
import { makeTextPdf } from '../integration/jobs-fixtures.js';
import { POSTGRES_URL, REDIS_URL } from '../services.js';

export { POSTGRES_URL, REDIS_URL };

/** A fresh PostgreSQL schema and Redis key prefix for one cluster, dropped / deleted by `cleanup`. */
export function isolation(cleanup: Cleanup, redisUrl = REDIS_URL): { schema: string; prefix: string } {
  const id = randomBytes(5).toString('hex');
  const schema = `t_cluster_${id}`;
  const prefix = `syncline-test:${id}:`;
  cleanup.add(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  cleanup.add(async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } catch {
      // that Redis is gone (a test's own server): nothing to delete
    } finally {
      redis.disconnect();
    }
  });
  return { schema, prefix };
}

export interface Cluster {
  servers: SynclineServer[];
  ports: number[];
  /** The round-robin balancer in front of the nodes. */
  balancer: TcpBalancer;
  /** WebSocket URL of the balancer. */
  url: string;
}

/**
 * `n` in-process nodes sharing one PostgreSQL schema and one Redis (key prefix), behind a round-robin balancer
 * with no stickiness. Everything is closed by `cleanup`.
 */
export async function startCluster(
  cleanup: Cleanup,
  n: number,
  opts: { redisUrl?: string; options?: Partial<SynclineServerOptions> } = {},
): Promise<Cluster> {
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const { schema, prefix } = isolation(cleanup, redisUrl);
  const servers: SynclineServer[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = new SynclineServer({
      storage: { postgres: POSTGRES_URL, schema },
      broker: { redis: redisUrl, prefix },
      auth: { secret: SECRET },
      logger: silentLogger,
      systemStatusIntervalMs: 0,
      rateLimits: false,
      jobs: false,
      ...opts.options,
    });
    cleanup.add(() => server.close({ timeoutMs: 500, restartHintMs: 0 }));
    const { port } = await server.listen(0, '127.0.0.1');
    servers.push(server);
    ports.push(port);
  }
  // Every node ready (schema migrated, Redis connected) before clients arrive.
  for (const port of ports) await readyzBecomes(port, 200);
  const balancer = new TcpBalancer({ backends: ports.map((port) => ({ host: '127.0.0.1', port })) });
  const bport = await balancer.listen(0);
  cleanup.add(() => balancer.close());
  return { servers, ports, balancer, url: wsUrl(bport) };
}

export async function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Polls /readyz until it answers `status`. */
export async function readyzBecomes(port: number, status: number, timeoutMs = 15_000) {
  let last = await readyz(port);
  await waitFor(
    async () => {
      last = await readyz(port);
      return last.status === status;
    },
    timeoutMs,
    `readyz of :${port} to become ${status}`,
  ).catch(() => {});
  return last;
}

/** A `redis-server` of the test's own on a free port (no persistence), which the test may stop and restart. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  port = 0;

  /** Chooses the port without starting (to point clients at a Redis that is not up yet). */
  async pickPort(): Promise<number> {
    if (this.port === 0) this.port = await freePort();
    return this.port;
  }

  async start(port?: number): Promise<string> {
    this.port = port ?? this.port ?? 0;
    if (this.port === 0) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    const guard = () => child.kill('SIGKILL');
    process.once('exit', guard);
    child.once('exit', () => process.off('exit', guard));
    const redis = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => {});
    await waitFor(
      async () => {
        try {
          if (redis.status !== 'ready') await redis.connect();
          return (await redis.ping()) === 'PONG';
        } catch {
          redis.disconnect();
          return false;
        }
      },
      10_000,
      'redis-server to start',
    );
    redis.disconnect();
    return this.url;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Uploads a text PDF of `pages` pages as `olga` through node 0 (the file lands on the shared volume; any node may
 * claim its processing job) and waits for a node to claim the job: its index is `worker`.
 */
export async function uploadToCluster(
  cluster: Pick<Cluster, 'servers' | 'ports'>,
  pages: number,
): Promise<{ documentId: string; jobId: string; room: string; worker: number }> {
  const { servers, ports } = cluster;
  const res = await fetch(`http://127.0.0.1:${ports[0]}/api/documents`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await signToken('olga')}`,
      'content-type': 'application/pdf',
      'x-file-name': 'cluster.pdf',
    },
    body: await makeTextPdf(pages),
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const { documentId, jobId } = (await res.json()) as { documentId: string; jobId: string };
  const worker = await waitFor(
    () => {
      const i = servers.findIndex((s) => s.jobs?.runner.live(jobId));
      return i >= 0 ? i + 1 : 0;
    },
    30_000,
    'a node to claim the job',
  ).then((i) => i - 1);
  return { documentId, jobId, room: `doc:${documentId}`, worker };
}
