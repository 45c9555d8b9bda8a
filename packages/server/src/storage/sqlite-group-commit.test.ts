import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Flusher } from '../core/flusher.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { SqliteDocStore } from '../docs/sqlite-doc-store.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { SqliteLogStore } from './sqlite-log-store.js';
import { openSqlite } from './sqlite-open.js';

describe('SqliteGroupCommit', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  let group: SqliteGroupCommit;
  let reader: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'syncline-group-'));
    path = join(dir, 'syncline.db');
    ({ db, value: group } = openSqlite(path, {}, (d) => new SqliteGroupCommit(d)));
    reader = new Database(path, { readonly: true });
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedOps = () =>
    (reader.prepare('SELECT count(*) AS n FROM doc_ops').get() as { n: number } | undefined)?.n ?? 0;
  const storedEvents = () => (reader.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const op = (version: number, opId: string) => ({
    documentId: 'd1',
    version,
    op: ['zones', 'z1', { i: { id: 'z1' } }],
    userId: 'u1',
    opId,
    ts: 1,
  });

  it('without a scheduler, every write commits by itself', async () => {
    const docs = new SqliteDocStore({ db, group });
    await docs.ensure('d1', 'u1', 1);
    expect(await docs.appendOp(op(1, 'a'))).toBe(true);
    expect(storedOps()).toBe(1);
    expect(db.inTransaction).toBe(false);
  });

  it("commits a turn's writes of several stores at once, where the flusher sends", async () => {
    const clock = new FakeClock();
    const flusher = new Flusher(clock);
    const sent: string[] = [];
    const failures: unknown[] = [];
    group.bind(
      (commit) => flusher.atTurnCommit(commit),
      (err) => failures.push(err),
    );
    const docs = new SqliteDocStore({ db, group });
    const log = new SqliteLogStore({ db, group });
    await docs.ensure('d1', 'u1', 1);
    flusher.flushNow();
    expect(group.turns).toBe(1);

    // One turn: two ops, their log entries, and a connection with something to send.
    expect(await docs.appendOp(op(1, 'a'))).toBe(true);
    log.appendSync('doc:d1', [{ type: 'zone_create', data: { n: 1 }, ts: 1 }]);
    expect(await docs.appendOp(op(2, 'b'))).toBe(true);
    // Answers at once, as without the group: the version is taken, the op id is a duplicate.
    expect(await docs.appendOp(op(2, 'c'))).toBe(false);
    await expect(docs.appendOp(op(3, 'a'))).rejects.toThrow(/duplicate|already/i);
    log.appendSync('doc:d1', [{ type: 'zone_create', data: { n: 2 }, ts: 1 }]);
    flusher.markDirty({ flush: () => sent.push(`sent with ${storedOps()} ops, ${storedEvents()} events`) });
    flusher.afterSend(() => sent.push('held answer'));
    // Nothing is visible to another connection before the turn ends...
    expect(storedOps()).toBe(0);
    expect(db.inTransaction).toBe(true);
    flusher.flushNow();
    // ...and everything is by the time anything is sent.
    expect(sent).toEqual(['sent with 2 ops, 2 events', 'held answer']);
    expect(group.turns).toBe(2);
    expect(db.inTransaction).toBe(false);
    expect(failures).toEqual([]);
  });

  it('a failed commit rolls the turn back, sends nothing of it, and stops further writes', async () => {
    const clock = new FakeClock();
    const flusher = new Flusher(clock);
    const failures: unknown[] = [];
    group.bind(
      (commit) => flusher.atTurnCommit(commit),
      (err) => failures.push(err),
    );
    const docs = new SqliteDocStore({ db, group });
    await docs.ensure('d1', 'u1', 1);
    flusher.flushNow();
    // A write whose deferred check fails at COMMIT (as a full disk or an I/O error would).
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TEMP TRIGGER fail_at_commit AFTER INSERT ON doc_ops BEGIN INSERT INTO child VALUES (42); END;`);
    const sent: string[] = [];
    expect(await docs.appendOp(op(1, 'a'))).toBe(true);
    flusher.markDirty({ flush: () => sent.push('ack') });
    flusher.afterSend(() => sent.push('held answer'));
    flusher.flushNow();

    expect(sent).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/FOREIGN KEY/);
    expect(db.inTransaction).toBe(false);
    expect(storedOps()).toBe(0);
    expect((await docs.info('d1'))?.version).toBe(0);
    // The server is stopping: later writes are refused, not committed behind the lost turn.
    await expect(docs.appendOp(op(1, 'b'))).rejects.toThrow(/storage failed/);
    expect(failures).toHaveLength(1);
  });
});
