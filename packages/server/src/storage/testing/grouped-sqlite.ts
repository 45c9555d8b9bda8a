import Database from 'better-sqlite3';
import { SqliteGroupCommit } from '../sqlite-group-commit.js';

/**
 * In-memory SQLite connections set up as the server sets up its file: stores share one connection whose writes
 * are committed once per event-loop turn (`SqliteGroupCommit`, committed from `setImmediate` here instead of the
 * flusher). For running the store contracts over the writes' in-transaction paths. `closeAll()` closes them
 * after the last scheduled commit.
 */
export class GroupedSqlite {
  private readonly open: Database.Database[] = [];

  connection(): { db: Database.Database; group: SqliteGroupCommit } {
    const db = new Database(':memory:');
    const group = new SqliteGroupCommit(db);
    group.bind(
      (commit) =>
        setImmediate(() => {
          if (db.open) commit();
        }),
      (err) => {
        throw err;
      },
    );
    this.open.push(db);
    return { db, group };
  }

  async closeAll(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const db of this.open.splice(0)) db.close();
  }
}
