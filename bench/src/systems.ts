import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientKind } from './ipc.js';
import {
  HOCUSPOCUS_SERVER,
  OT_RELAY,
  PRELOAD_URL,
  REPO_ROOT,
  SHAREDB_SERVER,
  SOCKETIO_SERVER,
  SYNCLINE_CLI,
  WS_RELAY,
} from './paths.js';
import { freePort, Managed, readCpuMs, readIo, readRssKb, SERVER_CORE, sleep, waitForTcp } from './proc.js';

/** The systems compared. `syncline-deflate` is Syncline started with permessage-deflate on. */
export const SYSTEM_NAMES = [
  'ws',
  'socket.io',
  'syncline',
  'syncline-deflate',
  'sharedb',
  'sharedb-json1',
  'hocuspocus',
  'ot-relay',
  'syncline-pg',
  'syncline-pg-3',
  'socket.io-redis',
  'socket.io-redis-3',
] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export interface LaunchContext {
  port: number;
  jwtSecret: string;
  storage: 'sqlite' | 'memory';
}

interface Launch {
  script: string;
  env: Record<string, string>;
  cleanup?: () => void;
}

export interface SystemSpec {
  name: SystemName;
  /** The load generator's client for this system. */
  client: ClientKind;
  /** Whether clients offer permessage-deflate. */
  deflate: boolean;
  /** Why the system cannot run here (e.g. not built yet), or undefined. */
  unavailable(): string | undefined;
  launch(ctx: LaunchContext): Launch;
  /** Systems of several processes (`servers/cluster.ts`) start themselves instead of one `launch`. */
  start?(ctx: Omit<LaunchContext, 'port'>, pin: boolean): Promise<RunningServer>;
}

const syncline = (deflate: boolean): SystemSpec => ({
  name: deflate ? 'syncline-deflate' : 'syncline',
  client: 'syncline',
  deflate,
  unavailable: () =>
    existsSync(SYNCLINE_CLI) ? undefined : `${SYNCLINE_CLI} not found (build packages/server)`,
  launch: ({ port, jwtSecret, storage }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syncline-bench-'));
    return {
      script: SYNCLINE_CLI,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        SYNCLINE_STORAGE: storage,
        SYNCLINE_DATA_DIR: dataDir,
        SYNCLINE_JWT_SECRET: jwtSecret,
        SYNCLINE_RATE_LIMIT: 'off',
        SYNCLINE_MAX_CONN_PER_IP: '0',
        SYNCLINE_COMPRESSION: deflate ? '1' : '0',
      },
      cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});

export const SYSTEMS: Record<SystemName, SystemSpec> = {
  ws: {
    name: 'ws',
    client: 'ws',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port }) => ({ script: WS_RELAY, env: { PORT: String(port), HOST: '127.0.0.1' } }),
  },
  'socket.io': {
    name: 'socket.io',
    client: 'socket.io',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port, jwtSecret }) => ({
      script: SOCKETIO_SERVER,
      env: { PORT: String(port), HOST: '127.0.0.1', BENCH_JWT_SECRET: jwtSecret },
    }),
  },
  syncline: syncline(false),
  'syncline-deflate': syncline(true),
  sharedb: {
    name: 'sharedb',
    client: 'sharedb',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port }) => ({ script: SHAREDB_SERVER, env: { PORT: String(port), HOST: '127.0.0.1' } }),
  },
  // The same server; its clients create a json1 document of zones (Syncline's model) instead of a string.
  'sharedb-json1': {
    name: 'sharedb-json1',
    client: 'sharedb-json1',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port }) => ({ script: SHAREDB_SERVER, env: { PORT: String(port), HOST: '127.0.0.1' } }),
  },
  hocuspocus: {
    name: 'hocuspocus',
    client: 'hocuspocus',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port }) => ({ script: HOCUSPOCUS_SERVER, env: { PORT: String(port), HOST: '127.0.0.1' } }),
  },
  // The floor of server-sequenced OT (servers/ot-relay.ts): what any such server does per op, and nothing more.
  'ot-relay': {
    name: 'ot-relay',
    client: 'ot-relay',
    deflate: false,
    unavailable: () => undefined,
    launch: ({ port }) => ({ script: OT_RELAY, env: { PORT: String(port), HOST: '127.0.0.1' } }),
  },
  // Nodes on PostgreSQL + Redis (Syncline) or the Redis adapter (Socket.IO): see servers/cluster.ts.
  'syncline-pg': clusterSystem('syncline-pg', 'syncline', 1),
  'syncline-pg-3': clusterSystem('syncline-pg-3', 'syncline', 3),
  'socket.io-redis': clusterSystem('socket.io-redis', 'socket.io', 1),
  'socket.io-redis-3': clusterSystem('socket.io-redis-3', 'socket.io', 3),
};

function clusterSystem(name: SystemName, client: 'syncline' | 'socket.io', nodes: number): SystemSpec {
  return {
    name,
    client,
    deflate: false,
    unavailable: () =>
      client === 'syncline' && !existsSync(SYNCLINE_CLI)
        ? `${SYNCLINE_CLI} not found (build packages/server)`
        : undefined,
    launch: () => {
      throw new Error(`${name} starts several processes (start)`);
    },
    start: async (ctx, pin) =>
      (await import('./servers/cluster.js')).startCluster(name, client, nodes, ctx, pin),
  };
}

export interface ServerMemory {
  rss_kb: number;
  /** From the server's own `process.memoryUsage()` after a forced GC; absent if the preload hook is missing. */
  heap_used_kb?: number;
  external_kb?: number;
  array_buffers_kb?: number;
  gc?: boolean;
}

export interface ServerSnapshot {
  cpu_ms: number;
  cpu_sys_ms: number;
  wchar: number;
  rchar: number;
}

/** A server process started by the harness. */
export class RunningServer {
  private preloaded = false;

  constructor(
    readonly system: SystemSpec,
    readonly proc: Managed,
    readonly port: number,
    private readonly cleanup?: () => void,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  /** Every node's port (one here; several for the systems of `servers/cluster.ts`). */
  get ports(): number[] {
    return [this.port];
  }

  markPreloaded(): void {
    this.preloaded = true;
  }

  snapshot(): ServerSnapshot {
    const io = readIo(this.pid);
    const cpu = readCpuMs(this.pid);
    return {
      cpu_ms: cpu.total,
      cpu_sys_ms: cpu.system,
      wchar: io?.wchar ?? Number.NaN,
      rchar: io?.rchar ?? Number.NaN,
    };
  }

  /** Waits `settleMs`, forces a GC in the server (SIGUSR2 to the preload hook), then reads its memory. */
  async memory(settleMs: number): Promise<ServerMemory> {
    await sleep(settleMs);
    if (!this.preloaded) return { rss_kb: readRssKb(this.pid) };
    const report = this.proc.waitJson((o) => (o.bench === 'mem' ? o : undefined), 10_000, 'memory report');
    process.kill(this.pid, 'SIGUSR2');
    const m = await report;
    await sleep(100); // let freed pages go back before reading RSS
    const kb = (v: unknown) => (typeof v === 'number' ? Math.round(v / 1024) : undefined);
    return {
      rss_kb: readRssKb(this.pid),
      heap_used_kb: kb(m.heapUsed),
      external_kb: kb(m.external),
      array_buffers_kb: kb(m.arrayBuffers),
      gc: m.gc === true,
    };
  }

  async stop(): Promise<void> {
    try {
      await this.proc.stop();
    } finally {
      this.cleanup?.();
    }
  }
}

/** Starts a system's server in its own process (pinned to the server core) and waits until it listens. */
export async function startServer(
  system: SystemSpec,
  ctx: Omit<LaunchContext, 'port'>,
  pin: boolean,
): Promise<RunningServer> {
  if (system.start) return system.start(ctx, pin);
  const port = await freePort();
  const launch = system.launch({ ...ctx, port });
  const env: NodeJS.ProcessEnv = { ...process.env, ...launch.env };
  delete env.NODE_OPTIONS;
  let proc: Managed;
  try {
    proc = new Managed({
      cmd: process.execPath,
      // BENCH_SERVER_NODE_ARGS: extra node flags for the server, e.g. `--cpu-prof` to profile it.
      args: [
        ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--expose-gc',
        '--import',
        PRELOAD_URL,
        launch.script,
      ],
      env,
      cwd: REPO_ROOT,
      core: pin ? SERVER_CORE : undefined,
      label: system.name,
    });
  } catch (err) {
    launch.cleanup?.();
    throw err;
  }
  let preloaded = false;
  const off = proc.onJson((o) => {
    if (o.bench === 'preload') preloaded = true;
  });
  const server = (p: number) => {
    const s = new RunningServer(system, proc, p, launch.cleanup);
    if (preloaded) s.markPreloaded();
    off();
    return s;
  };
  try {
    // Either the server says where it listens (first JSON line with a numeric `port`) or the port we
    // gave it starts accepting connections, whichever comes first.
    const reported = proc.waitJson(
      (o) => (typeof o.port === 'number' && o.port > 0 ? o.port : undefined),
      30_000,
      `${system.name} listening line`,
    );
    const probed = waitForTcp(port, 30_000, () => proc.running).then(() => port);
    const p = await Promise.race([reported, probed]);
    reported.catch(() => {});
    probed.catch(() => {});
    // A line with a port may come before the socket is bound (a config dump): wait until it accepts.
    await waitForTcp(p, 30_000, () => proc.running);
    return server(p);
  } catch (err) {
    await proc.stop();
    launch.cleanup?.();
    throw new Error(`${system.name} did not start: ${(err as Error).message}\n${proc.describeExit()}`);
  }
}
