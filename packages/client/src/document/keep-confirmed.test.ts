import { apply, type Op, type ZoneDocument, zoneUpdate } from '@syncline/doc';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserGlobals } from '../environment.js';
import { DocumentClient } from './document-client.js';
import { type FakeConnection, type FakeDocServer, failRequests, quiesce, world } from './fake-doc-server.js';
import { MemoryDocPersistence, type PersistedDoc, recordDocument } from './persistence.js';
import type { DocResync } from './types.js';

const T0 = 1_000_000;
// The fake network uses setImmediate and microtasks, which stay real here; setTimeout is fake.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** A memory persistence that lists every save and delete. */
class SpyPersistence extends MemoryDocPersistence {
  readonly saves: PersistedDoc[] = [];
  deletes = 0;
  override async save(record: PersistedDoc): Promise<void> {
    this.saves.push(record);
    return super.save(record);
  }
  override async delete(documentId: string, clientKey?: string): Promise<void> {
    this.deletes++;
    return super.delete(documentId, clientKey);
  }
}

/** Ann had the document open (no edits of hers unconfirmed) and closed it at version 1: her kept record. */
async function keptByAnn(opsOnOpen = true) {
  const persistence = new SpyPersistence();
  const w = world({ opsOnOpen });
  const first = w.open('ann', { persistence, keepConfirmed: true });
  await first.doc.ready;
  w.server.commit(zoneUpdate('z2', { label: 'one' }), 'bob'); // v1
  await quiesce([first.conn], tick);
  await first.doc.close();
  return { ...w, persistence };
}

/** A connection of `userId` that is offline (a reload without network). */
function offline(server: FakeDocServer, userId: string): FakeConnection {
  const conn = server.connect(userId);
  conn.disconnect();
  return conn;
}

/** Makes `conn` say no user until `known()` (no handshake yet), and enter rooms only once connected. */
function beforeHandshake(conn: FakeConnection, userId: () => string | undefined) {
  Object.defineProperty(conn, 'userId', { get: userId, configurable: true });
  let connected!: () => void;
  const welcome = new Promise<void>((resolve) => (connected = resolve));
  const join = conn.join.bind(conn);
  conn.join = async (room) => {
    await welcome;
    return join(room);
  };
  return connected;
}

describe('DocumentClient with keepConfirmed', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  for (const opsOnOpen of [true, false]) {
    it(`shows a document reloaded offline at once from the kept confirmed state, takes edits, and catches up from its version on connect (${opsOnOpen ? 'missed ops' : 'snapshot diff, past retention'})`, async () => {
      const { server, persistence } = await keptByAnn(opsOnOpen);
      const kept = await persistence.load('d1');
      expect(kept).toMatchObject({ userId: 'ann', version: 1, inflight: null, pending: [], opIds: [] });
      expect(kept && recordDocument(kept)).toEqual(server.doc);
      server.commit(zoneUpdate('z2', { label: 'two' }), 'bob'); // v2: missed while away

      const conn = offline(server, 'ann');
      const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
      const resyncs: DocResync[] = [];
      doc.on('resync', (r) => resyncs.push(r));
      await settle();
      expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, version: 1, pending: 0 });
      expect(doc.doc.zones.z2.label).toBe('one');
      doc.editText('z1', { pos: 5, ins: '!' });
      await settle();
      expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: true, pending: 1 });
      // Persisted as any unconfirmed edit: against the kept version, the edit not in the snapshot.
      const saved = await persistence.load('d1');
      expect(saved).toMatchObject({ version: 1, userId: 'ann', inflight: null });
      expect(saved?.pending).toHaveLength(1);
      expect(saved && recordDocument(saved).zones.z1.text).toBe('hello');

      conn.reconnect();
      await quiesce([conn], tick);
      await doc.ready;
      expect(server.opens.at(-1)?.data).toMatchObject({ documentId: 'd1', since: 1 });
      expect(resyncs).toEqual([
        { reason: 'restore', fromVersion: 1, toVersion: 2, method: opsOnOpen ? 'ops' : 'snapshot' },
      ]);
      expect(server.doc.zones.z1.text).toBe('hello!');
      expect(server.doc.zones.z2.label).toBe('two');
      expect(doc.doc).toEqual(server.doc);
      expect(doc.getSnapshot()).toMatchObject({
        status: 'open',
        restored: false,
        pending: 0,
        inflight: false,
      });
      await doc.close();
      const last = await persistence.load('d1');
      expect(last).toMatchObject({ version: 3, opIds: [] });
      expect(last && recordDocument(last)).toEqual(server.doc);
    });
  }

  it('without keepConfirmed, a document with nothing unconfirmed keeps no record (it cannot open offline)', async () => {
    const persistence = new SpyPersistence();
    const { server, open } = world();
    const first = open('ann', { persistence });
    await first.doc.ready;
    server.commit(zoneUpdate('z2', { label: 'one' }), 'bob');
    await quiesce([first.conn], tick);
    await vi.advanceTimersByTimeAsync(60_000);
    await first.doc.close();
    expect(persistence.saves).toEqual([]);
    const doc = new DocumentClient(offline(server, 'ann'), server.documentId, { persistence });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: false });
    expect(() => doc.editText('z1', { pos: 0, ins: 'x' })).toThrow(/not open/);
  });

  it('saves the confirmed state at most once every keepConfirmedEveryMs, at once when the page hides or the client closes, and every turn while edits are unconfirmed', async () => {
    const persistence = new SpyPersistence();
    const page = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const window = Object.assign(new EventTarget(), { document: page });
    const globals: BrowserGlobals = window;
    const { server, open } = world();
    const initial = structuredClone(server.doc);
    const commit = (label: string) => server.commit(zoneUpdate('z2', { label }), 'bob');
    const ann = open('ann', { persistence, keepConfirmed: true, globals });
    await ann.doc.ready;
    expect(persistence.saves).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(persistence.saves.map((r) => r.version)).toEqual([0]);

    // A busy document: 40 ops in 10 s, two saves.
    for (let i = 1; i <= 40; i++) {
      commit(`busy ${i}`);
      await quiesce([ann.conn], tick);
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(persistence.saves.map((r) => r.version)).toEqual([0, 20, 40]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(persistence.saves).toHaveLength(3); // nothing new: nothing saved

    // The page hides: saved now, not 5 s later.
    commit('before hiding');
    await quiesce([ann.conn], tick);
    expect(persistence.saves).toHaveLength(3);
    page.visibilityState = 'hidden';
    page.dispatchEvent(new Event('visibilitychange'));
    expect(persistence.saves.at(-1)?.version).toBe(41);
    commit('before pagehide');
    await quiesce([ann.conn], tick);
    window.dispatchEvent(new Event('pagehide'));
    expect(persistence.saves.at(-1)?.version).toBe(42);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(persistence.saves).toHaveLength(5);

    // Edits of mine offline: saved every turn, as without the option, against the confirmed state.
    ann.conn.disconnect();
    ann.doc.editText('z1', { pos: 0, ins: 'a' });
    await settle();
    ann.doc.editText('z2', { pos: 0, ins: 'b' });
    await settle();
    expect(persistence.saves.slice(5).map((r) => [r.version, r.pending.length])).toEqual([
      [42, 1],
      [42, 2],
    ]);
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    expect(server.doc.zones.z1.text).toBe('ahello');
    expect(server.doc.zones.z2.text).toBe('bworld');
    // While they were sent, saved every turn they changed; once confirmed, the record holds them (committed: the
    // server would answer `duplicate`) until the coalesced save of the confirmed state.
    expect(persistence.saves.slice(5).every((r) => r.opIds.length > 0)).toBe(true);
    const sent = persistence.saves.length;
    commit('after');
    await quiesce([ann.conn], tick);
    expect(persistence.saves).toHaveLength(sent);
    await ann.doc.close(); // saves what is due at once
    expect(persistence.saves).toHaveLength(sent + 1);
    expect(persistence.saves.at(-1)).toMatchObject({ version: 45, opIds: [], pending: [], inflight: null });
    // Every record's snapshot is the server's document at the record's version: never an unconfirmed edit.
    const docs: ZoneDocument[] = [initial];
    for (const r of server.log) docs.push(apply(docs[docs.length - 1], r.op as Op));
    for (const r of persistence.saves) expect(recordDocument(r)).toEqual(docs[r.version]);
    expect(persistence.deletes).toBe(0);
    page.dispatchEvent(new Event('visibilitychange')); // closed: no longer listening
    expect(persistence.saves).toHaveLength(sent + 1);
  });

  it("never saves over another tab's unsent edits: two tabs of one user keep a record each", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    const a = open('ann', { persistence, keepConfirmed: true });
    const b = open('ann', { persistence, keepConfirmed: true });
    await Promise.all([a.doc.ready, b.doc.ready]);
    // Tab A types, and the network drops before the server confirms it: its edit is in its record.
    a.conn.disconnect();
    a.doc.editText('z1', { pos: 0, ins: 'A' });
    await settle();
    // Tab B, nothing of its own unconfirmed, hears others' edits and keeps its confirmed state in its own record.
    server.commit(zoneUpdate('z2', { label: 'from bob' }), 'bob');
    await quiesce([b.conn], tick);
    await vi.advanceTimersByTimeAsync(5_000);
    await b.doc.close();
    const pendingOf = async () => (await persistence.loadAll('d1')).map((r) => r.pending.length).sort();
    expect(await pendingOf()).toEqual([0, 1]);
    // A reload (A's tab gone offline): the edit is restored and sent.
    await a.doc.close({ timeoutMs: 0 });
    const reloaded = open('ann', { persistence, keepConfirmed: true });
    await reloaded.doc.ready;
    await quiesce([reloaded.conn], tick);
    expect(server.doc.zones.z1.text).toBe('Ahello');
    // It took over A's record and keeps its confirmed state there; B's older one goes once a load finds it older
    // than the one it keeps.
    await reloaded.doc.close();
    expect((await persistence.loadAll('d1')).map((r) => r.opIds.length)).toEqual([0, 0]);
    const again = open('ann', { persistence, keepConfirmed: true });
    await again.doc.ready;
    await again.doc.close();
    expect(await persistence.loadAll('d1')).toMatchObject([{ pending: [], inflight: null, opIds: [] }]);
  });

  it('drops the kept record of a document found deleted when it opens, and saves nothing more', async () => {
    const { server, persistence } = await keptByAnn();
    expect(persistence.documentIds).toEqual(['d1']);
    const conn = server.connect('ann');
    failRequests(conn, 'doc.open', ['not_found']);
    const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await expect(doc.ready).rejects.toMatchObject({ code: 'not_found' });
    await settle();
    expect(persistence.documentIds).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    await doc.close();
    expect(persistence.documentIds).toEqual([]);
  });

  it('drops the kept record of a document deleted while open', async () => {
    const persistence = new SpyPersistence();
    const { server, open } = world();
    const ann = open('ann', { persistence, keepConfirmed: true });
    await ann.doc.ready;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(persistence.documentIds).toEqual(['d1']);
    const room = `doc:${server.documentId}`;
    ann.conn.push({
      kind: 'event',
      room,
      event: {
        seq: server.roomSeq(room) + 1,
        type: 'document_deleted',
        data: { documentId: server.documentId, deletedBy: 'olga' },
      },
    });
    await quiesce([ann.conn], tick);
    expect(ann.doc.getSnapshot().status).toBe('failed');
    expect(persistence.documentIds).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    await ann.doc.close();
    expect(persistence.documentIds).toEqual([]);
  });

  it('drops the kept record of a document refused (forbidden), but keeps unconfirmed edits as before', async () => {
    const { server, persistence } = await keptByAnn();
    expect(persistence.documentIds).toEqual(['d1']);
    const conn = server.connect('ann');
    failRequests(conn, 'doc.open', ['forbidden']);
    const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await expect(doc.ready).rejects.toMatchObject({ code: 'forbidden' });
    await settle();
    expect(persistence.documentIds).toEqual([]);

    // With an edit made on the kept copy before the refusal: the edit (and its base) stay.
    const again = await keptByAnn();
    const off = offline(again.server, 'ann');
    const connected = beforeHandshake(off, () => 'ann');
    const edited = new DocumentClient(off, again.server.documentId, {
      persistence: again.persistence,
      keepConfirmed: true,
    });
    await settle();
    edited.editText('z1', { pos: 0, ins: 'x' });
    await settle();
    failRequests(off, 'doc.open', ['forbidden']);
    off.reconnect();
    connected();
    await expect(edited.ready).rejects.toMatchObject({ code: 'forbidden' });
    await settle();
    expect((await again.persistence.load('d1'))?.pending).toHaveLength(1);
  });

  it('keeps the kept record through any other failure of the document (only not_found and forbidden drop it)', async () => {
    const { server, persistence } = await keptByAnn();
    const conn = server.connect('ann');
    failRequests(conn, 'doc.open', ['invalid']);
    const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await expect(doc.ready).rejects.toMatchObject({ code: 'invalid' });
    conn.disconnect(); // a change after the failure: nothing to write
    conn.reconnect();
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    await doc.close();
    expect(await persistence.load('d1')).toMatchObject({ version: 1, opIds: [] });
  });

  it("never shows another user's kept record; takes the server's document instead", async () => {
    const { server, persistence } = await keptByAnn();
    server.commit(zoneUpdate('z2', { label: 'two' }), 'bob');
    const conn = offline(server, 'bob');
    const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: false });
    expect(doc.doc.zones).toEqual({});
    conn.reconnect();
    await quiesce([conn], tick);
    await doc.ready;
    expect(server.opens.at(-1)).toMatchObject({ userId: 'bob' });
    expect(server.opens.at(-1)?.data.since).toBeUndefined();
    expect(doc.doc).toEqual(server.doc);
    await doc.close();
    // Ann's kept copy is still hers (Bob's client gave its key back), and Bob keeps his own.
    const kept = (await persistence.loadAll('d1')).map((r) => [r.userId, r.version]);
    expect(kept.sort()).toEqual([
      ['ann', 1],
      ['bob', 2],
    ]);
  });

  it('before the handshake, shows a kept record only to the user the app names, else waits for the handshake', async () => {
    const { server, persistence } = await keptByAnn();
    server.commit(zoneUpdate('z2', { label: 'two' }), 'bob');

    // No one named: nothing shown until the handshake says it is Ann; then restored and caught up from v1.
    let who: string | undefined;
    const conn = offline(server, 'ann');
    const connected = beforeHandshake(conn, () => who);
    const doc = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'opening', restored: false });
    expect(doc.doc.zones).toEqual({});
    who = 'ann';
    conn.reconnect();
    connected();
    await quiesce([conn], tick);
    await doc.ready;
    expect(server.opens.at(-1)?.data).toMatchObject({ since: 1 });
    expect(doc.doc).toEqual(server.doc);
    await doc.close();

    // Named Ann by the app (`userId`): shown at once. The handshake then says Bob: the server's document replaces it.
    const annKept = await persistence.load('d1');
    let whoNow: string | undefined;
    const conn2 = offline(server, 'bob');
    const connected2 = beforeHandshake(conn2, () => whoNow);
    const named = new DocumentClient(conn2, server.documentId, {
      persistence,
      keepConfirmed: true,
      userId: 'ann',
    });
    await settle();
    expect(named.getSnapshot()).toMatchObject({ status: 'opening', restored: true });
    whoNow = 'bob';
    conn2.reconnect();
    connected2();
    await quiesce([conn2], tick);
    await named.ready;
    expect(named.getSnapshot()).toMatchObject({ status: 'open', restored: false });
    expect(named.doc).toEqual(server.doc);
    await named.close();
    // Ann's kept copy is hers still (given back as it was), and Bob keeps his own.
    const kept = await persistence.loadAll('d1');
    expect(kept.map((r) => r.userId).sort()).toEqual(['ann', 'bob']);
    expect(kept.find((r) => r.userId === 'ann')).toEqual(annKept);

    // Named Bob by the app: Ann's record is not shown.
    const { server: s3, persistence: p3 } = await keptByAnn();
    const conn3 = offline(s3, 'bob');
    beforeHandshake(conn3, () => undefined);
    const other = new DocumentClient(conn3, s3.documentId, {
      persistence: p3,
      keepConfirmed: true,
      userId: 'bob',
    });
    await settle();
    expect(other.getSnapshot()).toMatchObject({ status: 'opening', restored: false });
    expect(other.doc.zones).toEqual({});
    await other.close();
  });
});
