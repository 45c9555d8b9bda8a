import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { needService, POSTGRES_URL } from '../../../../test/services.js';
import { PostgresLogStore } from '../storage/postgres-log-store.js';
import { PostgresTestSchemas } from '../storage/testing/postgres-test-schemas.js';
import { describeDocStoreContract } from './doc-store.contract.js';
import type { OpRecord } from './doc-store.js';
import { DuplicateOpError } from './memory-doc-store.js';
import { PostgresDocStore } from './postgres-doc-store.js';

const hasPostgres = await needService('postgres');
const schemas = new PostgresTestSchemas(POSTGRES_URL);
afterAll(() => schemas.dropAll());

const op = (version: number, extra: Partial<OpRecord> = {}): OpRecord => ({
  documentId: 'doc-a',
  version,
  op: { n: version, text: `op ${version} ✓` },
  userId: 'u1',
  opId: `op-${version}`,
  ts: 1_000 + version,
  ...extra,
});

describe.skipIf(!hasPostgres)('on PostgreSQL', () => {
  describeDocStoreContract(
    'PostgresDocStore (own pool)',
    () => new PostgresDocStore({ url: POSTGRES_URL, schema: schemas.newSchema(), max: 4 }),
  );
  describeDocStoreContract(
    'PostgresDocStore ({ pool })',
    () => new PostgresDocStore({ pool: schemas.pool() }),
  );

  describe('PostgresDocStore', () => {
    const closers: { close(): Promise<void> }[] = [];
    const open = (schema: string) => {
      const store = new PostgresDocStore({ url: POSTGRES_URL, schema, max: 4 });
      closers.push(store);
      return store;
    };
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c.close();
    });

    it('never leaves a document alive beside its tombstone when two nodes ensure and delete it at once', async () => {
      const schema = schemas.newSchema();
      const a = open(schema);
      const b = open(schema);
      let alive = 0;
      for (let i = 0; i < 150; i++) {
        const id = `race-${i}`;
        await Promise.allSettled([a.ensure(id, 'o', 1), b.delete(id, 2)]);
        if ((await a.info(id)) !== undefined && (await a.deleted(id)) !== undefined) alive++;
      }
      expect(alive).toBe(0);
    });

    it('lets exactly one of two nodes commit each version; the loser retries at the next one', async () => {
      const schema = schemas.newSchema();
      const a = open(schema);
      const b = open(schema);
      await Promise.all([a.ensure('doc-a', 'alice', 1), b.ensure('doc-a', 'bob', 2)]);
      // Each node commits 15 ops of its own, retrying at the next version when it loses (what the sequencer does
      // after transforming).
      const writer = async (store: PostgresDocStore, user: string) => {
        let lost = 0;
        for (let i = 0; i < 15; i++) {
          for (;;) {
            const version = ((await store.info('doc-a'))?.version ?? 0) + 1;
            if (await store.appendOp(op(version, { userId: user, opId: `${user}-${i}` }))) break;
            lost++;
          }
        }
        return lost;
      };
      await Promise.all([writer(a, 'ua'), writer(b, 'ub')]);
      const history = await a.ops('doc-a', 0);
      expect(history.map((o) => o.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(history.filter((o) => o.userId === 'ua')).toHaveLength(15);
      expect(await b.ops('doc-a', 0)).toEqual(history);
      expect((await b.info('doc-a'))?.version).toBe(30);
    });

    it('creates a document once when several nodes ensure it together', async () => {
      const schema = schemas.newSchema();
      const stores = [open(schema), open(schema), open(schema)];
      const infos = await Promise.all(stores.map((s, i) => s.ensure('doc-new', `owner-${i}`, i)));
      expect(new Set(infos.map((i) => i.ownerId)).size).toBe(1);
      expect(infos.every((i) => i.version === 0)).toBe(true);
    });

    it('keeps documents, ops, op ids and snapshots across pools (another node, a restart)', async () => {
      const schema = schemas.newSchema();
      const first = open(schema);
      await first.ensure('doc-a', 'alice', 100);
      for (let v = 1; v <= 5; v++) expect(await first.appendOp(op(v))).toBe(true);
      await first.saveSnapshot({ documentId: 'doc-a', version: 3, data: { text: 'at 3 — ☃' }, ts: 7 });
      const ops = await first.ops('doc-a', 0);
      await first.close();

      const second = open(schema);
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
    });

    it('does not let a snapshot or a user saved while the document is being deleted outlive the deletion', async () => {
      // Connections for the blocker, the delete, the two saves and the test's own looks.
      const pool = schemas.pool({ max: 8 });
      const store = new PostgresDocStore({ pool });
      await store.ensure('doc-a', 'alice', 1);
      for (let v = 1; v <= 3; v++) await store.appendOp(op(v));
      await store.saveUser('doc-a', { userId: 'u1', seenAt: 1 });
      /** The backends waiting (directly) for a lock `pid` holds. */
      const blockedBy = async (pid: number): Promise<number[]> =>
        (
          await pool.query<{ pid: number }>(
            'SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))',
            [pid],
          )
        ).rows.map((r) => r.pid);
      const until = async (done: () => Promise<boolean>) => {
        while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      // Another transaction holds the document's users, so the delete stops half-way: its row locked, its ops and
      // snapshots gone, waiting to remove the users (and then the row).
      let release = () => {};
      let blocker = 0;
      const holding = pool.transaction(async (client) => {
        blocker = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        await client.query("SELECT 1 FROM syncline_doc_users WHERE document_id = 'doc-a' FOR UPDATE");
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await until(async () => blocker !== 0);
      const deleting = store.delete('doc-a', 10);
      let deleter = 0;
      await until(async () => {
        [deleter = 0] = await blockedBy(blocker);
        return deleter !== 0;
      });
      // The saves start now: they either wait for the delete or (without the row lock) land in the middle of it.
      const settled = (p: Promise<unknown>) =>
        p.then(
          () => 'saved',
          (err: Error) => err.message,
        );
      let waiting = 0;
      const saves = [
        settled(store.saveSnapshot({ documentId: 'doc-a', version: 3, data: { text: 'secret' }, ts: 9 })),
        settled(store.saveUser('doc-a', { userId: 'u2', name: 'Eve', seenAt: 9 })),
      ].map((p) => p.finally(() => waiting++));
      await until(async () => waiting + (await blockedBy(deleter)).length >= 2);
      release();
      await holding;
      expect(await deleting).toBe(true);
      expect(await Promise.all(saves)).toEqual([
        expect.stringMatching(/unknown document/),
        expect.stringMatching(/unknown document/),
      ]);
      const left = await pool.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM syncline_doc_snapshots WHERE document_id = 'doc-a')
              + (SELECT count(*) FROM syncline_doc_users WHERE document_id = 'doc-a') AS n`,
      );
      expect(Number(left.rows[0].n)).toBe(0);
    });

    it('throws a clear error when a stored op is not valid JSON', async () => {
      const pool = schemas.pool();
      const store = new PostgresDocStore({ pool });
      await store.ensure('doc-a', 'alice', 1);
      await store.appendOp(op(1));
      await pool.query(
        "UPDATE syncline_doc_ops SET op = '{not json' WHERE document_id = 'doc-a' AND version = 1",
      );
      await expect(store.ops('doc-a', 0)).rejects.toThrow(/op 1 of document "doc-a" is not valid JSON/);
    });

    it('shares one pool with the log store, each leaving it open on close', async () => {
      const pool = schemas.pool();
      const docs = new PostgresDocStore({ pool });
      const log = new PostgresLogStore({ pool });
      await docs.ensure('doc-a', 'alice', 1);
      expect(await docs.appendOp(op(1))).toBe(true);
      expect(await log.append('doc:doc-a', [{ type: 'doc_op', data: { v: 1 }, ts: 1 }])).toEqual([
        { seq: 1, duplicate: false },
      ]);
      await docs.close();
      await log.close();
      expect(pool.isClosed).toBe(false);
      expect((await new PostgresDocStore({ pool }).info('doc-a'))?.version).toBe(1);
    });
  });
});
