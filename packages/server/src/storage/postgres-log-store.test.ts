import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { needService, POSTGRES_URL } from '../../../../test/services.js';
import { describeLogStoreContract } from './log-store.contract.js';
import type { AppendInput } from './log-store.js';
import { PostgresLogStore } from './postgres-log-store.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { PostgresPool } from './postgres-pool.js';
import { TcpProxy } from './testing/postgres-test-proxy.js';
import { PostgresTestSchemas } from './testing/postgres-test-schemas.js';

const hasPostgres = await needService('postgres');
const schemas = new PostgresTestSchemas(POSTGRES_URL);
afterAll(() => schemas.dropAll());

describe.skipIf(!hasPostgres)('on PostgreSQL', () => {
  describeLogStoreContract(
    'PostgresLogStore (own pool)',
    () => new PostgresLogStore({ url: POSTGRES_URL, schema: schemas.newSchema(), max: 4 }),
  );
  describeLogStoreContract(
    'PostgresLogStore ({ pool })',
    () => new PostgresLogStore({ pool: schemas.pool() }),
  );

  describe('PostgresLogStore', () => {
    const closers: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(value: T): T => {
      closers.push(value);
      return value;
    };
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c.close();
    });

    const ev = (n: number, extra: Partial<AppendInput> = {}): AppendInput => ({
      type: 'test.event',
      data: { n },
      ts: n,
      ...extra,
    });

    it('keeps seqs gap-free when two pools append to the same room at once', async () => {
      const schema = schemas.newSchema();
      const a = track(new PostgresLogStore({ url: POSTGRES_URL, schema, max: 4 }));
      const b = track(new PostgresLogStore({ url: POSTGRES_URL, schema, max: 4 }));
      const calls: Promise<{ seq: number; duplicate: boolean }[]>[] = [];
      for (let i = 0; i < 60; i++) {
        const store = i % 2 === 0 ? a : b;
        const batch =
          i % 5 === 0 ? [ev(i, { data: { i, part: 0 } }), ev(i, { data: { i, part: 1 } })] : [ev(i)];
        calls.push(store.append('doc:race', batch));
        // The same retried message from both nodes: exactly one of them appends it.
        if (i % 10 === 0) calls.push(store.append('doc:race', [ev(i, { dedupKey: `retry-${i}` })]));
      }
      const results = (await Promise.all(calls)).flat();
      const fresh = results.filter((r) => !r.duplicate).map((r) => r.seq);
      expect(fresh.sort((x, y) => x - y)).toEqual(Array.from({ length: fresh.length }, (_, k) => k + 1));
      const { entries, lastSeq } = await b.read('doc:race', 0, 1_000);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, k) => k + 1));
      expect(lastSeq).toBe(fresh.length);
    });

    it('works in a schema whose name has capitals (quoted in the search path too, never folded)', async () => {
      const schema = schemas.newSchema('Tenant_');
      const store = track(new PostgresLogStore({ url: POSTGRES_URL, schema }));
      expect(await store.append('doc:a', [ev(1)])).toEqual([{ seq: 1, duplicate: false }]);
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const { rows } = await client.query(
          'SELECT table_schema FROM information_schema.tables WHERE lower(table_schema) = lower($1) GROUP BY 1',
          [schema],
        );
        expect(rows).toEqual([{ table_schema: schema }]);
      } finally {
        await client.end();
      }
    });

    it('lets exactly one of two pools append a dedup key', async () => {
      const schema = schemas.newSchema();
      const a = track(new PostgresLogStore({ url: POSTGRES_URL, schema, max: 4 }));
      const b = track(new PostgresLogStore({ url: POSTGRES_URL, schema, max: 4 }));
      await a.append('doc:k', [ev(0)]);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append('doc:k', [ev(i, { dedupKey: 'u1/m1' })])),
      );
      const flat = results.flat();
      expect(flat.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(flat.map((r) => r.seq))).toEqual(new Set([2]));
      expect(await a.lastSeq('doc:k')).toBe(2);
    });

    it('keeps entries, bounds and dedup keys across pools (another node, a restart)', async () => {
      const schema = schemas.newSchema();
      const first = track(new PostgresLogStore({ url: POSTGRES_URL, schema }));
      await first.append('doc:a', [
        ev(1, { dedupKey: 'k1' }),
        ev(2, { from: 'u1', dedupKey: 'k2' }),
        ev(3, { dedupKey: 'k3' }),
      ]);
      await first.trim('doc:', { maxEvents: 2, maxAgeMs: Number.POSITIVE_INFINITY }, 0);
      const before = await first.read('doc:a', 0, 10);
      await first.close();

      const second = track(new PostgresLogStore({ url: POSTGRES_URL, schema }));
      expect(await second.read('doc:a', 0, 10)).toEqual(before);
      expect(before.firstSeq).toBe(2);
      expect(await second.append('doc:a', [ev(9, { dedupKey: 'k3' })])).toEqual([
        { seq: 3, duplicate: true },
      ]);
      expect(await second.append('doc:a', [ev(9)])).toEqual([{ seq: 4, duplicate: false }]);
    });

    it('does not trim by age the entries an append committed while the trim waited for the room', async () => {
      const pool = schemas.pool();
      const store = new PostgresLogStore({ pool });
      await store.append('doc:t', [ev(1), ev(2)]); // old by the policy below
      // Another node's append, holding the room's row lock until it commits.
      const other = new pg.Client({
        connectionString: POSTGRES_URL,
        options: `-c search_path=${pool.schema}`,
      });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(
          `SELECT * FROM syncline_log_append('doc:t', ARRAY['test.event'], ARRAY['{"n":3}'], ARRAY[1000::float8],
             ARRAY[NULL::text], ARRAY[NULL::text])`,
        );
        const trimming = store.trim('doc:', { maxEvents: Number.POSITIVE_INFINITY, maxAgeMs: 100 }, 1000);
        await waitUntilBlocked(other, pool.schema as string);
        await other.query('COMMIT');
        expect(await trimming).toBe(2);
        // Seq 3 is young (ts 1000 >= cutoff 900): a client that has seen seq 2 resumes with it, no reset.
        const after2 = await store.read('doc:t', 2, 10);
        expect(after2.firstSeq).toBe(3);
        expect(after2.entries.map((e) => e.seq)).toEqual([3]);
      } finally {
        await other.end();
      }
    });

    it('does not lock, or wait for, a room it has nothing to remove from', async () => {
      const pool = schemas.pool();
      const store = new PostgresLogStore({ pool });
      await store.append('doc:old', [ev(1), ev(2)]); // old by the policy below
      await store.append('doc:young', [ev(950)]);
      const other = new pg.Client({
        connectionString: POSTGRES_URL,
        options: `-c search_path=${pool.schema}`,
      });
      await other.connect();
      try {
        // An append to the young room in flight on another node: its row is locked until it commits.
        await other.query('BEGIN');
        await other.query(
          `SELECT * FROM syncline_log_append('doc:young', ARRAY['test.event'], ARRAY['{"n":3}'], ARRAY[1000::float8],
             ARRAY[NULL::text], ARRAY[NULL::text])`,
        );
        // The trim (the default policy's, over every room) goes on without it, and leaves it alone.
        const policy = { maxEvents: Number.POSITIVE_INFINITY, maxAgeMs: 100 };
        const trimming = store.trim('', policy, 1000);
        let timer: NodeJS.Timeout | undefined;
        const blocked = new Promise<'blocked'>((resolve) => {
          timer = setTimeout(() => resolve('blocked'), 5_000);
        });
        expect(await Promise.race([trimming, blocked])).toBe(2);
        clearTimeout(timer);
        await other.query('COMMIT');
        expect((await store.read('doc:young', 0, 10)).entries.map((e) => e.seq)).toEqual([1, 2]);
        expect((await store.read('doc:old', 0, 10)).entries).toEqual([]);
      } finally {
        await other.end();
      }
    });

    it('reads a row whose data is not valid JSON as null, reporting it', async () => {
      const pool = schemas.pool();
      const warnings: Record<string, unknown>[] = [];
      const store = track(new PostgresLogStore({ pool, logger: { warn: (obj) => warnings.push(obj) } }));
      await store.append('doc:a', [ev(1), ev(2), ev(3)]);
      await pool.query("UPDATE syncline_events SET data = '{not json' WHERE room = 'doc:a' AND seq = 2");
      const { entries } = await store.read('doc:a', 0, 10);
      expect(entries.map((e) => e.data)).toEqual([{ n: 1 }, null, { n: 3 }]);
      expect(warnings).toEqual([expect.objectContaining({ room: 'doc:a', seq: 2 })]);
    });

    it('does not end a shared pool on close', async () => {
      const pool = schemas.pool();
      const store = new PostgresLogStore({ pool });
      await store.append('doc:a', [ev(1)]);
      await store.close();
      await expect(store.read('doc:a', 0, 10)).rejects.toThrow(/closed/);
      expect(await new PostgresLogStore({ pool }).lastSeq('doc:a')).toBe(1);
    });

    it('is not ready, quickly, when the database cannot be reached', async () => {
      const port = await closedPort();
      const store = track(
        new PostgresLogStore({ url: `postgres://postgres@127.0.0.1:${port}/test`, pingTimeoutMs: 1_000 }),
      );
      expect(await store.ready()).toBe(false);
      await expect(store.append('doc:a', [ev(1)])).rejects.toThrow();
    });

    it('turns not ready while the database is unreachable and recovers by itself when it returns', async () => {
      const proxy = track(await TcpProxy.start(new URL(POSTGRES_URL)));
      const store = track(
        new PostgresLogStore({
          url: proxy.url(POSTGRES_URL),
          schema: schemas.newSchema(),
          logger: { warn: () => {} },
        }),
      );
      expect(await store.append('doc:a', [ev(1)])).toEqual([{ seq: 1, duplicate: false }]);
      expect(await store.ready()).toBe(true);

      await proxy.stop(); // every open connection cut, new ones refused
      expect(await store.ready()).toBe(false);
      await expect(store.append('doc:a', [ev(2)])).rejects.toThrow();

      await proxy.resume();
      expect(await readyWithin(store, 15_000)).toBe(true);
      expect(await store.append('doc:a', [ev(3)])).toEqual([{ seq: 2, duplicate: false }]);
    });

    it('survives its connections being terminated by the server', async () => {
      const pool = track(schemas.pool({ logger: { warn: () => {} } }));
      const store = new PostgresLogStore({ pool });
      await store.append('doc:a', [ev(1)]);
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      } finally {
        await admin.end();
      }
      // The pool drops the dead connections (an idle one reports an error; a busy one fails its query once).
      let result: unknown;
      for (let attempt = 0; attempt < 3 && result === undefined; attempt++) {
        result = await store.append('doc:a', [ev(2)]).catch(() => undefined);
      }
      expect(result).toEqual([{ seq: 2, duplicate: false }]);
      expect(await store.ready()).toBe(true);
    });
  });

  describe('PostgresPool', () => {
    it('records every migration once, even when several pools start on the same schema at once', async () => {
      const schema = schemas.newSchema();
      const pools = Array.from({ length: 4 }, () => new PostgresPool({ url: POSTGRES_URL, schema, max: 2 }));
      try {
        await Promise.all(pools.map((p) => p.migrate()));
        const { rows } = await pools[0].query<{ version: number; name: string }>(
          'SELECT version, name FROM syncline_migrations ORDER BY version',
        );
        expect(rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      } finally {
        for (const p of pools) await p.close();
      }
    });

    it('applies only the migrations a database lacks', async () => {
      const schema = schemas.newSchema();
      const older = new PostgresPool({
        url: POSTGRES_URL,
        schema,
        migrations: POSTGRES_MIGRATIONS.slice(0, 1),
      });
      try {
        await older.migrate();
      } finally {
        await older.close();
      }
      const current = new PostgresPool({ url: POSTGRES_URL, schema });
      try {
        const { rows } = await current.query<{ version: number }>(
          'SELECT version FROM syncline_migrations ORDER BY version',
        );
        expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      } finally {
        await current.close();
      }
    });

    it('refuses a database migrated by a newer version', async () => {
      const pool = schemas.pool();
      await pool.query("INSERT INTO syncline_migrations (version, name) VALUES (999, 'from the future')");
      const other = new PostgresPool({ url: POSTGRES_URL, schema: pool.schema });
      try {
        await expect(other.migrate()).rejects.toThrow(/newer/);
      } finally {
        await other.close();
      }
    });

    it('cancels a statement that runs longer than the statement timeout', async () => {
      const pool = schemas.pool({ statementTimeoutMs: 200 });
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
      expect((await pool.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    });

    it('rejects a schema name that is not a plain identifier, and a URL that is not postgres://', () => {
      expect(() => new PostgresPool({ url: POSTGRES_URL, schema: 'a; DROP TABLE x' })).toThrow(TypeError);
      expect(() => new PostgresPool({ url: '' })).toThrow(TypeError);
      expect(() => new PostgresPool({ url: 'mysql://u:hunter2@h/db' })).toThrow(
        /postgres:\/\/ URL.*u:\*\*\*@/,
      );
      expect(() => new PostgresPool({ url: 'not a url' })).toThrow(TypeError);
    });
  });
});

/** Polls `ready()` until it is true or `ms` have passed (a loaded machine may need a few pings). */
async function readyWithin(store: PostgresLogStore, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await store.ready()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until a statement of another connection waits for a lock held by `holder` (in `schema`'s tests). */
async function waitUntilBlocked(holder: pg.Client, schema: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await holder.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND pg_backend_pid() = ANY(pg_blocking_pids(pid))`,
    );
    if (rows[0].n > 0) return;
    if (Date.now() > deadline) throw new Error(`nothing waited for a lock in ${schema}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
