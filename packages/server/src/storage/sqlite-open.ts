import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
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
  const { busyTimeoutMs = 5000, synchronous = 'NORMAL', walCheckpoint = 'inline' } = options;
  const onDisk = path !== ':memory:' && path !== '';
  if (onDisk) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
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
