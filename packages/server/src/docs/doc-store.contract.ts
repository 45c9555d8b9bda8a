/**
 * The behaviour every `DocStore` must have, as a vitest suite. Each adapter's test calls
 * `describeDocStoreContract` with a factory; nothing here may depend on one implementation.
 *
 * Beyond the interface's doc comments, the contract pins down:
 * - `appendOp` to a document never `ensure`d rejects; a version that is not the document's version + 1 (a gap or
 *   a taken version) resolves `false` and changes nothing; the version check comes before the duplicate check.
 * - `appendOp` of an op whose (documentId, userId, opId) is already committed rejects with an Error named
 *   `DuplicateOpError` (callers look the op up with `findOp` first; this is the backstop).
 * - `saveSnapshot` of an unknown document or of a version above the document's version rejects; saving a
 *   snapshot again at the same version replaces it.
 * - `delete` leaves other documents alone; a deleted id cannot be `ensure`d again (a `DeletedDocumentError`).
 * - ops and snapshot data are stored as JSON: they read back as `JSON.parse(JSON.stringify(value))`, as copies.
 *
 * @example
 * describeDocStoreContract('MemoryDocStore', () => new MemoryDocStore());
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocStore, OpRecord } from './doc-store.js';

export function describeDocStoreContract(
  name: string,
  makeStore: () => Promise<DocStore> | DocStore,
  /** Runs after each test, once the store is closed (e.g. to delete its files). */
  cleanup?: (store: DocStore) => Promise<void> | void,
): void {
  describe(`${name} (DocStore contract)`, () => {
    let store: DocStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    const op = (version: number, extra: Partial<OpRecord> = {}): OpRecord => ({
      documentId: 'doc-a',
      version,
      op: { insert: `text ${version}`, at: version },
      userId: 'u1',
      opId: `op-${version}`,
      ts: 1_000 + version,
      ...extra,
    });
    /** Ensures `doc-a` and commits versions 1..n. */
    const commit = async (n: number, documentId = 'doc-a') => {
      await store.ensure(documentId, 'owner', 1);
      for (let v = 1; v <= n; v++) expect(await store.appendOp(op(v, { documentId }))).toBe(true);
    };
    const versionsOf = async (documentId: string, from: number, to?: number) =>
      (await store.ops(documentId, from, to)).map((o) => o.version);

    describe('documents (ensure, info)', () => {
      it('reads an unknown document as undefined', async () => {
        expect(await store.info('doc-none')).toBeUndefined();
      });

      it('creates a document at version 0 with its owner and creation time', async () => {
        const created = await store.ensure('doc-a', 'alice', 1_700_000_000_123);
        expect(created).toEqual({
          documentId: 'doc-a',
          version: 0,
          ownerId: 'alice',
          createdAt: 1_700_000_000_123,
        });
        expect(await store.info('doc-a')).toEqual(created);
      });

      it('creates once: ensuring again keeps the first owner and creation time and returns the current info', async () => {
        await store.ensure('doc-a', 'alice', 100);
        expect(await store.appendOp(op(1))).toBe(true);
        const again = await store.ensure('doc-a', 'bob', 200);
        expect(again).toEqual({ documentId: 'doc-a', version: 1, ownerId: 'alice', createdAt: 100 });
        expect(await store.info('doc-a')).toEqual(again);
      });

      it('keeps documents independent', async () => {
        await store.ensure('doc-a', 'alice', 1);
        await store.ensure('doc-b', 'bob', 2);
        expect(await store.appendOp(op(1))).toBe(true);
        expect(await store.appendOp(op(2))).toBe(true);
        expect(await store.appendOp(op(1, { documentId: 'doc-b' }))).toBe(true);
        expect((await store.info('doc-a'))?.version).toBe(2);
        expect(await store.info('doc-b')).toEqual({
          documentId: 'doc-b',
          version: 1,
          ownerId: 'bob',
          createdAt: 2,
        });
      });

      it('treats document ids as opaque strings (unicode, separators, LIKE wildcards)', async () => {
        const ids = ['doc:ünï/çødé 📄', 'a%b_c', 'a:b:c', "it's"];
        for (const id of ids) await commit(2, id);
        for (const id of ids) {
          expect((await store.info(id))?.version).toBe(2);
          expect((await store.ops(id, 0)).map((o) => o.documentId)).toEqual([id, id]);
        }
      });

      it('rejects an empty document id', async () => {
        await expect(store.ensure('', 'alice', 1)).rejects.toThrow(TypeError);
        await expect(store.info('')).rejects.toThrow(TypeError);
      });
    });

    describe('appendOp', () => {
      it('commits versions 1..n in order and moves the document version', async () => {
        await store.ensure('doc-a', 'alice', 1);
        for (let v = 1; v <= 5; v++) {
          expect(await store.appendOp(op(v))).toBe(true);
          expect((await store.info('doc-a'))?.version).toBe(v);
        }
        expect(await versionsOf('doc-a', 0)).toEqual([1, 2, 3, 4, 5]);
      });

      it('returns false for a gap and changes nothing', async () => {
        await commit(2);
        expect(await store.appendOp(op(4))).toBe(false);
        expect(await store.appendOp(op(99))).toBe(false);
        expect((await store.info('doc-a'))?.version).toBe(2);
        expect(await versionsOf('doc-a', 0)).toEqual([1, 2]);
        expect(await store.findOp('doc-a', 'u1', 'op-4')).toBeUndefined();
        expect(await store.appendOp(op(3))).toBe(true);
      });

      it('returns false for a taken version and keeps the op that won', async () => {
        await commit(3);
        const loser = op(2, { userId: 'u2', opId: 'late', op: { loser: true } });
        expect(await store.appendOp(loser)).toBe(false);
        expect(await store.appendOp(op(3, { opId: 'other' }))).toBe(false);
        expect((await store.info('doc-a'))?.version).toBe(3);
        expect(await store.ops('doc-a', 1, 2)).toEqual([op(2)]);
        expect(await store.findOp('doc-a', 'u2', 'late')).toBeUndefined();
      });

      it('rejects an op for a document that was never ensured', async () => {
        await expect(store.appendOp(op(1, { documentId: 'doc-none' }))).rejects.toThrow(/ensure/);
        expect(await store.info('doc-none')).toBeUndefined();
      });

      it('rejects an invalid version (not an integer >= 1)', async () => {
        await store.ensure('doc-a', 'alice', 1);
        for (const version of [0, -1, 1.5, Number.NaN]) {
          await expect(store.appendOp(op(version))).rejects.toThrow(TypeError);
        }
        expect((await store.info('doc-a'))?.version).toBe(0);
      });

      it('rejects an op JSON cannot represent, committing nothing', async () => {
        await store.ensure('doc-a', 'alice', 1);
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(store.appendOp(op(1, { op: circular }))).rejects.toThrow(/JSON/);
        await expect(store.appendOp(op(1, { op: { n: 10n } }))).rejects.toThrow(/JSON/);
        await expect(store.appendOp(op(1, { op: undefined }))).rejects.toThrow(/JSON/);
        expect((await store.info('doc-a'))?.version).toBe(0);
        expect(await store.appendOp(op(1))).toBe(true);
      });

      it('refuses to commit the same (document, user, opId) twice, with a DuplicateOpError', async () => {
        await commit(2);
        await expect(store.appendOp(op(3, { opId: 'op-1' }))).rejects.toMatchObject({
          name: 'DuplicateOpError',
          message: expect.stringMatching(/already committed/),
        });
        expect((await store.info('doc-a'))?.version).toBe(2);
        expect(await store.ops('doc-a', 0)).toEqual([op(1), op(2)]);
        // The version check comes first: a duplicate at a taken version is just a lost race.
        expect(await store.appendOp(op(2, { opId: 'op-1' }))).toBe(false);
      });

      it('scopes op ids to a user and a document', async () => {
        await commit(1);
        await store.ensure('doc-b', 'alice', 1);
        expect(await store.appendOp(op(2, { userId: 'u2', opId: 'op-1' }))).toBe(true);
        expect(await store.appendOp(op(1, { documentId: 'doc-b', opId: 'op-1' }))).toBe(true);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of concurrent appendOps for the same version win', async () => {
        await commit(1);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.appendOp(op(2, { userId: `u${i}`, opId: `race-${i}` }))),
        );
        expect(results.filter((r) => r)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await store.info('doc-a'))?.version).toBe(2);
        expect(await store.ops('doc-a', 1)).toEqual([
          op(2, { userId: `u${winner}`, opId: `race-${winner}` }),
        ]);
      });

      it('commits concurrent appendOps for consecutive versions when they are called in order', async () => {
        await store.ensure('doc-a', 'alice', 1);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendOp(op(i + 1))));
        expect(results.every((r) => r)).toBe(true);
        expect(await versionsOf('doc-a', 0)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });

      it('keeps concurrent appendOps to different documents independent', async () => {
        for (let d = 0; d < 3; d++) await store.ensure(`doc-${d}`, 'alice', 1);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store.appendOp(op(Math.floor(i / 3) + 1, { documentId: `doc-${i % 3}` })),
          ),
        );
        expect(results.every((r) => r)).toBe(true);
        for (let d = 0; d < 3; d++) expect((await store.info(`doc-${d}`))?.version).toBe(10);
      });
    });

    describe('ops', () => {
      it('reads ops with from < version <= to, in version order, as full records', async () => {
        await commit(10);
        expect(await versionsOf('doc-a', 3, 7)).toEqual([4, 5, 6, 7]);
        expect(await versionsOf('doc-a', 7)).toEqual([8, 9, 10]);
        expect(await store.ops('doc-a', 0, 2)).toEqual([op(1), op(2)]);
        expect(await store.ops('doc-a', 8, 9)).toEqual([
          {
            documentId: 'doc-a',
            version: 9,
            op: { insert: 'text 9', at: 9 },
            userId: 'u1',
            opId: 'op-9',
            ts: 1_009,
          },
        ]);
      });

      it('reads nothing for an empty or inverted range, past the end, or for an unknown document', async () => {
        await commit(3);
        expect(await store.ops('doc-a', 3)).toEqual([]);
        expect(await store.ops('doc-a', 99)).toEqual([]);
        expect(await store.ops('doc-a', 2, 2)).toEqual([]);
        expect(await store.ops('doc-a', 3, 1)).toEqual([]);
        expect(await store.ops('doc-none', 0)).toEqual([]);
      });

      it('clamps bounds outside the history', async () => {
        await commit(3);
        expect(await versionsOf('doc-a', -5)).toEqual([1, 2, 3]);
        expect(await versionsOf('doc-a', 1, 100)).toEqual([2, 3]);
        expect(await versionsOf('doc-a', 0, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3]);
      });

      it('rejects NaN bounds', async () => {
        await commit(1);
        await expect(store.ops('doc-a', Number.NaN)).rejects.toThrow(TypeError);
        await expect(store.ops('doc-a', 0, Number.NaN)).rejects.toThrow(TypeError);
      });
    });

    describe('findOp', () => {
      it('finds a committed op by (document, user, opId)', async () => {
        await commit(3);
        expect(await store.appendOp(op(4, { userId: 'u2', opId: 'op-2' }))).toBe(true);
        expect(await store.findOp('doc-a', 'u1', 'op-2')).toEqual(op(2));
        expect(await store.findOp('doc-a', 'u2', 'op-2')).toEqual(op(4, { userId: 'u2', opId: 'op-2' }));
      });

      it('finds nothing for another user, another document, an unknown op or an unknown document', async () => {
        await commit(2);
        await store.ensure('doc-b', 'alice', 1);
        expect(await store.findOp('doc-a', 'u9', 'op-1')).toBeUndefined();
        expect(await store.findOp('doc-b', 'u1', 'op-1')).toBeUndefined();
        expect(await store.findOp('doc-a', 'u1', 'op-99')).toBeUndefined();
        expect(await store.findOp('doc-none', 'u1', 'op-1')).toBeUndefined();
      });
    });

    describe('users (saveUser, users)', () => {
      const byId = (list: { userId: string }[]) => [...list].sort((a, b) => a.userId.localeCompare(b.userId));

      it('remembers the users of a document and reads back those asked for', async () => {
        await store.ensure('doc-a', 'alice', 1);
        await store.saveUser('doc-a', {
          userId: 'alice',
          name: 'Alice',
          avatar: 'https://a/1.png',
          seenAt: 10,
        });
        await store.saveUser('doc-a', { userId: 'bob', name: 'Bob', seenAt: 11 });
        await store.saveUser('doc-a', { userId: 'server', seenAt: 12 });
        expect(byId(await store.users('doc-a', ['alice', 'bob', 'server', 'nobody']))).toEqual([
          { userId: 'alice', name: 'Alice', avatar: 'https://a/1.png', seenAt: 10 },
          { userId: 'bob', name: 'Bob', seenAt: 11 },
          { userId: 'server', seenAt: 12 },
        ]);
        expect(await store.users('doc-a', ['bob', 'bob'])).toEqual([
          { userId: 'bob', name: 'Bob', seenAt: 11 },
        ]);
        expect(await store.users('doc-a', [])).toEqual([]);
      });

      it('replaces what it knew of a user, including a name or avatar they no longer have', async () => {
        await store.ensure('doc-a', 'alice', 1);
        await store.saveUser('doc-a', { userId: 'alice', name: 'Alice', avatar: 'x', seenAt: 10 });
        await store.saveUser('doc-a', { userId: 'alice', name: 'Alice Liddell', seenAt: 20 });
        expect(await store.users('doc-a', ['alice'])).toEqual([
          { userId: 'alice', name: 'Alice Liddell', seenAt: 20 },
        ]);
      });

      it('keeps documents apart and knows no one of an unknown document', async () => {
        await store.ensure('doc-a', 'alice', 1);
        await store.ensure('doc-b', 'alice', 1);
        await store.saveUser('doc-a', { userId: 'alice', name: 'Alice', seenAt: 10 });
        await store.saveUser('doc-b', { userId: 'alice', name: 'Al', seenAt: 11 });
        expect(await store.users('doc-a', ['alice'])).toEqual([
          { userId: 'alice', name: 'Alice', seenAt: 10 },
        ]);
        expect(await store.users('doc-b', ['alice'])).toEqual([{ userId: 'alice', name: 'Al', seenAt: 11 }]);
        expect(await store.users('doc-none', ['alice'])).toEqual([]);
      });

      it('treats user ids and names as opaque strings', async () => {
        await store.ensure('doc-a', 'alice', 1);
        const ids = ['ünï 🎉', 'a|b', '%_', "o'brien", 'x,y', '["z"]'];
        for (const [i, userId] of ids.entries())
          await store.saveUser('doc-a', { userId, name: `${userId}!`, seenAt: i });
        expect(byId(await store.users('doc-a', ids))).toEqual(
          byId(ids.map((userId, i) => ({ userId, name: `${userId}!`, seenAt: i }))),
        );
      });

      it('rejects a user of a document that was never ensured, and a malformed user', async () => {
        await expect(store.saveUser('doc-none', { userId: 'alice', seenAt: 1 })).rejects.toThrow(
          /unknown document/,
        );
        await store.ensure('doc-a', 'alice', 1);
        await expect(store.saveUser('doc-a', { userId: 7 as unknown as string, seenAt: 1 })).rejects.toThrow(
          TypeError,
        );
        await expect(store.saveUser('doc-a', { userId: 'a', seenAt: Number.NaN })).rejects.toThrow(TypeError);
        await expect(store.users('doc-a', [3 as unknown as string])).rejects.toThrow(TypeError);
        expect(await store.users('doc-a', ['a'])).toEqual([]);
      });
    });

    describe('snapshots', () => {
      const snap = (version: number, data: unknown = { text: `at ${version}` }) => ({
        documentId: 'doc-a',
        version,
        data,
        ts: 5_000 + version,
      });

      it('has no snapshot for a new or unknown document', async () => {
        await store.ensure('doc-a', 'alice', 1);
        expect(await store.snapshot('doc-a')).toBeUndefined();
        expect(await store.snapshot('doc-none')).toBeUndefined();
      });

      it('returns the latest snapshot, or the latest at or below a version', async () => {
        await commit(10);
        for (const v of [0, 3, 5, 8]) await store.saveSnapshot(snap(v));
        expect(await store.snapshot('doc-a')).toEqual(snap(8));
        expect(await store.snapshot('doc-a', 10)).toEqual(snap(8));
        expect(await store.snapshot('doc-a', 8)).toEqual(snap(8));
        expect(await store.snapshot('doc-a', 7)).toEqual(snap(5));
        expect(await store.snapshot('doc-a', 4)).toEqual(snap(3));
        expect(await store.snapshot('doc-a', 2)).toEqual(snap(0));
        expect(await store.snapshot('doc-a', 0)).toEqual(snap(0));
        expect(await store.snapshot('doc-a', -1)).toBeUndefined();
      });

      it('accepts snapshots saved out of order', async () => {
        await commit(6);
        for (const v of [4, 2, 6]) await store.saveSnapshot(snap(v));
        expect(await store.snapshot('doc-a')).toEqual(snap(6));
        expect(await store.snapshot('doc-a', 5)).toEqual(snap(4));
        expect(await store.snapshot('doc-a', 3)).toEqual(snap(2));
      });

      it('replaces a snapshot saved again at the same version', async () => {
        await commit(2);
        await store.saveSnapshot(snap(2, { first: true }));
        await store.saveSnapshot({ ...snap(2, { second: true }), ts: 9_999 });
        expect(await store.snapshot('doc-a')).toEqual({ ...snap(2, { second: true }), ts: 9_999 });
      });

      it('keeps snapshots per document', async () => {
        await commit(2);
        await commit(2, 'doc-b');
        await store.saveSnapshot(snap(2, 'a'));
        await store.saveSnapshot({ documentId: 'doc-b', version: 1, data: 'b', ts: 1 });
        expect((await store.snapshot('doc-a'))?.data).toBe('a');
        expect(await store.snapshot('doc-b')).toEqual({ documentId: 'doc-b', version: 1, data: 'b', ts: 1 });
      });

      it('rejects a snapshot of an unknown document or ahead of the document version', async () => {
        await expect(store.saveSnapshot({ ...snap(0), documentId: 'doc-none' })).rejects.toThrow(/ensure/);
        await commit(2);
        await expect(store.saveSnapshot(snap(3))).rejects.toThrow(/ahead/);
        await expect(store.saveSnapshot(snap(-1))).rejects.toThrow(TypeError);
        await expect(store.saveSnapshot({ ...snap(1), data: undefined })).rejects.toThrow(/JSON/);
        expect(await store.snapshot('doc-a')).toBeUndefined();
      });
    });

    describe('data', () => {
      const values: unknown[] = [
        {
          zones: [{ id: 'z1', bbox: [0.5, 1.25, 300, 400.75], label: null, ok: true, tags: [] }],
          v: { a: { b: { c: [[1, [2, [3]]]] } } },
        },
        { text: 'héllo wörld — ☃ 你好 مرحبا 🚀👩‍👩‍👧 \u00e9 vs e\u0301', quote: '"\'\\\n\t' },
        { 'kéy 🔑': 'value', '': 'empty key' },
        [0, 1, -1, 0.1, -2.5e-7, 1e300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 123456789.123],
        'just a string',
        42,
        true,
        null,
        [],
        {},
      ];

      it('round-trips ops: nested JSON, unicode, numbers, null and scalars', async () => {
        await store.ensure('doc-a', 'alice', 1);
        for (let i = 0; i < values.length; i++) {
          expect(await store.appendOp(op(i + 1, { op: values[i] }))).toBe(true);
        }
        expect((await store.ops('doc-a', 0)).map((o) => o.op)).toEqual(values);
        expect((await store.findOp('doc-a', 'u1', 'op-2'))?.op).toEqual(values[1]);
      });

      it('round-trips snapshot data', async () => {
        await commit(values.length);
        for (let i = 0; i < values.length; i++) {
          await store.saveSnapshot({ documentId: 'doc-a', version: i + 1, data: values[i], ts: i });
        }
        for (let i = 0; i < values.length; i++) {
          expect((await store.snapshot('doc-a', i + 1))?.data).toEqual(values[i]);
        }
      });

      it('round-trips unicode user and op ids', async () => {
        await store.ensure('doc-a', 'ünï 👤', 1);
        const record = op(1, { userId: 'ünï 👤', opId: 'ôp-🔁-1' });
        expect(await store.appendOp(record)).toBe(true);
        expect(await store.findOp('doc-a', 'ünï 👤', 'ôp-🔁-1')).toEqual(record);
        expect((await store.info('doc-a'))?.ownerId).toBe('ünï 👤');
      });

      it('stores JSON: undefined fields disappear, Dates become ISO strings', async () => {
        await store.ensure('doc-a', 'alice', 1);
        const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
        await store.appendOp(op(1, { op: { when, gone: undefined, kept: 1 } }));
        await store.saveSnapshot({ documentId: 'doc-a', version: 1, data: { when, gone: undefined }, ts: 1 });
        expect((await store.ops('doc-a', 0))[0].op).toStrictEqual({ when: when.toISOString(), kept: 1 });
        expect((await store.snapshot('doc-a'))?.data).toStrictEqual({ when: when.toISOString() });
      });

      it('returns copies: mutating data after writing or after reading does not change the store', async () => {
        await store.ensure('doc-a', 'alice', 1);
        const data = { list: [1, 2], nested: { a: 1 } };
        await store.appendOp(op(1, { op: data }));
        await store.saveSnapshot({ documentId: 'doc-a', version: 1, data, ts: 1 });
        data.list.push(3);
        const [read] = await store.ops('doc-a', 0);
        expect(read.op).toEqual({ list: [1, 2], nested: { a: 1 } });
        (read.op as { nested: { a: number } }).nested.a = 99;
        const snapshot = await store.snapshot('doc-a');
        expect(snapshot?.data).toEqual({ list: [1, 2], nested: { a: 1 } });
        (snapshot!.data as { list: number[] }).list.push(4);
        expect((await store.ops('doc-a', 0))[0].op).toEqual({ list: [1, 2], nested: { a: 1 } });
        expect((await store.findOp('doc-a', 'u1', 'op-1'))?.op).toEqual({ list: [1, 2], nested: { a: 1 } });
        expect((await store.snapshot('doc-a'))?.data).toEqual({ list: [1, 2], nested: { a: 1 } });
      });
    });

    describe('delete', () => {
      it('removes the ops, snapshots and users of the document, and only of that document', async () => {
        await commit(3);
        await commit(2, 'doc-b');
        await store.saveSnapshot({ documentId: 'doc-a', version: 2, data: { a: 1 }, ts: 5 });
        await store.saveSnapshot({ documentId: 'doc-b', version: 2, data: { b: 1 }, ts: 5 });
        await store.saveUser('doc-a', { userId: 'u1', name: 'Ada', seenAt: 5 });
        await store.saveUser('doc-b', { userId: 'u1', name: 'Ada', seenAt: 5 });

        expect(await store.delete('doc-a', 10)).toBe(true);

        expect(await store.info('doc-a')).toBeUndefined();
        expect(await store.ops('doc-a', 0)).toEqual([]);
        expect(await store.snapshot('doc-a')).toBeUndefined();
        expect(await store.findOp('doc-a', 'u1', 'op-1')).toBeUndefined();
        expect(await store.users('doc-a', ['u1'])).toEqual([]);
        expect((await store.info('doc-b'))?.version).toBe(2);
        expect(await versionsOf('doc-b', 0)).toEqual([1, 2]);
        expect((await store.snapshot('doc-b'))?.data).toEqual({ b: 1 });
        expect(await store.users('doc-b', ['u1'])).toHaveLength(1);
      });

      it('refuses to create a deleted document again, and every write to it', async () => {
        await commit(2);
        await store.delete('doc-a', 10);
        const err = await store.ensure('doc-a', 'owner', 11).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).name).toBe('DeletedDocumentError');
        expect(await store.info('doc-a')).toBeUndefined();
        await expect(store.appendOp(op(1))).rejects.toThrow(/unknown document/);
        await expect(store.appendOp(op(3))).rejects.toThrow(/unknown document/);
        await expect(
          store.saveSnapshot({ documentId: 'doc-a', version: 0, data: {}, ts: 1 }),
        ).rejects.toThrow(/unknown document/);
        await expect(store.saveUser('doc-a', { userId: 'u1', seenAt: 1 })).rejects.toThrow(
          /unknown document/,
        );
      });

      it('answers whether there was a document, remembers an unknown id as deleted, and is idempotent', async () => {
        expect(await store.delete('doc-never', 1)).toBe(false);
        await expect(store.ensure('doc-never', 'owner', 2)).rejects.toThrow(/deleted/);
        await commit(1);
        expect(await store.delete('doc-a', 3)).toBe(true);
        expect(await store.delete('doc-a', 4)).toBe(false);
        await expect(store.ensure('doc-a', 'owner', 5)).rejects.toThrow(/deleted/);
      });

      it('keeps a tombstone with the owner the document had (the first deletion’s), none for a live document', async () => {
        await store.ensure('doc-b', 'olga', 1);
        expect(await store.deleted('doc-b')).toBeUndefined();
        await store.delete('doc-b', 7);
        await store.delete('doc-b', 8);
        expect(await store.deleted('doc-b')).toEqual({ documentId: 'doc-b', deletedAt: 7, ownerId: 'olga' });
        await store.delete('doc-never', 9);
        expect(await store.deleted('doc-never')).toEqual({ documentId: 'doc-never', deletedAt: 9 });
        expect(await store.deleted('doc-other')).toBeUndefined();
      });

      it('rejects an empty document id', async () => {
        await expect(store.delete('', 1)).rejects.toThrow();
      });
    });

    describe('lifecycle', () => {
      it('closes idempotently', async () => {
        await store.close();
        await store.close();
      });

      it('rejects every call after close', async () => {
        await commit(1);
        await store.close();
        await expect(store.ensure('doc-a', 'alice', 1)).rejects.toThrow(/closed/);
        await expect(store.info('doc-a')).rejects.toThrow(/closed/);
        await expect(store.snapshot('doc-a')).rejects.toThrow(/closed/);
        await expect(
          store.saveSnapshot({ documentId: 'doc-a', version: 1, data: {}, ts: 1 }),
        ).rejects.toThrow(/closed/);
        await expect(store.appendOp(op(2))).rejects.toThrow(/closed/);
        await expect(store.ops('doc-a', 0)).rejects.toThrow(/closed/);
        await expect(store.findOp('doc-a', 'u1', 'op-1')).rejects.toThrow(/closed/);
        await expect(store.delete('doc-a', 2)).rejects.toThrow(/closed/);
      });
    });
  });
}
