import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientOptions, SynclineClient, type WebSocketConstructor } from '@syncline/client';
import { SynclineServer, type SynclineServerOptions, silentLogger } from '@syncline/server';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

/** HS256 secret shared by the test servers and the tokens signed here. */
export const SECRET = 'syncline-integration-test-secret-0123456789';

/** Repository root (for the CLI child process). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Small backoff so reconnects happen within tens of milliseconds. */
export const FAST_RECONNECT = { initialMs: 20, maxMs: 200, maxAttempts: 1000 } as const;

/**
 * Polls `cond` every few milliseconds until it is truthy; rejects after `timeoutMs` with `what` (or the
 * condition's source) in the message. The only way tests here wait.
 */
/**
 * Polls `cond` (sync or async) every 5 ms until it returns something truthy, and returns that; throws after
 * `timeoutMs`. An async condition is awaited: a pending promise is not taken for "true".
 */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 10_000,
  what?: string,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms: ${what ?? cond.toString()}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Signs an HS256 token for `userId`; `expiresInS` seconds from now (default one hour). */
export function signToken(
  userId: string,
  opts: { name?: string; expiresInS?: number; secret?: string } = {},
): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + (opts.expiresInS ?? 3600);
  return new SignJWT({ name: opts.name ?? userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** A token provider: signs a fresh token on every call (every connect and refresh). */
export const tokenProvider =
  (userId: string, opts: { name?: string; expiresInS?: number } = {}) =>
  () =>
    signToken(userId, opts);

/** Things to undo after a test, run in reverse order; failures are collected, not swallowed. */
export class Cleanup {
  private readonly tasks: (() => unknown)[] = [];

  add(task: () => unknown): void {
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const task of this.tasks.splice(0).reverse()) {
      try {
        await task();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'cleanup failed');
  }
}

/** An in-process server on an ephemeral port, closed by `cleanup`. */
export async function startServer(
  cleanup: Cleanup,
  options: SynclineServerOptions = {},
): Promise<{ server: SynclineServer; port: number; url: string }> {
  const server = new SynclineServer({
    storage: 'memory',
    auth: { secret: SECRET },
    logger: silentLogger,
    systemStatusIntervalMs: 0,
    ...options,
  });
  cleanup.add(() => server.close({ timeoutMs: 500 }));
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, url: wsUrl(port) };
}

export const wsUrl = (port: number): string => `ws://127.0.0.1:${port}/ws`;

/** A fresh temporary directory, removed by `cleanup`. */
export async function tempDir(cleanup: Cleanup, prefix = 'syncline-it-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A `ws` WebSocket constructor that remembers every socket it made, so a test can kill the client's
 * current socket abruptly (`terminate()`: no close frame, like a dropped network).
 */
export function trackingWebSocket(onCreate?: (ws: WebSocket) => void): {
  WebSocket: WebSocketConstructor;
  sockets: WebSocket[];
} {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
      onCreate?.(this);
    }
  }
  return { WebSocket: Tracked as unknown as WebSocketConstructor, sockets };
}

/** A client on `ws` with a fast reconnect, closed by `cleanup`. */
export function createClient(
  cleanup: Cleanup,
  options: Partial<ClientOptions> & Pick<ClientOptions, 'url' | 'token'>,
): SynclineClient {
  const client = new SynclineClient({
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: FAST_RECONNECT,
    globals: null,
    ...options,
  });
  cleanup.add(() => client.close());
  return client;
}

/** Resolves once `client` has completed a handshake (now or already). */
export function whenOpen(client: SynclineClient, timeoutMs = 10_000): Promise<unknown> {
  return waitFor(() => client.state === 'open', timeoutMs, 'client open');
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Small deterministic PRNG (mulberry32) for seeded randomized tests: the bench's. */
export { seededRandom } from '../../bench/src/loadgen/seeded-random.js';

/** Unique room names per test run, so rooms never carry state from another test. */
let roomCounter = 0;
export const uniqueRoom = (kind = 'doc'): string =>
  `${kind}:it-${process.pid}-${Date.now().toString(36)}-${++roomCounter}`;

/** The server CLI (`packages/server/dist/cli.js`) as a child process. */
export class CliServer {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(private readonly env: Record<string, string>) {}

  /** Starts the CLI and resolves with its port once it prints `{"msg":"listening",...}`. */
  async start(timeoutMs = 15_000): Promise<number> {
    if (this.child) throw new Error('already running');
    const child = spawn(process.execPath, [join(ROOT, 'packages/server/dist/cli.js')], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Should the test process exit without running its hooks, the server must not outlive it.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    let port: number | undefined;
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.output += chunk;
    });
    child.stdout?.on('data', (chunk: string) => {
      this.output += chunk;
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        try {
          const parsed = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (parsed.msg === 'listening' && typeof parsed.port === 'number') port = parsed.port;
        } catch {
          // not a JSON line
        }
      }
    });
    let exited: number | string | null = null;
    child.once('exit', (code, signal) => {
      exited = code ?? signal ?? 'exit';
    });
    await waitFor(() => port !== undefined || exited !== null, timeoutMs, 'server listening');
    if (port === undefined) {
      throw new Error(`server exited (${String(exited)}) before listening:\n${this.output}`);
    }
    return port;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the process printed (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** Sends `signal` (default SIGKILL: no graceful shutdown) and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }
}
