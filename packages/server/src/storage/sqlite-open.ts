import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteOpenOptions {
  /** How long a write waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** `NORMAL` (default) is durable across process crashes in WAL mode; `FULL` also across power loss. */
  synchronous?: 'NORMAL' | 'FULL';
}

/**
 * Opens (creating its directory) a SQLite file the way every Syncline store wants it: WAL, the chosen
 * `synchronous`, a busy timeout; then runs `setup` (migrations, statements) and closes the file again
 * if that throws.
 */
export function openSqlite<T>(
  path: string,
  options: SqliteOpenOptions,
  setup: (db: Database.Database) => T,
): { db: Database.Database; value: T } {
  const { busyTimeoutMs = 5000, synchronous = 'NORMAL' } = options;
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    return { db, value: setup(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}
