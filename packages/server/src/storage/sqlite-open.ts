import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteGroupCommit } from './sqlite-group-commit.js';
import { acquireWalCheckpointer, FALLBACK_PAGES } from './wal-checkpointer.js';

export interface SqliteOpenOptions {
  /** How long a write waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `'NORMAL'` (default) in WAL mode: a commit survives a crash of the process, but the last transactions may be
   * lost if the machine loses power. `'FULL'` also survives power loss (an fsync per commit).
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Who checkpoints the write-ahead log. `'inline'` (default): SQLite, in the connection whose commit finds the
   * log past 1,000 pages (that commit then copies the log and fsyncs: a stall of the event loop every few hundred
   * commits). `'background'`: a worker thread, every 200 ms (see `WalCheckpointer`); the server uses it.
   */
  walCheckpoint?: 'inline' | 'background';
  /**
   * Page size of a new file in bytes (a power of two, 512-65536); an existing file keeps its own. Default 2048:
   * a collaborative op dirties ~5 pages (the op, its op-id index, its room-log entry, B-tree splits), each written
   * whole to the WAL at commit, so 2 KiB pages write ~13 KB per op where SQLite's default 4 KiB write ~20 KB. 1 KiB
   * pages write less (~10.5 KB) but cost ~20% more CPU (the doc and log stores on one connection, one op and its
   * log entry per commit, 10,000 ops): a log entry of more than 231 bytes (a typical `zone_edit`
   * event is ~350) does not fit in a 1 KiB page of a WITHOUT ROWID table and spills to an overflow page; with 2 KiB
   * pages entries up to 488 bytes fit.
   */
  pageSize?: number;
}

/** The server's SQLite file when its `storage` option is left unset. */
export const DEFAULT_SQLITE_PATH = './data/syncline.db';

/** The SQLite file a server's `storage` option names: the default file when unset, `null` for other storage. */
export function sqlitePathOf(storage: unknown): string | null {
  if (storage === undefined) return DEFAULT_SQLITE_PATH;
  if (typeof storage === 'object' && storage !== null && 'sqlite' in storage) {
    return (storage as { sqlite: string }).sqlite;
  }
  return null;
}

/** A store's options when it opens its own file: the file, and how to open it. */
export interface SqliteFileOptions extends SqliteOpenOptions {
  /** Database file (its directory is created if missing), or `':memory:'`. May be shared with the other stores. */
  path: string;
}

/**
 * Opens (creating its directory) a SQLite file the way every Syncline store wants it: WAL, the chosen
 * `synchronous`, a busy timeout; then runs `setup` (migrations, statements) and closes the file again
 * if that throws. `release` (call it after closing `db`) lets go of the background checkpointer, if any.
 */
export function openSqlite<T>(
  path: string,
  options: SqliteOpenOptions,
  setup: (db: Database.Database) => T,
): { db: Database.Database; value: T; release: () => Promise<void> } {
  const { busyTimeoutMs = 5000, synchronous = 'NORMAL', walCheckpoint = 'inline', pageSize = 2048 } = options;
  if (
    !Number.isInteger(pageSize) ||
    pageSize < 512 ||
    pageSize > 65536 ||
    (pageSize & (pageSize - 1)) !== 0
  ) {
    throw new RangeError('pageSize must be a power of two from 512 to 65536');
  }
  const onDisk = path !== ':memory:' && path !== '';
  if (onDisk) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    // Before anything is written (and before WAL mode): a no-op on a file that has pages already.
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    const value = setup(db);
    let release = async () => {};
    if (onDisk && walCheckpoint === 'background') {
      db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
      release = acquireWalCheckpointer(path, { busyTimeoutMs });
    }
    return { db, value, release };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A store's options when it shares a connection the caller owns (the server's stores share one). */
export interface SqliteSharedOptions {
  /**
   * An open connection owned by the caller. The store creates its tables in it but leaves its pragmas (journal
   * mode, synchronous, busy timeout) alone and does not close it: its `close()` only stops the store.
   */
  db: Database.Database;
  /** The connection's group commit, if it has one: the store's writes join the turn's transaction. */
  group?: SqliteGroupCommit;
}

/** A store's connection: its own file (`{ path }`), or one the caller shares (`{ db }`). */
export interface StoreConnection<T> {
  db: Database.Database;
  value: T;
  /** Lets go of the background checkpointer, if the store opened the file with one (call after closing). */
  release: () => Promise<void>;
  /** Whether the store closes `db` (it opened it). */
  ownsDb: boolean;
  group: SqliteGroupCommit | null;
}

/** Opens a store's own file, or takes the shared connection; `setup` (migrations, statements) runs on it. */
export function storeConnection<T>(
  options: SqliteFileOptions | SqliteSharedOptions,
  name: string,
  setup: (db: Database.Database) => T,
): StoreConnection<T> {
  if ('db' in options) {
    if (!options.db.open) throw new Error(`${name}: the given database is closed`);
    return {
      db: options.db,
      value: setup(options.db),
      release: async () => {},
      ownsDb: false,
      group: options.group ?? null,
    };
  }
  return { ...openSqlite(options.path, options, setup), ownsDb: true, group: null };
}
