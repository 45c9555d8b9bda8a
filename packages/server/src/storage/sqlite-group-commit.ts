import type Database from 'better-sqlite3';

/**
 * Group commit for the stores sharing one SQLite connection: the first write of an event-loop turn opens a
 * transaction, every later write of the turn joins it (the stores' own transactions become savepoints inside
 * it), and the turn ends with one COMMIT, scheduled where the server sends: after the turn's appends, before
 * anything queued in the turn goes out. A client therefore never sees an ack or an event that is not durable,
 * and a turn that commits 20 ops and their log entries writes the changed pages to the WAL once, not 40 times.
 *
 * A write still runs at once and answers at once (a version check, a duplicate), so the stores' callers see no
 * difference; only the COMMIT waits for the end of the turn. If the COMMIT fails (disk full, an I/O error) the
 * transaction is rolled back, nothing of the turn is sent, and `onFailure` is told: what the server holds in
 * memory then runs ahead of what is stored, so the server stops (fail-stop) and its clients resume elsewhere or
 * after a restart, re-sending what was never acknowledged.
 *
 * Until `bind` is called (a store used on its own), `join` does nothing and every write commits by itself.
 */
export class SqliteGroupCommit {
  private schedule: ((commit: () => boolean) => void) | null = null;
  private onFailure: (err: unknown) => void = () => {};
  private open = false;
  private failed: unknown = null;
  private readonly begin: Database.Statement;
  private readonly end: Database.Statement;
  private readonly rollback: Database.Statement;
  /** Turns committed, and the writes they carried (for metrics and tests). */
  turns = 0;
  writes = 0;

  constructor(readonly db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.end = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  /**
   * Starts grouping: `schedule` runs the turn's commit once at the end of the turn, before anything of the turn
   * is sent, and sends nothing if it returns false. `onFailure` hears of a failed commit (once).
   */
  bind(schedule: (commit: () => boolean) => void, onFailure: (err: unknown) => void): void {
    this.schedule = schedule;
    this.onFailure = onFailure;
  }

  /** Called by a store before it writes: opens the turn's transaction when none is open. */
  join(): void {
    if (this.failed !== null) throw new Error(`storage failed: ${String(this.failed)}`);
    this.writes++;
    if (this.open || this.schedule === null || this.db.inTransaction) return;
    this.begin.run();
    this.open = true;
    this.schedule(() => this.commit());
  }

  /** Commits the turn's transaction (if one is open). False when that failed: nothing of the turn may be sent. */
  commit(): boolean {
    if (!this.open) return this.failed === null;
    this.open = false;
    try {
      this.end.run();
      this.turns++;
      return true;
    } catch (err) {
      this.failed = err;
      try {
        if (this.db.inTransaction) this.rollback.run();
      } catch {
        // the connection is unusable: nothing more to undo here
      }
      this.onFailure(err);
      return false;
    }
  }
}
