import { emptyDocument, metaSet, zoneCreate } from '@syncline/doc';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SynclineError } from '../errors.js';
import { DocumentClient } from './document-client.js';
import { docOf, type FakeConnection, FakeDocServer, quiesce, zone } from './fake-doc-server.js';
import { MemoryDocPersistence } from './persistence.js';
import type { DocResync } from './types.js';

const T0 = 1_000_000;
// The fake network uses setImmediate and microtasks, which stay real here; setTimeout is fake.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** A connection of `userId` that is offline from the start (a document made on a train). */
function offline(server: FakeDocServer, userId: string): FakeConnection {
  const conn = server.connect(userId);
  conn.disconnect();
  return conn;
}

/** What the server does when the app creates a blank document: names it (one op, version 1). */
const createOnServer = (server: FakeDocServer, name: string) =>
  server.commit(metaSet('name', name, {}), 'ann', 'blank:name');

const newZone = (id: string) => ({
  id,
  page: 1,
  bbox: { x: 10, y: 10, w: 100, h: 20 },
  type: 'paragraph' as const,
  label: '',
  confidence: 1,
  text: '',
});

/** `deferred()`: a promise and what settles it. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, no) => {
    resolve = ok;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe("DocumentClient with initial: 'empty' (a new document made offline)", () => {
  beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('takes edits offline from the empty document at version 0, keeps them pending (persisted), and sends them once the server has the document', async () => {
    const server = new FakeDocServer();
    const persistence = new MemoryDocPersistence();
    const conn = offline(server, 'ann');
    const doc = new DocumentClient(conn, 'd1', { persistence, userId: 'ann', initial: 'empty' });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, version: 0, pending: 0 });
    expect(doc.doc).toEqual(emptyDocument());

    doc.createZone(newZone('mine'));
    doc.editText('mine', { pos: 0, ins: 'typed on a train' });
    doc.createZone(newZone('gone'));
    expect(doc.undo()).toBe(true); // the second zone, undone offline
    expect(doc.redo()).toBe(true);
    expect(doc.undo()).toBe(true);
    expect(Object.keys(doc.doc.zones)).toEqual(['mine']);
    expect(doc.doc.zones.mine).toMatchObject({ text: 'typed on a train', updatedBy: 'ann' });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, version: 0 });
    expect(doc.getSnapshot().pending).toBeGreaterThan(0);
    // Persisted as any offline edit: against version 0, the empty document.
    const saved = await persistence.load('d1');
    expect(saved).toMatchObject({ version: 0, userId: 'ann', snapshot: emptyDocument() });
    expect(saved?.opIds.length).toBeGreaterThan(0);

    // Back online: the app created the document (its name, version 1), then the client opens it.
    createOnServer(server, 'Train notes');
    const resyncs: DocResync[] = [];
    doc.on('resync', (r) => resyncs.push(r));
    conn.reconnect();
    await quiesce([conn], tick);
    await doc.ready;
    expect(server.opens.at(-1)?.data).toMatchObject({ documentId: 'd1', since: 0 });
    expect(resyncs).toEqual([{ reason: 'restore', fromVersion: 0, toVersion: 1, method: 'ops' }]);
    expect(server.doc.meta).toEqual({ name: 'Train notes' });
    expect(Object.keys(server.doc.zones)).toEqual(['mine']);
    expect(server.doc.zones.mine.text).toBe('typed on a train');
    expect(doc.doc).toEqual(server.doc);
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', restored: false, pending: 0, inflight: false });
    // Another user opening it sees my zone.
    const bob = new DocumentClient(server.connect('bob'), 'd1');
    await bob.ready;
    expect(bob.doc.zones.mine.text).toBe('typed on a train');
    // Undo still takes back my own edit only (the text), never the creation's name.
    expect(doc.undo()).toBe(true);
    await quiesce([conn], tick);
    expect(server.doc.zones.mine.text).toBe('');
    expect(server.doc.meta).toEqual({ name: 'Train notes' });
    await doc.close();
    await bob.close();
    expect(await persistence.load('d1')).toBeUndefined(); // all confirmed
  });

  it('without it, a document with nothing saved cannot be edited before the server opens it', async () => {
    const server = new FakeDocServer();
    const doc = new DocumentClient(offline(server, 'ann'), 'd1', { userId: 'ann' });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: false });
    expect(() => doc.createZone(newZone('mine'))).toThrow(/not open/);
  });

  it('keeps the edits over a reload while still offline (restored, not started empty again), and sends them all on connect', async () => {
    const server = new FakeDocServer();
    const persistence = new MemoryDocPersistence();
    const first = new DocumentClient(offline(server, 'ann'), 'd1', {
      persistence,
      userId: 'ann',
      initial: 'empty',
    });
    await settle();
    first.createZone(newZone('mine'));
    first.editText('mine', { pos: 0, ins: 'before the reload' });
    await first.close(); // offline: at once, the edits left in the persistence

    const conn = offline(server, 'ann');
    const doc = new DocumentClient(conn, 'd1', { persistence, userId: 'ann', initial: 'empty' });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, version: 0 });
    expect(doc.doc.zones.mine?.text).toBe('before the reload');
    doc.editText('mine', { pos: 17, ins: ', and after' });
    await settle();

    createOnServer(server, 'Train notes');
    conn.reconnect();
    await quiesce([conn], tick);
    await doc.ready;
    expect(server.doc.zones.mine.text).toBe('before the reload, and after');
    expect(server.doc.meta).toEqual({ name: 'Train notes' });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', pending: 0, inflight: false });
    await doc.close();
  });

  for (const opsOnOpen of [true, false]) {
    it(`a document that turns out to exist with content (the id was taken): its content stays, my edits are transformed onto it (${opsOnOpen ? 'missed ops' : 'snapshot diff'})`, async () => {
      const server = new FakeDocServer({ opsOnOpen, committedOnOpen: opsOnOpen });
      // Someone's document with this id: a name, two zones, a text edited.
      server.commit(metaSet('name', 'Their notes', {}), 'bob');
      server.commit(zoneCreate(zone('z1', 'theirs'), { by: 'bob', at: 1 }), 'bob');
      server.commit(zoneCreate(zone('z2', 'also theirs'), { by: 'bob', at: 2 }), 'bob');
      const theirs = server.doc;
      const persistence = new MemoryDocPersistence();
      const conn = offline(server, 'ann');
      const doc = new DocumentClient(conn, 'd1', { persistence, userId: 'ann', initial: 'empty' });
      await settle();
      doc.createZone(newZone('mine'));
      doc.editText('mine', { pos: 0, ins: 'offline' });
      doc.createZone(newZone('second'));
      await settle();

      conn.reconnect();
      await quiesce([conn], tick);
      await doc.ready;
      // Theirs as it was, mine beside it; my copy is the server's.
      expect(server.doc.meta).toEqual(theirs.meta);
      expect(server.doc.zones.z1).toEqual(theirs.zones.z1);
      expect(server.doc.zones.z2).toEqual(theirs.zones.z2);
      expect(server.doc.zones.mine.text).toBe('offline');
      expect(server.doc.zones.second).toBeDefined();
      expect(doc.doc).toEqual(server.doc);
      expect(doc.getSnapshot()).toMatchObject({
        status: 'open',
        restored: false,
        pending: 0,
        inflight: false,
      });
      // Undo is mine only: it takes my second zone away, none of theirs.
      expect(doc.undo()).toBe(true);
      await quiesce([conn], tick);
      expect(Object.keys(server.doc.zones).sort()).toEqual(['mine', 'z1', 'z2']);
      expect(doc.doc).toEqual(server.doc);
      await doc.close();
    });
  }

  it('waits for beforeOpen (the app creating the document) before entering the room and opening, edits taken meanwhile', async () => {
    const server = new FakeDocServer();
    const persistence = new MemoryDocPersistence();
    const conn = server.connect('ann');
    const creation = deferred();
    let calls = 0;
    const doc = new DocumentClient(conn, 'd1', {
      persistence,
      userId: 'ann',
      initial: 'empty',
      beforeOpen: () => {
        calls++;
        return creation.promise;
      },
    });
    await settle();
    doc.createZone(newZone('mine'));
    await quiesce([conn], tick);
    // Connected, but nothing reached the server: not its room, no open, no edit.
    expect(conn.joined('doc:d1')).toBe(false);
    expect(server.opens).toHaveLength(0);
    expect(server.version).toBe(0);
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, pending: 1 });

    createOnServer(server, 'Train notes');
    creation.resolve();
    await quiesce([conn], tick);
    await doc.ready;
    expect(calls).toBe(1);
    expect(server.opens).toHaveLength(1);
    expect(server.log.map((r) => r.opId)[0]).toBe('blank:name'); // created first, then my edits
    expect(server.doc.zones.mine).toBeDefined();
    expect(doc.doc).toEqual(server.doc);
    await doc.close();
  });

  it('opens nothing before beforeOpen, also for the edits of another tab it takes over (a hidden client)', async () => {
    const server = new FakeDocServer();
    const persistence = new MemoryDocPersistence();
    const options = { persistence, userId: 'ann', initial: 'empty' as const };
    // Two tabs made edits offline, each its own record; both closed.
    const one = new DocumentClient(offline(server, 'ann'), 'd1', options);
    const two = new DocumentClient(offline(server, 'ann'), 'd1', options);
    await settle();
    one.createZone(newZone('from-one'));
    two.createZone(newZone('from-two'));
    await settle();
    await one.close();
    await two.close();
    expect(await persistence.loadAll('d1')).toHaveLength(2);

    const conn = server.connect('ann');
    const creation = deferred();
    const doc = new DocumentClient(conn, 'd1', { ...options, beforeOpen: () => creation.promise });
    await quiesce([conn], tick);
    expect(server.opens).toHaveLength(0);
    expect(server.version).toBe(0);

    createOnServer(server, 'Two tabs');
    creation.resolve();
    await quiesce([conn], tick);
    await doc.ready;
    await vi.waitFor(() => expect(Object.keys(server.doc.zones).sort()).toEqual(['from-one', 'from-two']));
    expect(server.log[0].opId).toBe('blank:name');
    await doc.close();
  });

  it('fails with the error beforeOpen rejects with, opens nothing, and keeps the edits in the persistence', async () => {
    const server = new FakeDocServer({ doc: docOf(zone('z1', 'deleted long ago')) });
    const persistence = new MemoryDocPersistence();
    const conn = server.connect('ann');
    const creation = deferred();
    const doc = new DocumentClient(conn, 'd1', {
      persistence,
      userId: 'ann',
      initial: 'empty',
      beforeOpen: () => creation.promise,
    });
    const errors: SynclineError[] = [];
    doc.on('error', (e) => errors.push(e));
    await settle();
    doc.createZone(newZone('mine'));
    await settle();
    const refusal = new SynclineError('conflict', 'that name was a deleted document’s');
    creation.reject(refusal);
    await expect(doc.ready).rejects.toBe(refusal);
    await expect(doc.whenSynced()).rejects.toBe(refusal);
    expect(errors).toEqual([refusal]);
    expect(doc.getSnapshot().status).toBe('failed');
    expect(server.opens).toHaveLength(0);
    expect(conn.joined('doc:d1')).toBe(false);
    const kept = await persistence.load('d1');
    expect(kept?.opIds).toHaveLength(1);
    await doc.close();
    expect((await persistence.load('d1'))?.opIds).toHaveLength(1);
  });
});
