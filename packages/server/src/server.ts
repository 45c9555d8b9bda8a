import { randomBytes } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, type EventData, type EventType, SYSTEM_ROOM, userRoom } from '@syncline/protocol';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { DownloadLinks } from './auth/download-links.js';
import { createJwtVerifier, DevTokenIssuer, type JwtOptions } from './auth/jwt-authenticator.js';
import type { Broker } from './broker/broker.js';
import { RedisBroker } from './broker/redis-broker.js';
import { type Clock, systemClock } from './core/clock.js';
import { SynclineError } from './core/errors.js';
import type { Extension } from './core/hooks.js';
import {
  type Authenticate,
  DEFAULT_LIMITS,
  Hub,
  type HubLimits,
  type MethodHandler,
  type RetentionConfig,
} from './core/hub.js';
import { checkedIdentity } from './core/identity.js';
import type { Logger } from './core/logger.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './core/rate-limiter.js';
import { DocumentSequencer, type SequencerOptions } from './docs/doc-sequencer.js';
import type { DocStore } from './docs/doc-store.js';
import { MemoryDocStore } from './docs/memory-doc-store.js';
import { PostgresDocStore } from './docs/postgres-doc-store.js';
import { SqliteDocStore } from './docs/sqlite-doc-store.js';
import { answerClientError } from './http/client-error.js';
import { createMetrics } from './http/metrics.js';
import { requestTimeoutFor } from './http/read-body.js';
import { handleHttp, notFound } from './http/routes.js';
import { createStaticHandler, type StaticHandler } from './http/static.js';
import { createJobService } from './jobs/create-job-service.js';
import { registerJobMetrics } from './jobs/job-metrics.js';
import type { JobService } from './jobs/job-service.js';
import type { JobsOptions } from './jobs/jobs-options.js';
import { PostgresJobStore } from './jobs/postgres-job-store.js';
import { SqliteJobStore } from './jobs/sqlite-job-store.js';
import type { LogStore } from './storage/log-store.js';
import { MemoryLogStore } from './storage/memory-log-store.js';
import { PostgresLogStore } from './storage/postgres-log-store.js';
import { PostgresPool } from './storage/postgres-pool.js';
import { SqliteGroupCommit } from './storage/sqlite-group-commit.js';
import { SqliteLogStore } from './storage/sqlite-log-store.js';
import { openSqlite, sqlitePathOf } from './storage/sqlite-open.js';
import { SystemStatusPublisher } from './system-status.js';
import { WsTransport } from './transport/ws-transport.js';

export const VERSION = '0.1.0';

const NO_AUTH_MESSAGE =
  'SynclineServer: no auth.secret or auth.jwksUrl configured. Pass one, or auth: { dev: true } for dev mode ' +
  '(a random or auth.devSecret secret, and POST /api/dev/token issuing tokens to anyone: never in production).';

/** `SynclineServer`'s `auth` option. */
export interface AuthOptions extends JwtOptions {
  /**
   * Allows dev mode when neither `secret` nor `jwksUrl` is set: tokens are signed with `devSecret` (or a random
   * secret) and `POST /api/dev/token` issues one to anyone who names themselves, so anyone can act as any `dev-*`
   * user. Without it such a server refuses to start: an app whose secret did not reach its configuration must not
   * come up open. With a secret or JWKS URL it has no effect (`dev: process.env.NODE_ENV !== 'production'` is fine).
   */
  dev?: boolean;
}

export interface SynclineServerOptions {
  /** WebSocket path. Default `/ws`. */
  path?: string;
  /**
   * `'memory'`, `{ sqlite: path }` (default `./data/syncline.db`), `{ postgres: url }` (several nodes sharing one
   * database; `schema` picks a schema other than the default search_path), or any `LogStore`.
   */
  storage?: 'memory' | { sqlite: string } | { postgres: string; schema?: string } | LogStore;
  /**
   * JWT verification: `secret` (HS256) or `jwksUrl` (your identity provider's keys). Without either the server
   * refuses to start, unless `dev: true` asks for dev mode (see `AuthOptions.dev`).
   */
  auth?: AuthOptions;
  /** Allowed `Origin` header values; undefined allows any. */
  allowedOrigins?: string[];
  /** Connections per client address; 0 = unlimited. Default 1000. */
  maxConnectionsPerIp?: number;
  /** Trust `X-Forwarded-For` for the client address. Default false. */
  trustProxy?: boolean;
  /** permessage-deflate. Off by default. */
  compression?: false | { threshold?: number; concurrencyLimit?: number };
  limits?: Partial<HubLimits>;
  /** Rate limits; `false` turns them off. Default `DEFAULT_RATE_LIMITS`. */
  rateLimits?: RateLimitOptions | false;
  retention?: Partial<RetentionConfig>;
  extensions?: Extension[];
  logger?: Logger & { child?: unknown };
  clock?: Clock;
  /** Interval of `system_status` events in ms; 0 turns them off. Default 10 s. */
  systemStatusIntervalMs?: number;
  /**
   * Collaborative documents (the `doc.*` methods). Stored next to the room log by default (the same
   * SQLite file, the same PostgreSQL database, or memory); `false` turns them off.
   */
  documents?: false | (SequencerOptions & { store?: DocStore });
  /**
   * Jobs: PDF uploads processed into zones, exports, their progress events and the `job.*` methods and
   * `/api/documents`, `/api/exports` routes. On by default when documents are; `false` turns them off.
   */
  jobs?: false | JobsOptions;
  /** Static files (a web app build such as Studio's) served at `/`, `index.html` for app routes. */
  staticDir?: string;
  /**
   * Cross-node fan-out, presence, sessions and zone locks for several nodes: `{ redis: url }` (with a shared
   * PostgreSQL `storage`), or any `Broker`. Default: a single node (in-process, no cost).
   */
  broker?: { redis: string; prefix?: string } | Broker;
  /**
   * Called once the server stopped because its storage failed under it (a SQLite commit failed: disk full, an
   * I/O error). By then nothing of the failed turn was sent and every connection was dropped; the process should
   * restart (the CLI exits with status 1). Default: the failure is logged and the server closes.
   */
  onFatal?: (err: unknown) => void;
}

/**
 * The Syncline server: the core (`Hub`) with its default adapters (ws transport, SQLite or memory log
 * store, JWT auth) and HTTP routes. It can own an HTTP server (`listen`) or join an existing one (`attach`).
 */
export class SynclineServer {
  readonly hub: Hub;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly devTokens: DevTokenIssuer | null;
  readonly path: string;
  /** The document sequencer, unless documents are turned off. */
  readonly documents: DocumentSequencer | null;
  /** The job service (uploads, processing, exports), unless jobs or documents are turned off. */
  readonly jobs: JobService | null;
  private readonly transport: WsTransport;
  private readonly systemStatus: SystemStatusPublisher;
  private httpServer: HttpServer | null = null;
  private readonly staticFiles: StaticHandler | null;
  /** Signs and checks the download URLs of exports and uploaded PDFs, when jobs are on. */
  private readonly links: DownloadLinks | null;
  /** Whether the client address is the last `X-Forwarded-For` entry (`SYNCLINE_TRUST_PROXY`), for HTTP as for upgrades. */
  private readonly trustProxy: boolean;
  /** The PostgreSQL pool the stores share, when `storage` is `{ postgres }`; ended on close. */
  private readonly postgres: PostgresPool | null;
  /** The SQLite connection the stores share, when `storage` is a SQLite file (the default); closed on close. */
  private readonly sqlite: SharedSqlite | null;
  private readonly startedAt = Date.now();
  private closed = false;
  /** Set once a group commit failed (fail-stop): nothing written since is durable. */
  private storageFailure = false;
  /** HTTP answers waiting for the current turn's commit: told at once if it fails (`durable`). */
  private readonly durableWaiters = new Set<(err: unknown) => void>();

  constructor(opts: SynclineServerOptions = {}) {
    const auth = opts.auth ?? {};
    // Before anything is opened (a pool, a file): a refused server leaves nothing behind.
    if (!auth.secret && !auth.jwksUrl && auth.dev !== true) throw new Error(NO_AUTH_MESSAGE);
    checkTimingLimits(opts.limits);
    checkOptionRanges(opts);
    this.log = opts.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
    this.path = opts.path ?? '/ws';
    this.postgres = postgresPool(opts.storage, this.log);
    this.sqlite = sharedSqlite(opts.storage);
    const store = resolveStore(opts.storage, this.postgres, this.sqlite);
    let verify: (token: string) => Promise<import('./core/identity.js').Identity>;
    if (auth.secret || auth.jwksUrl) {
      this.devTokens = null;
      verify = createJwtVerifier({ clockToleranceS: this.hubTolerance(opts), ...auth });
    } else {
      this.devTokens = new DevTokenIssuer(auth.devSecret || undefined);
      verify = createJwtVerifier({ secret: this.devTokens.secret, clockToleranceS: this.hubTolerance(opts) });
      this.log.warn(
        {},
        `DEV MODE (auth.dev): no SYNCLINE_JWT_SECRET or SYNCLINE_JWKS_URL configured; ${auth.devSecret ? 'the dev secret signs tokens' : 'a random secret was made'} and ` +
          'POST /api/dev/token issues tokens to anyone. Configure a secret before going to production.',
      );
    }
    const extensions = opts.extensions ?? [];
    const authenticate: Authenticate = async (token, info) => {
      for (const e of extensions) {
        if (!e.onAuthenticate) continue;
        const id = await e.onAuthenticate({ token, info });
        if (!id) continue;
        try {
          return checkedIdentity(id);
        } catch (err) {
          const userId = (id as { userId?: unknown }).userId;
          this.log.error(
            { userId: String(userId).slice(0, 64) },
            'onAuthenticate returned an invalid user id',
          );
          throw err;
        }
      }
      return verify(token);
    };
    this.hub = new Hub({
      store,
      authenticate,
      clock: opts.clock ?? systemClock,
      logger: this.log,
      limits: opts.limits,
      rateLimits: opts.rateLimits === undefined ? DEFAULT_RATE_LIMITS : opts.rateLimits,
      retention: opts.retention,
      extensions,
      broker: resolveBroker(opts.broker, this.log),
    });
    // One COMMIT per event-loop turn for everything the turn wrote, before anything of the turn is sent.
    this.sqlite?.group.bind(
      (commit) => this.hub.flusher.atTurnCommit(commit),
      (err) => this.storageFailed(err, opts.onFatal),
    );
    this.trustProxy = opts.trustProxy ?? false;
    this.transport = new WsTransport(this.hub, {
      path: this.path,
      maxPayload: this.hub.limits.maxPayload,
      allowedOrigins: opts.allowedOrigins,
      maxConnectionsPerIp: opts.maxConnectionsPerIp ?? 1000,
      trustProxy: this.trustProxy,
      compression: opts.compression
        ? {
            threshold: opts.compression.threshold ?? 1024,
            concurrencyLimit: opts.compression.concurrencyLimit ?? 10,
          }
        : false,
    });
    this.metrics = createMetrics(this.hub, this.sqlite?.group);
    this.staticFiles = opts.staticDir ? createStaticHandler({ root: opts.staticDir }) : null;
    if (opts.documents === false) {
      this.documents = null;
    } else {
      const { store: docStore, ...seqOpts } = opts.documents ?? {};
      this.documents = new DocumentSequencer(
        this.hub,
        docStore ?? resolveDocStore(opts.storage, this.postgres, this.sqlite),
        seqOpts,
      );
    }
    this.jobs =
      this.documents && opts.jobs !== false
        ? createJobService(
            this.hub,
            this.documents,
            opts.storage,
            jobsOnSqlite(jobsOnPostgres(opts.jobs ?? {}, this.postgres), this.sqlite),
          )
        : null;
    this.links = this.jobs ? downloadLinks(opts, this.devTokens, this.log, this.hubTolerance(opts)) : null;
    if (this.jobs) {
      registerJobMetrics(this.metrics, this.jobs);
      this.jobs.start().catch((err) => this.log.error({ err }, 'job runner failed to start'));
    }
    this.systemStatus = new SystemStatusPublisher(this.hub, opts.systemStatusIntervalMs ?? 10_000);
    this.watchMaintenance();
    this.hub.start();
    this.systemStatus.start();
  }

  private hubTolerance(opts: SynclineServerOptions): number {
    return opts.limits?.tokenToleranceS ?? DEFAULT_LIMITS.tokenToleranceS;
  }

  /** Owns an HTTP server on `port` (0 = ephemeral) serving the routes and the WebSocket endpoint. */
  async listen(port = 8000, host?: string): Promise<{ port: number; host: string }> {
    const server = createServer((req, res) => {
      if (!this.handleHttp(req, res)) notFound(req, res);
    });
    // A slow link may upload the largest file (Node's default gives any request 300 s in all).
    if (this.jobs) server.requestTimeout = requestTimeoutFor(this.jobs.maxUploadBytes);
    // A request Node cannot read (a malformed or oversized head, one too slow to arrive): its own answer has no body.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket));
    this.httpServer = server;
    this.transport.attach(server, true);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    return { port: addr.port, host: addr.address };
  }

  /** Serves the WebSocket endpoint on an existing HTTP server (Express, Fastify, Next custom servers). */
  attach(server: HttpServer): void {
    this.transport.attach(server, false);
  }

  /** Syncline's HTTP routes for a host app: returns false when the request is not one of them. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    return this.handleRoutes(req, res) || (this.staticFiles?.(req, res) ?? false);
  }

  private handleRoutes(req: IncomingMessage, res: ServerResponse): boolean {
    return handleHttp(
      {
        hub: this.hub,
        metrics: this.metrics,
        devTokens: this.devTokens,
        startedAt: this.startedAt,
        version: VERSION,
        wsPath: this.path,
        appAtRoot: this.staticFiles !== null,
        jobs: this.jobs
          ? {
              jobs: this.jobs,
              authenticate: this.hub.authenticate,
              links: this.links ?? undefined,
              trustProxy: this.trustProxy,
              log: this.log,
              durable: () => this.durable(),
              stopping: () => this.hub.isStopping,
            }
          : undefined,
      },
      req,
      res,
    );
  }

  /**
   * Resolves once the current turn's writes are committed and its frames sent. Rejects with `unavailable` if that
   * commit fails (or one failed before): the flusher then never runs its after-send callbacks, so an HTTP answer
   * waiting on them alone would hang until the client gave up.
   */
  private durable(): Promise<void> {
    if (this.storageFailure) return Promise.reject(storageUnavailable());
    return new Promise<void>((resolve, reject) => {
      this.durableWaiters.add(reject);
      this.hub.flusher.afterSend(() => {
        this.durableWaiters.delete(reject);
        resolve();
      });
    });
  }

  /**
   * Publishes an event to a room (logged events are stored first). `exceptSession` leaves out one
   * session (typically the sender of what caused the broadcast); `from` names the user it comes from.
   */
  broadcast<T extends EventType>(
    room: string,
    type: T,
    data: EventData<T>,
    opts: { exceptSession?: string; from?: string } = {},
  ): Promise<{ seq?: number }> {
    const except = opts.exceptSession ? this.hub.sessions.get(opts.exceptSession)?.subs.get(room) : undefined;
    return this.hub.publish(room, type, data, { except, from: opts.from });
  }

  /** Sends an event to one user on all of their connections (their `user:<id>` room). */
  toUser<T extends EventType>(userId: string, type: T, data: EventData<T>): Promise<{ seq?: number }> {
    return this.hub.publish(userRoom(userId), type, data);
  }

  /** Sends an event to everyone (the `system` room). */
  toAll<T extends EventType>(type: T, data: EventData<T>): Promise<{ seq?: number }> {
    return this.hub.publish(SYSTEM_ROOM, type, data);
  }

  /** Registers a request handler: clients call it with `request {method, data}`. */
  handle(method: string, handler: MethodHandler): void {
    this.hub.methods.set(method, handler);
  }

  /** Announces maintenance to every client (also what an admin's `maintenance_mode` publish does). */
  async setMaintenance(enabled: boolean, message?: string): Promise<void> {
    await this.hub.publish(
      SYSTEM_ROOM,
      'maintenance_mode',
      message === undefined ? { enabled } : { enabled, message },
    );
  }

  /** Tracks maintenance from any source (this API or an admin's publish) and tells late joiners. */
  private watchMaintenance(): void {
    this.hub.onPublished.push((room, type, data) => {
      if (type !== 'maintenance_mode' || room !== SYSTEM_ROOM) return;
      this.systemStatus.maintenance = data as { enabled: boolean; message?: string };
      this.systemStatus.publishIfChanged();
    });
    // The state survives restarts: it is the latest maintenance_mode in the system room's log.
    void this.restoreMaintenance();
    this.hub.onWelcome.push((conn) => {
      const m = this.systemStatus.maintenance;
      if (m.enabled)
        conn.send({ type: 'maintenance_mode', room: SYSTEM_ROOM, ts: this.hub.clock.now(), data: m });
    });
  }

  private async restoreMaintenance(): Promise<void> {
    try {
      const last = await this.hub.store.lastSeq(SYSTEM_ROOM);
      const { entries } = await this.hub.store.read(SYSTEM_ROOM, Math.max(0, last - 200), 200);
      const latest = entries.filter((e) => e.type === 'maintenance_mode').pop();
      if (latest) this.systemStatus.maintenance = latest.data as { enabled: boolean; message?: string };
    } catch (err) {
      this.log.error({ err }, 'could not read the maintenance state');
    }
  }

  /** Graceful shutdown: stop accepting, tell clients to reconnect later (jittered), flush, close. */
  async close(opts: { restartHintMs?: number; timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.systemStatus.shuttingDown = true;
    this.systemStatus.publish();
    this.systemStatus.stop();
    this.transport.detach();
    // Running jobs stop and go back to the queue (resumed after a restart) before the stores close.
    await this.jobs?.close().catch((err) => this.log.error({ err }, 'job service did not close cleanly'));
    const server = this.httpServer;
    const serverClosed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    await this.hub.shutdown(opts);
    this.documents?.stop();
    this.transport.close();
    server?.closeAllConnections();
    await serverClosed;
    // The sessions of the clients just told to reconnect stay present for the presence grace, on every node.
    await this.hub.broker.close({ presenceGraceMs: this.hub.limits.presenceGraceMs });
    await this.hub.store.close();
    await this.documents?.close();
    await this.postgres?.close();
    if (this.sqlite) {
      this.sqlite.group.commit();
      this.sqlite.db.close();
      await this.sqlite.release();
    }
  }

  /**
   * Fail-stop: a turn's commit failed, so the documents and room positions in memory run ahead of what is stored.
   * Every connection is dropped at once (nothing of the turn was sent) and the server closes; clients resume
   * from what was stored after a restart, re-sending their unacknowledged ops.
   */
  private storageFailed(err: unknown, onFatal?: (err: unknown) => void): void {
    this.log.error({ err }, 'FATAL: storage commit failed: stopping (nothing of the failed turn was sent)');
    this.storageFailure = true;
    this.hub.abort('storage failure');
    // HTTP answers held on the failed commit get 503 now; the close starts after they were written (the promise
    // jobs that write them run before the next turn), or closing would drop their connections unanswered.
    const waiters = [...this.durableWaiters];
    this.durableWaiters.clear();
    for (const reject of waiters) reject(storageUnavailable());
    this.hub.clock.defer(() => {
      this.close()
        .catch((closeErr) => this.log.error({ err: closeErr }, 'closing after the storage failure failed'))
        .finally(() => onFatal?.(err));
    });
  }
}

/** The longest delay a JavaScript timer takes (a longer one fires at once): clients arm timers with these. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The least each timing limit may be. The hub looks at heartbeats once a second: a heartbeat under that would have
 * clients ping in a loop, and a heartbeat timeout under it closes a connection whose ping is a moment late. A session
 * or presence grace of 0 (or less) would drop a session, or its presence, at the first blip.
 */
const TIMING_LIMIT_MIN = {
  heartbeatMs: 1000,
  heartbeatTimeoutMs: 1000,
  sessionGraceMs: 1,
  presenceGraceMs: 1,
} as const satisfies Partial<Record<keyof HubLimits, number>>;

/** Refuses a timing limit that would leave the server broken (0, negative, fractional, NaN, Infinity), by name. */
function checkTimingLimits(limits: Partial<HubLimits> | undefined): void {
  for (const [name, min] of Object.entries(TIMING_LIMIT_MIN) as [keyof typeof TIMING_LIMIT_MIN, number][]) {
    const value = limits?.[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
      throw new RangeError(`limits.${name} must be an integer from ${min} to ${MAX_TIMER_MS}, got ${value}`);
    }
  }
}

/** Refuses, by name, the other options whose nonsense values would leave the server broken rather than fail. */
function checkOptionRanges(opts: SynclineServerOptions): void {
  const check = (name: string, value: number | undefined, min: number, max: number, zero = false) => {
    if (value === undefined || (zero && value === 0)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      const range = `${zero ? '0 or ' : ''}an integer from ${min} to ${max}`;
      throw new RangeError(`${name} must be ${range}, got ${value}`);
    }
  };
  // A lease of 0 ends every lock as it is taken.
  check('documents.lockTtlMs', opts.documents ? opts.documents.lockTtlMs : undefined, 1, MAX_TIMER_MS);
  // Every client of the system room gets each status: 1 ms would send a thousand a second to all of them.
  check('systemStatusIntervalMs', opts.systemStatusIntervalMs, 1000, MAX_TIMER_MS, true);
  if (opts.compression) check('compression.threshold', opts.compression.threshold, 0, MAX_TIMER_MS);
}

const storageUnavailable = () =>
  new SynclineError(
    ErrorCode.Unavailable,
    'the storage failed and the server is stopping; try again shortly',
  );

/**
 * The signer of download URLs. Its key is derived from `jobs.downloadLinks.secret`, else the JWT secret, else the dev
 * secret: nodes sharing those serve each other's links. With only a JWKS URL and no link secret there is nothing
 * shared to derive it from, so a random one is made: links then work on the node that made them only.
 */
function downloadLinks(
  opts: SynclineServerOptions,
  devTokens: DevTokenIssuer | null,
  log: Logger,
  clockToleranceS: number,
): DownloadLinks {
  const own = opts.jobs ? opts.jobs.downloadLinks : undefined;
  const shared = own?.secret || opts.auth?.secret || devTokens?.secret;
  if (!shared && opts.broker) {
    log.warn(
      {},
      'download links: no shared secret to sign them with (only a JWKS URL is configured), so a link made on one ' +
        'node fails on the others: set SYNCLINE_DOWNLOAD_LINK_SECRET (jobs.downloadLinks.secret) on every node',
    );
  }
  return new DownloadLinks({
    secret: shared || randomBytes(32).toString('base64url'),
    ttlMs: own?.ttlMs,
    clockToleranceS,
  });
}

/** The SQLite connection the server's stores share, and its group commit. */
interface SharedSqlite {
  db: import('better-sqlite3').Database;
  group: SqliteGroupCommit;
  release: () => Promise<void>;
}

function sharedSqlite(storage: SynclineServerOptions['storage']): SharedSqlite | null {
  const path = sqlitePathOf(storage);
  if (path === null) return null;
  const {
    db,
    value: group,
    release,
  } = openSqlite(path, { walCheckpoint: 'background' }, (db) => new SqliteGroupCommit(db));
  return { db, group, release };
}

/** On SQLite, jobs live in the file the other stores share, on their connection. */
function jobsOnSqlite(jobs: JobsOptions, sqlite: SharedSqlite | null): JobsOptions {
  if (!sqlite || jobs.store) return jobs;
  return { ...jobs, store: new SqliteJobStore({ db: sqlite.db, group: sqlite.group }) };
}

/**
 * On PostgreSQL, jobs live in the shared database (a queue every node claims from), and a starting node does not
 * re-queue every running job (those may be other nodes' work): a dead node's jobs are claimed again once their
 * heartbeat is stale.
 */
function jobsOnPostgres(jobs: JobsOptions, pool: PostgresPool | null): JobsOptions {
  if (!pool) return jobs;
  return { recoverOnStart: false, ...jobs, store: jobs.store ?? new PostgresJobStore({ pool }) };
}

function postgresPool(storage: SynclineServerOptions['storage'], logger: Logger): PostgresPool | null {
  if (typeof storage !== 'object' || !('postgres' in storage)) return null;
  return new PostgresPool({ url: storage.postgres, schema: storage.schema, logger });
}

function resolveDocStore(
  storage: SynclineServerOptions['storage'],
  pool: PostgresPool | null,
  sqlite: SharedSqlite | null,
): DocStore {
  if (sqlite) return new SqliteDocStore({ db: sqlite.db, group: sqlite.group }); // also the default (unset)
  if (typeof storage === 'object' && 'postgres' in storage) {
    return new PostgresDocStore({ pool: pool as PostgresPool });
  }
  return new MemoryDocStore(); // 'memory', or a custom log store: documents in memory unless a doc store is given
}

function resolveBroker(broker: SynclineServerOptions['broker'], logger: Logger): Broker | undefined {
  if (broker === undefined) return undefined;
  if ('redis' in broker && typeof broker.redis === 'string') {
    return new RedisBroker({ url: broker.redis, prefix: broker.prefix, logger });
  }
  return broker as Broker;
}

function resolveStore(
  storage: SynclineServerOptions['storage'],
  pool: PostgresPool | null,
  sqlite: SharedSqlite | null,
): LogStore {
  if (sqlite) return new SqliteLogStore({ db: sqlite.db, group: sqlite.group }); // also the default (unset)
  if (storage === 'memory') return new MemoryLogStore();
  if (typeof storage === 'object' && 'postgres' in storage) {
    return new PostgresLogStore({ pool: pool as PostgresPool });
  }
  return storage as LogStore;
}
