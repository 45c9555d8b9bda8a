import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { docOf, quiesce, world, zone } from './fake-doc-server.js';
import { IndexedDBDocPersistence } from './indexeddb-persistence.js';
import { isPersistedDoc, MemoryDocPersistence, type PersistedDoc } from './persistence.js';

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
    const storage = new IndexedDBDocPersistence({ indexedDB, name: 'app-ann' });
    await storage.save(record('d1'));
    await storage.save(record('d2'));
    await storage.save(record('d1', 7));
    expect(await storage.load('d1')).toEqual(record('d1', 7));
    expect(isPersistedDoc(await storage.load('d2'))).toBe(true);
    await storage.delete('d2');
    expect(await storage.load('d2')).toBeUndefined();
    await storage.close();

    const reopened = new IndexedDBDocPersistence({ indexedDB, name: 'app-ann' });
    expect(await reopened.load('d1')).toEqual(record('d1', 7));
    expect(await new IndexedDBDocPersistence({ indexedDB, name: 'app-bob' }).load('d1')).toBeUndefined();
    await reopened.close();
  });

  it("moves a user's records from an older database (migrateFrom) before its first use, leaving the others'", async () => {
    const indexedDB = new IDBFactory();
    const old = new IndexedDBDocPersistence({ indexedDB }); // the default name, as before a per-user one
    await old.save(record('d1')); // Ann's
    await old.save({ ...record('d2'), userId: 'bob' });
    await old.save({ ...record('d3'), savedAt: 1 }); // Ann's, older than what the new database has
    await old.close();
    const seeded = new IndexedDBDocPersistence({ indexedDB, name: 'app-ann' });
    await seeded.save({ ...record('d3', 9), savedAt: 50 });
    await seeded.close();

    const from = { name: 'syncline-documents', userId: 'ann' };
    const ann = new IndexedDBDocPersistence({ indexedDB, name: 'app-ann', migrateFrom: from });
    expect(await ann.load('d1')).toEqual(record('d1'));
    expect(await ann.load('d2')).toBeUndefined(); // Bob's stays his
    expect((await ann.load('d3'))?.version).toBe(9);
    await ann.close();
    const left = new IndexedDBDocPersistence({ indexedDB });
    expect(await left.load('d1')).toBeUndefined(); // moved, not copied: read once
    expect(await left.load('d3')).toBeUndefined();
    expect((await left.load('d2'))?.userId).toBe('bob');
    await left.close();

    // A device that never had the older database: nothing is created.
    const fresh = new IDBFactory();
    const carl = new IndexedDBDocPersistence({ indexedDB: fresh, name: 'app-carl', migrateFrom: from });
    expect(await carl.load('d1')).toBeUndefined();
    expect((await fresh.databases()).map((db) => db.name)).toEqual(['app-carl']);
    await carl.close();
  });

  it('rejects when IndexedDB is not available', async () => {
    await expect(new IndexedDBDocPersistence().load('d1')).rejects.toThrow('IndexedDB is not available');
  });

  it('ignores records it cannot restore', () => {
    expect(isPersistedDoc(undefined)).toBe(false);
    expect(isPersistedDoc({ ...record('d1'), format: 2 })).toBe(false);
    expect(isPersistedDoc({ ...record('d1'), pending: [{ op: null }] })).toBe(false);
  });

  it('carries offline edits across a reload through IndexedDB', async () => {
    const indexedDB = new IDBFactory();
    const { server, open } = world();
    const first = open('ann', { persistence: new IndexedDBDocPersistence({ indexedDB }) });
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
    const storage = new IndexedDBDocPersistence({ indexedDB });
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
