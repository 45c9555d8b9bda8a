import type { Op } from '@syncline/doc';
import { IDBFactory, IDBKeyRange, IDBObjectStore } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { IndexedDBStore } from '../indexeddb-store.js';
import { docOf, quiesce, world, zone } from './fake-doc-server.js';
import { IndexedDBDocPersistence } from './indexeddb-persistence.js';
import {
  isPersistedDoc,
  LocalClaims,
  MemoryDocPersistence,
  type PersistedDoc,
  recordDocument,
} from './persistence.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

const record = (documentId: string, version = 3): PersistedDoc => ({
  format: 1,
  documentId,
  userId: 'ann',
  version,
  snapshot: docOf(zone('z1', 'hello')),
  inflight: { opId: 'p:1', op: ['zones', 'z1', 'text', { es: ['a'] }] },
  pending: [{ opId: 'p:2', op: ['zones', 'z1', 'label', { r: '', i: 'L' }] }],
  opIds: ['p:1', 'p:2'],
  savedAt: 5,
});

describe('DocPersistence', () => {
  it('MemoryDocPersistence keeps records by document and hands out copies', async () => {
    const storage = new MemoryDocPersistence();
    await storage.save(record('d1'));
    const loaded = await storage.load('d1');
    if (loaded) loaded.version = 99; // a loaded record is the reader's own
    expect(await storage.load('d1')).toEqual(record('d1'));
    expect(await storage.load('d2')).toBeUndefined();
    await storage.delete('d1');
    expect(await storage.load('d1')).toBeUndefined();
  });

  it('IndexedDBDocPersistence saves, replaces, loads and deletes records by document id', async () => {
    const indexedDB = new IDBFactory();
    const storage = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann' });
    await storage.save(record('d1'));
    await storage.save(record('d2'));
    await storage.save(record('d1', 7));
    expect(await storage.load('d1')).toEqual(record('d1', 7));
    expect(isPersistedDoc(await storage.load('d2'))).toBe(true);
    await storage.delete('d2');
    expect(await storage.load('d2')).toBeUndefined();
    await storage.close();

    const reopened = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann' });
    expect(await reopened.load('d1')).toEqual(record('d1', 7));
    expect(
      await new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-bob' }).load('d1'),
    ).toBeUndefined();
    await reopened.close();
  });

  it("moves a user's records from an older database (migrateFrom) before its first use, leaving the others'", async () => {
    const indexedDB = new IDBFactory();
    const old = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange }); // the default name, as before a per-user one
    await old.save(record('d1')); // Ann's
    await old.save({ ...record('d2'), userId: 'bob' });
    await old.save({ ...record('d3'), savedAt: 1 }); // Ann's, older than what the new database has
    await old.save({ ...record('d4'), savedAt: 9 }); // Ann's, newer than what the new database has
    await old.close();
    const seeded = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann' });
    await seeded.save({ ...record('d3', 9), savedAt: 50 });
    await seeded.save({ ...record('d4', 2), savedAt: 0 });
    await seeded.close();

    const from = { name: 'syncline-documents', userId: 'ann' };
    const ann = new IndexedDBDocPersistence({
      indexedDB,
      keyRange: IDBKeyRange,
      name: 'app-ann',
      migrateFrom: from,
    });
    expect(await ann.load('d1')).toEqual(record('d1'));
    expect(await ann.load('d2')).toBeUndefined(); // Bob's stays his
    expect((await ann.load('d3'))?.version).toBe(9);
    expect(await ann.load('d4')).toEqual({ ...record('d4'), savedAt: 9 });
    await ann.close();
    // Moved in whole over the older record: no snapshot of that one left behind.
    const rows = new IndexedDBStore('app-ann', 'documents', indexedDB, (db, store) =>
      db.createObjectStore(store),
    );
    expect(await rows.run('readonly', (store) => store.count(IDBKeyRange.bound(['d4'], ['d4', []])))).toBe(0);
    expect(await rows.run('readonly', (store) => store.count('d4'))).toBe(1);
    await rows.close();
    const left = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange });
    expect(await left.load('d1')).toBeUndefined(); // moved, not copied: read once
    expect(await left.load('d3')).toBeUndefined();
    expect((await left.load('d2'))?.userId).toBe('bob');
    await left.close();

    // A device that never had the older database: nothing is created.
    const fresh = new IDBFactory();
    const carl = new IndexedDBDocPersistence({
      indexedDB: fresh,
      keyRange: IDBKeyRange,
      name: 'app-carl',
      migrateFrom: from,
    });
    expect(await carl.load('d1')).toBeUndefined();
    expect((await fresh.databases()).map((db) => db.name)).toEqual(['app-carl']);
    await carl.close();
  });

  it("keeps a record per client, next to an older version's one record per document, and deletes one or all", async () => {
    const indexedDB = new IDBFactory();
    const storage = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann' });
    await storage.save(record('d1')); // no clientKey: where an older version kept it (key 'd1')
    await storage.save({ ...record('d1', 4), clientKey: 'k1', savedAt: 6 });
    await storage.save({ ...record('d1', 5), clientKey: 'k2', savedAt: 7 });
    await storage.save({ ...record('d10', 5), clientKey: 'k1' }); // another document, its id a prefix of it
    await storage.save({ ...record('d1', 6), clientKey: 'k1', savedAt: 8 }); // k1's record replaced
    expect((await storage.loadAll('d1')).map((r) => [r.clientKey ?? '', r.version]).sort()).toEqual([
      ['', 3],
      ['k1', 6],
      ['k2', 5],
    ]);
    expect(await storage.load('d1')).toMatchObject({ clientKey: 'k1', version: 6 }); // the newest
    await storage.delete('d1', '');
    await storage.delete('d1', 'k2');
    expect((await storage.loadAll('d1')).map((r) => r.clientKey)).toEqual(['k1']);
    await storage.save(record('d1'));
    await storage.delete('d1');
    expect(await storage.loadAll('d1')).toEqual([]);
    expect(await storage.loadAll('d10')).toHaveLength(1);
    await storage.close();
  });

  it('stores the snapshot apart, once per snapshot: a save with the same one writes the rest of the record only', async () => {
    const indexedDB = new IDBFactory();
    const options = { indexedDB, keyRange: IDBKeyRange, name: 'app-ann' };
    const storage = new IndexedDBDocPersistence(options);
    const rows = new IndexedDBStore('app-ann', 'documents', indexedDB, (db, store) =>
      db.createObjectStore(store),
    );
    const puts = vi.spyOn(IDBObjectStore.prototype, 'put');
    const snapshotPuts = () =>
      puts.mock.calls.filter(([row]) => (row as { kind?: string }).kind === 'snapshot');
    try {
      const first = { ...record('d1', 3), clientKey: 'k1' };
      await storage.save(first);
      const edit: Op = ['zones', 'z1', 'text', { es: [5, '!'] }];
      const later: PersistedDoc = { ...first, format: 2, version: 4, committed: [edit], savedAt: 6 };
      await storage.save(later);
      expect(snapshotPuts()).toHaveLength(1);
      expect(puts).toHaveBeenCalledTimes(3); // the snapshot once, the record twice
      const [loaded] = await storage.loadAll('d1');
      expect(loaded).toEqual(later);
      expect(recordDocument(loaded).zones.z1.text).toBe('hello!');

      // Another page takes the record over and saves it with the snapshot it loaded: not written again.
      const other = new IndexedDBDocPersistence(options);
      const [theirs] = await other.loadAll('d1');
      await other.save({ ...theirs, savedAt: 7 });
      expect(snapshotPuts()).toHaveLength(1);
      // A newer snapshot replaces the older one: one snapshot per record.
      const newer = { ...first, version: 9, snapshot: docOf(zone('z1', 'newer')), savedAt: 8 };
      await other.save(newer);
      expect(snapshotPuts()).toHaveLength(2);
      expect(await rows.run('readonly', (store) => store.count(IDBKeyRange.bound(['d1'], ['d1', []])))).toBe(
        2,
      );
      expect(await other.loadAll('d1')).toEqual([newer]);

      // A save issued while the one that writes its snapshot is still under way writes the snapshot too: that one
      // may yet fail (here: a full disk), and a record saved without the snapshot would then point at nothing.
      const fresh = { ...newer, version: 12, snapshot: docOf(zone('z1', 'fresh')), savedAt: 11 };
      puts.mockImplementationOnce(() => {
        throw new DOMException('the disk is full', 'QuotaExceededError');
      });
      const [failed, saved] = await Promise.allSettled([
        other.save(fresh),
        other.save({ ...fresh, savedAt: 12 }),
      ]);
      expect([failed.status, saved.status]).toEqual(['rejected', 'fulfilled']);
      expect(await other.loadAll('d1')).toEqual([{ ...fresh, savedAt: 12 }]);
      const written = snapshotPuts().length;
      await other.save({ ...fresh, savedAt: 13 }); // known to be stored now: the rest of the record only
      expect(snapshotPuts()).toHaveLength(written);

      // A save that throws half-way (its snapshot cannot be stored) changes nothing: the older snapshot stays.
      const unstorable = { ...fresh, version: 14, snapshot: { ...fresh.snapshot, meta: { f: () => 1 } } };
      await expect(other.save(unstorable as unknown as PersistedDoc)).rejects.toThrow();
      expect(await other.loadAll('d1')).toEqual([{ ...fresh, savedAt: 13 }]);

      // A record whose snapshot is missing is left out; a record stored whole (by an older version) is read.
      await rows.run('readwrite', (store) => store.delete(['d1', 'k1', 'snapshot', 12]));
      await rows.run('readwrite', (store) =>
        store.put({ ...record('d1', 2), clientKey: 'k2' }, ['d1', 'k2']),
      );
      expect(await storage.loadAll('d1')).toEqual([{ ...record('d1', 2), clientKey: 'k2' }]);
      await storage.delete('d1');
      expect(await rows.run('readonly', (store) => store.count(IDBKeyRange.bound(['d1'], ['d1', []])))).toBe(
        0,
      );
      await other.close();
    } finally {
      puts.mockRestore();
      await storage.close();
      await rows.close();
    }
  });

  it('claims a record with a Web Lock per database, document and client: another tab cannot take it while held', async () => {
    const held = new Set<string>();
    const locks = {
      request(name: string, _options: LockOptions, callback: (lock: Lock | null) => unknown) {
        if (held.has(name)) return Promise.resolve(callback(null));
        held.add(name);
        return Promise.resolve(callback({ name, mode: 'exclusive' } as Lock)).finally(() =>
          held.delete(name),
        );
      },
    } as unknown as LockManager;
    const indexedDB = new IDBFactory();
    const tab1 = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann', locks });
    const tab2 = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: 'app-ann', locks });
    const release = await tab1.claim('d1', 'k1');
    expect(release).toBeTypeOf('function');
    expect(await tab2.claim('d1', 'k1')).toBeNull();
    expect(await tab2.claim('d1', 'k2')).toBeTypeOf('function');
    expect(
      await new IndexedDBDocPersistence({ indexedDB, name: 'app-bob', locks }).claim('d1', 'k1'),
    ).not.toBeNull();
    release?.();
    await tick();
    expect(await tab2.claim('d1', 'k1')).toBeTypeOf('function');
    // Without Web Locks: only this page's claims count.
    const page = new IndexedDBDocPersistence({
      indexedDB,
      keyRange: IDBKeyRange,
      locks: null,
      broadcastChannel: null,
    });
    const mine = await page.claim('d1', 'k1');
    expect(await page.claim('d1', 'k1')).toBeNull();
    mine?.();
    expect(await page.claim('d1', 'k1')).toBeTypeOf('function');
  });

  it('hands a claim to those waiting for it in order, and a waiter that gives up is passed over', async () => {
    const claims = new LocalClaims();
    const first = await claims.claim('d1', 'k');
    expect(await claims.claim('d1', 'k')).toBeNull();
    const order: string[] = [];
    const quit = new AbortController();
    const wait = (name: string, signal = new AbortController().signal) =>
      claims.waitForClaim('d1', 'k', signal).then((release) => {
        order.push(release ? name : `${name} gave up`);
        return release;
      });
    const a = wait('a');
    const b = wait('b', quit.signal);
    const c = wait('c');
    quit.abort();
    await tick();
    expect(order).toEqual(['b gave up']);
    first?.();
    const releaseA = await a;
    expect(order).toEqual(['b gave up', 'a']);
    expect(await claims.claim('d1', 'k')).toBeNull(); // handed over, never free in between
    releaseA?.();
    (await c)?.();
    expect(await b).toBeNull();
    expect(order).toEqual(['b gave up', 'a', 'c']);
    expect(await claims.claim('d1', 'k')).toBeTypeOf('function');
    expect(await claims.waitForClaim('d1', 'other', quit.signal)).toBeNull(); // aborted already
  });

  it('rejects when IndexedDB is not available', async () => {
    await expect(new IndexedDBDocPersistence().load('d1')).rejects.toThrow('IndexedDB is not available');
  });

  it('ignores records it cannot restore', () => {
    expect(isPersistedDoc(undefined)).toBe(false);
    expect(isPersistedDoc({ ...record('d1'), format: 2 })).toBe(false); // format 2 without its committed ops
    expect(isPersistedDoc({ ...record('d1', 1), format: 2, committed: [null, null] })).toBe(false);
    expect(isPersistedDoc({ ...record('d1', 1), format: 2, committed: [null] })).toBe(true);
    expect(isPersistedDoc({ ...record('d1'), pending: [{ op: null }] })).toBe(false);
  });

  it('carries offline edits across a reload through IndexedDB', async () => {
    const indexedDB = new IDBFactory();
    const { server, open } = world();
    const first = open('ann', {
      persistence: new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange }),
    });
    await first.doc.ready;
    first.conn.disconnect();
    first.doc.editText('z1', { pos: 5, ins: ', offline' });
    first.doc.createZone({
      id: 'z3',
      page: 1,
      bbox: { x: 1, y: 2, w: 3, h: 4 },
      type: 'caption',
      label: '',
      confidence: 1,
      text: 'new',
    });
    const storage = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange });
    for (let i = 0; i < 50 && !(await storage.load('d1'))?.pending.length; i++) await tick();
    expect((await storage.load('d1'))?.pending).toHaveLength(2);
    first.doc.close(); // the page goes away
    server.commit(['zones', 'z1', 'text', { es: ['Oh, '] }], 'bob');

    const second = open('ann', { persistence: storage });
    await second.doc.ready;
    await quiesce([second.conn], tick);
    expect(server.doc.zones.z1.text).toBe('Oh, hello, offline');
    expect(server.doc.zones.z3).toMatchObject({ text: 'new', updatedBy: 'ann' });
    expect(second.doc.doc).toEqual(server.doc);
    for (let i = 0; i < 50 && (await storage.load('d1')); i++) await tick();
    expect(await storage.load('d1')).toBeUndefined();
    second.doc.close();
    await storage.close();
  });
});
