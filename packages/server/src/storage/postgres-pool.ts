import pg from 'pg';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './postgres-migrations.js';

/** The subset of a pino logger the pool uses. */
export interface PostgresLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database` (the `DATABASE_URL` of the environment). */
  url: string;
  /**
   * The schema every Syncline table lives in, created if missing (e.g. one per test, or one per deployment sharing
   * a database). Default: the connection's default search_path (usually `public`).
   */
  schema?: string;
  /** Connections at most. Default 10. */
  max?: number;
  /** How long getting a connection may take before the call fails. Default 5000 ms. */
  connectionTimeoutMs?: number;
  /** How long `ping` (and so `/readyz`) waits for an answer. Default 2000 ms. */
  pingTimeoutMs?: number;
  /**
   * The server cancels a statement running (or waiting for a lock) longer than this. Default 60 000 ms: every
   * store operation is one short statement, so only something stuck reaches it.
   */
  statementTimeoutMs?: number;
  /** Told when an idle connection fails (the pool replaces it). Default: `process.emitWarning`. */
  logger?: PostgresLogger;
  /** The schema to bring the database to. Default `POSTGRES_MIGRATIONS` (tests pass others). */
  migrations?: readonly PostgresMigration[];
}

/** Class id of the advisory lock taken while migrating (the object id is a hash of the schema name). */
const MIGRATION_LOCK_CLASS = 0x53594e; // "SYN"

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A `pg.Pool` shared by every PostgreSQL store of a server (room log, documents, jobs), with the schema migrated.
 *
 * Construction is synchronous (a server builds its stores in its constructor); the migrations run on first use:
 * `query` waits for them. If the database is unreachable at start, the first calls fail and a
 * later one tries again, so a node started before its database recovers by itself. Migrating holds a
 * session-level advisory lock, so nodes starting together apply each migration once.
 *
 * Connections that fail while idle (a database restart) are dropped from the pool and replaced on demand; `ping`
 * reports whether the database answers right now.
 */
export class PostgresPool {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  private readonly pingTimeoutMs: number;
  private readonly migrations: readonly PostgresMigration[];
  private migrating: Promise<void> | null = null;
  private migrated = false;
  private closed = false;

  constructor(options: PostgresPoolOptions) {
    if (typeof options?.url !== 'string' || options.url.length === 0) {
      throw new TypeError(
        'PostgresPool: url must be a non-empty string (postgres://user@host:port/database)',
      );
    }
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new TypeError(
        `PostgresPool: schema must be a plain identifier (letters, digits, underscore), got ${JSON.stringify(options.schema)}`,
      );
    }
    this.schema = options.schema;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2000;
    this.migrations = options.migrations ?? POSTGRES_MIGRATIONS;
    checkMigrations(this.migrations);
    const logger = options.logger ?? {
      warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, 'PostgresPool'),
    };
    this.pool = new pg.Pool({
      ...connectionConfig(options.url, options.schema),
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: options.statementTimeoutMs ?? 60_000,
      application_name: 'syncline',
      types: { getTypeParser },
    });
    // NOTE: without a listener, an idle connection's error (the database restarting) would crash the process. The
    // pool has already removed that connection; the next query opens a new one.
    this.pool.on('error', (err) => {
      logger.warn({ err: err.message }, 'an idle PostgreSQL connection failed; it will be replaced');
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Applies pending migrations once. After a failure (database unreachable) the next call tries again. */
  migrate(): Promise<void> {
    if (this.migrated) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('PostgresPool is closed'));
    this.migrating ??= this.runMigrations().then(
      () => {
        this.migrated = true;
        this.migrating = null;
      },
      (err: unknown) => {
        this.migrating = null;
        throw err;
      },
    );
    return this.migrating;
  }

  /** One statement on any connection, once the schema is migrated. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.checkOpen();
    await this.migrate();
    return this.pool.query<R>(text, values);
  }

  /**
   * Runs `fn` in one transaction on one connection (BEGIN … COMMIT; ROLLBACK when it throws), once the schema is
   * migrated. A connection whose ROLLBACK fails too is destroyed rather than returned to the pool mid-transaction.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    await this.migrate();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(rolledBack ? undefined : (err as Error));
      throw err;
    }
  }

  /**
   * Whether the database answers (and the schema is migrated) within the ping timeout. Never rejects and never
   * waits longer than the timeout, so `/readyz` cannot hang on an unreachable database.
   */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    const probe = (async () => {
      await this.migrate();
      await this.pool.query('SELECT 1');
      return true;
    })().catch(() => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends every connection (waiting for those in use to be released). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let a migration in flight finish (or fail) before ending its connection's pool.
    await this.migrating?.catch(() => {});
    await this.pool.end();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('PostgresPool is closed');
  }

  private async runMigrations(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // Keyed by schema, so nodes sharing a schema queue here while tests in other schemas do not wait.
      const lockArgs = [MIGRATION_LOCK_CLASS, this.schema ?? null];
      const lockKey = "$1::int, hashtext(coalesce($2::text, current_schema(), ''))";
      await client.query(`SELECT pg_advisory_lock(${lockKey})`, lockArgs);
      try {
        await applyMigrations(client, this.schema, this.migrations);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${lockKey})`, lockArgs);
      }
    } catch (err) {
      // A connection that failed while holding the session lock must not go back to the pool (closing it is also
      // what releases the lock on the server).
      broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

async function applyMigrations(
  client: pg.PoolClient,
  schema: string | undefined,
  migrations: readonly PostgresMigration[],
): Promise<void> {
  if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS syncline_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number }>(
    'SELECT version FROM syncline_migrations ORDER BY version',
  );
  const newest = rows.length === 0 ? 0 : rows[rows.length - 1].version;
  if (newest > migrations.length) {
    throw new Error(
      `PostgreSQL schema version ${newest} is newer than this server supports (${migrations.length}); ` +
        'upgrade the server or point it at another schema',
    );
  }
  const applied = new Set(rows.map((r) => r.version));
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO syncline_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw new Error(
        `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

function checkMigrations(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`PostgreSQL migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}

/**
 * The pool's connection settings. With a schema, every connection starts with `search_path` set to it (a startup
 * parameter: no extra round trip per connection). pg lets a URL's own parameters override the config object, so
 * an `options` parameter in the URL is folded into ours rather than left to replace it.
 */
function connectionConfig(url: string, schema: string | undefined): pg.PoolConfig {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !['postgres:', 'postgresql:', 'socket:'].includes(parsed.protocol)) {
    throw new TypeError(
      `PostgresPool: url must be a postgres:// URL (postgres://user@host:port/database), got ${JSON.stringify(redact(url))}`,
    );
  }
  if (schema === undefined) return { connectionString: url };
  const own = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  // Quoted, as the schema is created (`quoteIdent`): unquoted, PostgreSQL would fold `Tenant_A` to `tenant_a`.
  const searchPath = `-c search_path="${schema}"`;
  return { connectionString: parsed.toString(), options: own ? `${own} ${searchPath}` : searchPath };
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** bigint (int8) columns read as numbers: seqs and versions stay far below 2^53. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === pg.types.builtins.INT8 && format !== 'binary') return Number;
  return pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown;
}
