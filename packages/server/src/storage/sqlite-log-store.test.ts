import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { describeLogStoreContract } from './log-store.contract.js';
import { SQLITE_LOG_SCHEMA_VERSION, SqliteLogStore, type StorageLogger } from './sqlite-log-store.js';
import { GroupedSqlite } from './testing/grouped-sqlite.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-log-'));
  tempDirs.push(dir);
  return dir;
}
function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

describeLogStoreContract(
  'SqliteLogStore (file)',
  () => new SqliteLogStore({ path: join(tempDir(), 'log.db') }),
  removeTempDirs,
);
describeLogStoreContract('SqliteLogStore (:memory:)', () => new SqliteLogStore({ path: ':memory:' }));
{
  const grouped = new GroupedSqlite();
  describeLogStoreContract(
    "SqliteLogStore ({ db, group }: appends joining a turn's transaction, as in the server)",
    () => new SqliteLogStore(grouped.connection()),
    () => grouped.closeAll(),
  );
}

describe('SqliteLogStore', () => {
  const stores: SqliteLogStore[] = [];
  const open = (path: string, logger?: StorageLogger) => {
    const store = new SqliteLogStore({ path, logger });
    stores.push(store);
    return store;
  };

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    removeTempDirs();
  });

  it('creates the parent directories of the database file', async () => {
    const path = join(tempDir(), 'a', 'b', 'log.db');
    const store = open(path);
    await store.append('doc:a', [{ type: 't', data: 1, ts: 1 }]);
    expect(await store.lastSeq('doc:a')).toBe(1);
  });

  it('uses WAL and records its schema version', async () => {
    const path = join(tempDir(), 'log.db');
    await open(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_LOG_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('opens a file of schema 1 (the last seq bumped in the rooms row) and goes on from it', async () => {
    const path = join(tempDir(), 'log.db');
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE rooms (room TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, first_seq INTEGER NOT NULL);
      CREATE TABLE events (room TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT,
        ts INTEGER NOT NULL, from_user TEXT, dedup_key TEXT, PRIMARY KEY (room, seq)) WITHOUT ROWID;
      CREATE UNIQUE INDEX events_room_dedup_key ON events (room, dedup_key) WHERE dedup_key IS NOT NULL;
      INSERT INTO rooms VALUES ('doc:a', 5, 4), ('doc:gone', 7, 8);
      INSERT INTO events VALUES ('doc:a', 4, 't', '4', 1, NULL, NULL), ('doc:a', 5, 't', '5', 1, NULL, NULL);
      PRAGMA user_version = 1;`);
    v1.close();
    const store = open(path);
    expect(await store.lastSeq('doc:a')).toBe(5);
    expect(await store.lastSeq('doc:gone')).toBe(7); // every event trimmed: the row keeps the last seq
    expect(await store.append('doc:a', [{ type: 't', data: 6, ts: 2 }])).toEqual([
      { seq: 6, duplicate: false },
    ]);
    expect(await store.append('doc:gone', [{ type: 't', data: 8, ts: 2 }])).toEqual([
      { seq: 8, duplicate: false },
    ]);
    expect(await store.read('doc:a', 3, 10)).toMatchObject({ firstSeq: 4, lastSeq: 6 });
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_LOG_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema version', () => {
    const path = join(tempDir(), 'log.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_LOG_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open(path)).toThrow(/newer/);
  });

  it('keeps entries, bounds and dedup keys across close and reopen', async () => {
    const path = join(tempDir(), 'log.db');
    const first = open(path);
    await first.append('doc:a', [
      { type: 't', data: { n: 1 }, ts: 1, dedupKey: 'k1' },
      { type: 't', data: { n: 2 }, ts: 2, from: 'u1', dedupKey: 'k2' },
      { type: 't', data: { n: 3 }, ts: 3, dedupKey: 'k3' },
    ]);
    await first.append('user:1', [{ type: 't', data: 'x', ts: 4 }]);
    await first.trim('doc:', { maxEvents: 2, maxAgeMs: Number.POSITIVE_INFINITY }, 0);
    const before = await first.read('doc:a', 0, 10);
    await first.close();

    const second = open(path);
    expect(await second.read('doc:a', 0, 10)).toEqual(before);
    expect(before.firstSeq).toBe(2);
    expect(await second.lastSeq('doc:a')).toBe(3);
    expect(await second.lastSeq('user:1')).toBe(1);
    expect(await second.append('doc:a', [{ type: 't', data: {}, ts: 5, dedupKey: 'k3' }])).toEqual([
      { seq: 3, duplicate: true },
    ]);
    expect(await second.append('doc:a', [{ type: 't', data: {}, ts: 5 }])).toEqual([
      { seq: 4, duplicate: false },
    ]);
  });

  it('reads a row whose data is not valid JSON as null, reporting it, without failing the read', async () => {
    const path = join(tempDir(), 'log.db');
    const warnings: Record<string, unknown>[] = [];
    const store = open(path, { warn: (obj) => warnings.push(obj) });
    await store.append('doc:a', [
      { type: 't', data: { ok: 1 }, ts: 1 },
      { type: 't', data: { ok: 2 }, ts: 2 },
      { type: 't', data: { ok: 3 }, ts: 3 },
    ]);
    const raw = new Database(path);
    raw.prepare("UPDATE events SET data = '{not json' WHERE room = 'doc:a' AND seq = 2").run();
    raw.close();

    const { entries } = await store.read('doc:a', 0, 10);
    expect(entries.map((e) => e.data)).toEqual([{ ok: 1 }, null, { ok: 3 }]);
    expect(warnings).toEqual([expect.objectContaining({ room: 'doc:a', seq: 2 })]);
  });

  it('rejects an append after close and reports not ready', async () => {
    const store = open(join(tempDir(), 'log.db'));
    await store.close();
    expect(await store.ready()).toBe(false);
    await expect(store.append('doc:a', [{ type: 't', data: 1, ts: 1 }])).rejects.toThrow(/closed/);
  });

  it('keeps every acknowledged append when the writing process is killed (SIGKILL)', async () => {
    const path = join(tempDir(), 'log.db');
    const room = 'doc:crash';
    const acked = await appendUntilKilled(path, room, 500);
    expect(acked.length).toBeGreaterThanOrEqual(500);

    const store = open(path);
    const lastSeq = await store.lastSeq(room);
    const { entries, firstSeq } = await store.read(room, 0, 1_000_000);
    expect(firstSeq).toBe(1);
    // Gap-free, and at least everything acknowledged (the child may have committed more before it died).
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(lastSeq).toBeGreaterThanOrEqual(acked.length);
    for (const ack of acked) {
      expect(ack.duplicate).toBe(false);
      expect(entries[ack.seq - 1].data).toEqual({ n: ack.n, text: `entry ${ack.n} ✓` });
    }
    // Dedup keys survived too: re-sending an acknowledged input is a duplicate of the stored entry.
    const resent = acked.slice(-3);
    const results = await store.append(
      room,
      resent.map((a) => ({ type: 'crash.test', data: {}, ts: 0, dedupKey: `k${a.n}` })),
    );
    expect(results).toEqual(resent.map((a) => ({ seq: a.seq, duplicate: true })));
  });
});

interface Ack {
  seq: number;
  n: number;
  duplicate: boolean;
}

/** Runs the child writer until it has acknowledged at least `minAcks` inputs, then SIGKILLs it. */
function appendUntilKilled(path: string, room: string, minAcks: number): Promise<Ack[]> {
  const script = fileURLToPath(new URL('./fixtures/append-until-killed.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, path, room], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) acks.push(JSON.parse(line) as Ack);
      if (!killed && acks.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(acks);
      else reject(new Error(`writer exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}
