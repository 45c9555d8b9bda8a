import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_LOG_SCHEMA_VERSION, SqliteLogStore } from '../storage/sqlite-log-store.js';
import { GroupedSqlite } from '../storage/testing/grouped-sqlite.js';
import { describeDocStoreContract } from './doc-store.contract.js';
import type { OpRecord } from './doc-store.js';
import { DuplicateOpError } from './memory-doc-store.js';
import { SQLITE_DOC_SCHEMA_VERSION, SqliteDocStore } from './sqlite-doc-store.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-doc-'));
  tempDirs.push(dir);
  return dir;
}
function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

describeDocStoreContract(
  'SqliteDocStore (file)',
  () => new SqliteDocStore({ path: join(tempDir(), 'docs.db') }),
  removeTempDirs,
);
describeDocStoreContract('SqliteDocStore (:memory:)', () => new SqliteDocStore({ path: ':memory:' }));
{
  const owned: Database.Database[] = [];
  describeDocStoreContract(
    'SqliteDocStore ({ db })',
    () => {
      const db = new Database(':memory:');
      owned.push(db);
      return new SqliteDocStore({ db });
    },
    () => {
      for (const db of owned.splice(0)) db.close();
    },
  );
}

{
  const grouped = new GroupedSqlite();
  describeDocStoreContract(
    "SqliteDocStore ({ db, group }: writes joining a turn's transaction, as in the server)",
    () => new SqliteDocStore(grouped.connection()),
    () => grouped.closeAll(),
  );
}

const op = (version: number, extra: Partial<OpRecord> = {}): OpRecord => ({
  documentId: 'doc-a',
  version,
  op: { n: version, text: `op ${version} ✓` },
  userId: 'u1',
  opId: `op-${version}`,
  ts: 1_000 + version,
  ...extra,
});

describe('SqliteDocStore', () => {
  const closers: { close(): unknown }[] = [];
  const open = (path: string) => {
    const store = new SqliteDocStore({ path });
    closers.push(store);
    return store;
  };
  const openLog = (path: string) => {
    const store = new SqliteLogStore({ path });
    closers.push(store);
    return store;
  };

  afterEach(async () => {
    for (const closer of closers.splice(0).reverse()) await closer.close();
    removeTempDirs();
  });

  it('creates the parent directories of the database file', async () => {
    const store = open(join(tempDir(), 'a', 'b', 'docs.db'));
    expect(await store.ensure('doc-a', 'alice', 1)).toMatchObject({ version: 0 });
  });

  it('uses WAL, records its schema version in doc_schema and leaves user_version alone', async () => {
    const path = join(tempDir(), 'docs.db');
    await open(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(db.prepare('SELECT version FROM doc_schema').pluck().all()).toEqual([SQLITE_DOC_SCHEMA_VERSION]);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'doc_deleted',
        'doc_documents',
        'doc_ops',
        'doc_schema',
        'doc_snapshots',
        'doc_users',
      ]);
    } finally {
      db.close();
    }
  });

  it('opens a file of doc schema 1 (the version bumped in doc_documents) and goes on from it', async () => {
    const path = join(tempDir(), 'docs.db');
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE doc_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT INTO doc_schema VALUES (1, 1);
      CREATE TABLE doc_documents (document_id TEXT PRIMARY KEY, version INTEGER NOT NULL, owner_id TEXT,
        created_at INTEGER NOT NULL);
      CREATE TABLE doc_ops (document_id TEXT NOT NULL, version INTEGER NOT NULL, op TEXT NOT NULL,
        user_id TEXT NOT NULL, op_id TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (document_id, version))
        WITHOUT ROWID;
      CREATE UNIQUE INDEX doc_ops_user_op_id ON doc_ops (document_id, user_id, op_id);
      CREATE TABLE doc_snapshots (document_id TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
        ts INTEGER NOT NULL, PRIMARY KEY (document_id, version));
      INSERT INTO doc_documents VALUES ('doc-a', 2, 'alice', 1);
      INSERT INTO doc_ops VALUES ('doc-a', 1, '{"n":1}', 'u1', 'op-1', 1), ('doc-a', 2, '{"n":2}', 'u1', 'op-2', 2);`);
    v1.close();
    const store = open(path);
    expect(await store.info('doc-a')).toMatchObject({ version: 2, ownerId: 'alice' });
    expect(await store.appendOp(op(2))).toBe(false);
    expect(await store.appendOp(op(3))).toBe(true);
    expect((await store.ops('doc-a', 0)).map((r) => r.version)).toEqual([1, 2, 3]);
    expect((await store.ensure('doc-a', 'bob', 5)).version).toBe(3);
    // The tables of later versions are there too.
    await store.saveUser('doc-a', { userId: 'u1', name: 'Una', seenAt: 6 });
    expect(await store.users('doc-a', ['u1'])).toEqual([{ userId: 'u1', name: 'Una', seenAt: 6 }]);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM doc_schema').pluck().get()).toBe(SQLITE_DOC_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer doc schema version', () => {
    const path = join(tempDir(), 'docs.db');
    const db = new Database(path);
    db.exec('CREATE TABLE doc_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    db.prepare('INSERT INTO doc_schema (id, version) VALUES (1, ?)').run(SQLITE_DOC_SCHEMA_VERSION + 1);
    db.close();
    expect(() => open(path)).toThrow(/newer/);
  });

  it('keeps documents, ops, op ids and snapshots across close and reopen', async () => {
    const path = join(tempDir(), 'docs.db');
    const first = open(path);
    await first.ensure('doc-a', 'alice', 100);
    for (let v = 1; v <= 5; v++) expect(await first.appendOp(op(v))).toBe(true);
    await first.saveSnapshot({ documentId: 'doc-a', version: 3, data: { text: 'at 3 — ☃' }, ts: 7 });
    const ops = await first.ops('doc-a', 0);
    await first.close();

    const second = open(path);
    expect(await second.info('doc-a')).toEqual({
      documentId: 'doc-a',
      version: 5,
      ownerId: 'alice',
      createdAt: 100,
    });
    expect(await second.ops('doc-a', 0)).toEqual(ops);
    expect(await second.findOp('doc-a', 'u1', 'op-4')).toEqual(op(4));
    expect(await second.snapshot('doc-a')).toEqual({
      documentId: 'doc-a',
      version: 3,
      data: { text: 'at 3 — ☃' },
      ts: 7,
    });
    expect(await second.appendOp(op(5, { opId: 'again' }))).toBe(false);
    await expect(second.appendOp(op(6, { opId: 'op-2' }))).rejects.toBeInstanceOf(DuplicateOpError);
    expect(await second.appendOp(op(6))).toBe(true);
    expect((await second.ensure('doc-a', 'bob', 200)).ownerId).toBe('alice');
  });

  it('lets exactly one of two connections to the same file commit a version', async () => {
    const path = join(tempDir(), 'docs.db');
    const a = open(path);
    const b = open(path);
    await a.ensure('doc-a', 'alice', 1);
    expect(await b.info('doc-a')).toMatchObject({ version: 0 });
    for (let v = 1; v <= 20; v++) {
      const [ra, rb] = await Promise.all([
        a.appendOp(op(v, { userId: 'ua' })),
        b.appendOp(op(v, { userId: 'ub' })),
      ]);
      expect([ra, rb].filter((r) => r)).toHaveLength(1);
    }
    expect(await a.ops('doc-a', 0)).toEqual(await b.ops('doc-a', 0));
    expect((await b.info('doc-a'))?.version).toBe(20);
  });

  it('throws a clear error when a stored op is not valid JSON', async () => {
    const path = join(tempDir(), 'docs.db');
    const store = open(path);
    await store.ensure('doc-a', 'alice', 1);
    await store.appendOp(op(1));
    const raw = new Database(path);
    raw.prepare("UPDATE doc_ops SET op = '{not json' WHERE document_id = 'doc-a' AND version = 1").run();
    raw.close();
    await expect(store.ops('doc-a', 0)).rejects.toThrow(/op 1 of document "doc-a" is not valid JSON/);
  });

  it('counts every stored op in the version: an op another writer stored takes its version', async () => {
    const path = join(tempDir(), 'docs.db');
    const store = open(path);
    await store.ensure('doc-a', 'alice', 1);
    await store.appendOp(op(1));
    // Another process sharing the file committed version 2 (straight into the table here).
    const raw = new Database(path);
    raw
      .prepare(
        "INSERT INTO doc_ops (document_id, version, op, user_id, op_id, ts) VALUES ('doc-a', 2, '[]', 'x', 'stray', 1)",
      )
      .run();
    raw.close();
    expect(await store.appendOp(op(2))).toBe(false);
    expect((await store.info('doc-a'))?.version).toBe(2);
    expect(await store.appendOp(op(3))).toBe(true);
    expect((await store.ensure('doc-a', 'alice', 1)).version).toBe(3);
  });

  it('does not close a caller-owned database', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteDocStore({ db });
      await store.ensure('doc-a', 'alice', 1);
      await store.close();
      expect(db.open).toBe(true);
      await expect(store.info('doc-a')).rejects.toThrow(/closed/);
      expect(db.prepare('SELECT version FROM doc_documents').pluck().get()).toBe(0);
      // A new store on the same connection sees the data.
      expect(await new SqliteDocStore({ db }).info('doc-a')).toMatchObject({ ownerId: 'alice' });
    } finally {
      db.close();
    }
  });

  it('rejects calls once a caller-owned database is closed', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore({ db });
    db.close();
    await expect(store.info('doc-a')).rejects.toThrow(/closed/);
    await store.close();
  });

  describe('sharing a database file with SqliteLogStore', () => {
    const useBoth = async (path: string, round: number) => {
      const docs = open(path);
      const log = openLog(path);
      await docs.ensure('doc-a', 'alice', 1);
      expect(await docs.appendOp(op(round))).toBe(true);
      expect(await log.append('doc:a', [{ type: 't', data: { round }, ts: round }])).toEqual([
        { seq: round, duplicate: false },
      ]);
      return { docs, log };
    };

    it('works with the doc store opened first, then the log store, and after reopening both', async () => {
      const path = join(tempDir(), 'syncline.db');
      const first = await useBoth(path, 1);
      await first.docs.close();
      await first.log.close();
      const second = await useBoth(path, 2);
      expect((await second.docs.ops('doc-a', 0)).map((o) => o.version)).toEqual([1, 2]);
      expect((await second.log.read('doc:a', 0, 10)).entries.map((e) => e.data)).toEqual([
        { round: 1 },
        { round: 2 },
      ]);
    });

    it('works with the log store opened first, and keeps each schema version separate', async () => {
      const path = join(tempDir(), 'syncline.db');
      const log = openLog(path);
      await log.append('doc:a', [{ type: 't', data: 1, ts: 1 }]);
      const docs = open(path);
      await docs.ensure('doc-a', 'alice', 1);
      expect(await docs.appendOp(op(1))).toBe(true);
      expect(await log.append('doc:a', [{ type: 't', data: 2, ts: 2 }])).toEqual([
        { seq: 2, duplicate: false },
      ]);
      await docs.close();
      await log.close();

      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_LOG_SCHEMA_VERSION);
        expect(db.prepare('SELECT version FROM doc_schema').pluck().get()).toBe(SQLITE_DOC_SCHEMA_VERSION);
      } finally {
        db.close();
      }
      const reopenedDocs = open(path);
      const reopenedLog = openLog(path);
      expect(await reopenedLog.lastSeq('doc:a')).toBe(2);
      expect((await reopenedDocs.info('doc-a'))?.version).toBe(1);
    });

    it('can share one caller-owned connection with a log store file', async () => {
      const path = join(tempDir(), 'syncline.db');
      const log = openLog(path);
      const db = new Database(path);
      try {
        const docs = new SqliteDocStore({ db });
        await docs.ensure('doc-a', 'alice', 1);
        expect(await docs.appendOp(op(1))).toBe(true);
        await log.append('doc:a', [{ type: 't', data: 1, ts: 1 }]);
        await docs.close();
      } finally {
        db.close();
      }
      expect(await log.lastSeq('doc:a')).toBe(1);
      expect((await open(path).info('doc-a'))?.version).toBe(1);
    });
  });
});
