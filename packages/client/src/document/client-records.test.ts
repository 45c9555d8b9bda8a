import { describe, expect, it } from 'vitest';
import type { Clock } from '../environment.js';
import { DocumentClient } from './document-client.js';
import { type FakeDocServer, quiesce, world } from './fake-doc-server.js';
import { MemoryDocPersistence } from './persistence.js';
import type { DocConflict, DocRejection } from './types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** Two tabs of Ann on one persistence, both offline: each types into its own zone, then both are closed. */
async function twoTabsOffline(persistence: MemoryDocPersistence, clock?: Clock) {
  const w = world();
  const a = w.open('ann', { persistence, clock });
  const b = w.open('ann', { persistence, clock });
  await Promise.all([a.doc.ready, b.doc.ready]);
  a.conn.disconnect();
  b.conn.disconnect();
  a.doc.editText('z1', { pos: 0, ins: 'A:' });
  b.doc.editText('z2', { pos: 0, ins: 'B:' });
  await settle();
  return { ...w, a, b };
}

const texts = (server: FakeDocServer) => [server.doc.zones.z1.text, server.doc.zones.z2.text];

/**
 * A memory persistence whose claims that `gated` picks are taken at once but answered only when the test opens the
 * gate, as a browser's Web Lock may answer later than it is granted. `reached` resolves when one waits.
 */
class GatedClaims extends MemoryDocPersistence {
  readonly gate = gate();
  constructor(private readonly gated: (clientKey: string, options?: { fresh?: boolean }) => boolean) {
    super();
  }
  override async claim(documentId: string, clientKey: string, options?: { fresh?: boolean }) {
    const claim = super.claim(documentId, clientKey);
    if (this.gated(clientKey, options)) await this.gate.pass();
    return claim;
  }
}

/** Passage shut until `open()`; `reached` resolves once something waits at it while shut. */
function gate() {
  let isOpen = true;
  const waiting: (() => void)[] = [];
  let arrived!: () => void;
  const g = {
    reached: Promise.resolve(),
    shut() {
      isOpen = false;
      g.reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
    },
    open() {
      isOpen = true;
      for (const pass of waiting.splice(0)) pass();
    },
    pass(): Promise<void> {
      if (isOpen) return Promise.resolve();
      arrived();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
  return g;
}

describe('one record per document client', () => {
  it('two tabs that edit offline keep a record each; the next client sends both sets of edits', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    expect(persistence.recordCount('d1')).toBe(2); // with one record per document, the second save erased the first
    await a.doc.close({ timeoutMs: 0 });
    await b.doc.close({ timeoutMs: 0 });
    expect(persistence.recordCount('d1')).toBe(2);

    const reloaded = open('ann', { persistence });
    await reloaded.doc.ready;
    await quiesce([reloaded.conn], tick);
    await settle();
    // One record restored here, the other sent by a hidden client; both reached the server once.
    expect(texts(server)).toEqual(['A:hello', 'B:world']);
    expect(server.version).toBe(2);
    expect(reloaded.doc.doc).toEqual(server.doc);
    expect(persistence.recordCount('d1')).toBe(0); // all confirmed: nothing left to send
    await reloaded.doc.close();
  });

  it("leaves an open tab's records alone: each tab sends its own edits", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    // Both tabs stay open, offline; a third one opens online.
    const third = open('ann', { persistence });
    await third.doc.ready;
    await quiesce([third.conn], tick);
    await settle();
    expect(texts(server)).toEqual(['hello', 'world']);
    await third.doc.close();
    expect(persistence.recordCount('d1')).toBe(2);
    a.conn.reconnect();
    await quiesce([a.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'world']);
    expect(persistence.recordCount('d1')).toBe(1); // B's, until B is back or its next client
    await b.doc.close({ timeoutMs: 0 });
    await a.doc.close();
  });

  it("takes over an open tab's record as soon as that tab is gone, and sends its edits", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    const third = open('ann', { persistence, keepConfirmed: true });
    await third.doc.ready;
    await quiesce([third.conn], tick);
    expect(texts(server)).toEqual(['hello', 'world']);
    await b.doc.close({ timeoutMs: 0 }); // B's tab closes, its edit unsent: the open third tab sends it
    await settle();
    await quiesce([third.conn], tick);
    expect(texts(server)).toEqual(['hello', 'B:world']);
    await a.doc.close({ timeoutMs: 0 });
    await settle();
    await quiesce([third.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'B:world']);
    expect(third.doc.doc).toEqual(server.doc);
    expect(persistence.recordCount('d1')).toBe(0); // sent and confirmed; the third keeps its own when it saves
    await third.doc.close();
    expect(await persistence.loadAll('d1')).toMatchObject([{ version: 2, opIds: [] }]);
  });

  it('back online, an open tab sends the edits of a tab opened after it and closed offline', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, a, b } = await twoTabsOffline(persistence); // A loaded first: it never saw B's record
    await b.doc.close({ timeoutMs: 0 });
    a.conn.reconnect();
    await quiesce([a.conn], tick);
    await settle();
    await quiesce([a.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'B:world']);
    expect(a.doc.doc).toEqual(server.doc);
    expect(persistence.recordCount('d1')).toBe(0);
    await a.doc.close();
  });

  it("takes over a closed tab's record but not an open one's, and shows an open tab's confirmed state offline", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    await b.doc.close({ timeoutMs: 0 }); // B gone; A still open offline

    const reloaded = open('ann', { persistence });
    await reloaded.doc.ready;
    await quiesce([reloaded.conn], tick);
    await settle();
    expect(texts(server)).toEqual(['hello', 'B:world']); // B's edit sent; A's left to A
    expect(persistence.recordCount('d1')).toBe(1);
    a.conn.reconnect();
    await quiesce([a.conn, reloaded.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'B:world']);
    expect(server.version).toBe(2);
    expect(reloaded.doc.doc).toEqual(server.doc);
    expect(a.doc.doc).toEqual(server.doc);
    await reloaded.doc.close();
    await a.doc.close();
    expect(persistence.recordCount('d1')).toBe(0);

    // With keepConfirmed: a tab opened offline while another is open shows that tab's confirmed state at once.
    const kept = new MemoryDocPersistence();
    const live = open('ann', { persistence: kept, keepConfirmed: true });
    await live.doc.ready;
    await live.doc.close(); // its kept record
    const tab = open('ann', { persistence: kept, keepConfirmed: true });
    await tab.doc.ready;
    const conn = server.connect('ann');
    conn.disconnect();
    const offline = new DocumentClient(conn, server.documentId, { persistence: kept, keepConfirmed: true });
    await settle();
    expect(offline.getSnapshot()).toMatchObject({ status: 'opening', restored: true });
    expect(offline.doc).toEqual(server.doc);
    await offline.close({ timeoutMs: 0 });
    await tab.doc.close();
  });

  it('tells the app about a conflict of the edits it sends for a closed tab', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    await a.doc.close({ timeoutMs: 0 });
    await b.doc.close({ timeoutMs: 0 });
    server.commit(['zones', 'z2', { r: true }], 'bob'); // Bob deletes the zone tab B typed into
    const reloaded = open('ann', { persistence });
    const conflicts: DocConflict[] = [];
    reloaded.doc.on('conflict', (c) => conflicts.push(c));
    await reloaded.doc.ready;
    await quiesce([reloaded.conn], tick);
    await settle();
    expect(server.doc.zones.z1.text).toBe('A:hello');
    expect(server.doc.zones.z2).toBeUndefined();
    expect(conflicts.filter((c) => c.zoneId === 'z2')).toHaveLength(1); // once, not again through the hidden client
    expect(reloaded.doc.doc).toEqual(server.doc);
    expect(persistence.recordCount('d1')).toBe(0);
    await reloaded.doc.close();
  });

  it('tells the app when the server refuses the edits it sends for a closed tab', async () => {
    const persistence = new MemoryDocPersistence();
    let time = 1_000;
    const { server, open, a, b } = await twoTabsOffline(persistence, { now: () => time });
    time += 10;
    a.doc.editText('z1', { pos: 0, ins: '+' }); // A's record is the newest: restored by the visible client
    await settle();
    await a.doc.close({ timeoutMs: 0 });
    await b.doc.close({ timeoutMs: 0 });
    server.locks.set('z2', { zoneId: 'z2', userId: 'bob', expiresAt: Number.MAX_SAFE_INTEGER });
    const reloaded = open('ann', { persistence });
    const rejections: DocRejection[] = [];
    reloaded.doc.on('rejected', (r) => rejections.push(r));
    await reloaded.doc.ready;
    await quiesce([reloaded.conn], tick);
    await settle();
    expect(texts(server)).toEqual(['+A:hello', 'world']);
    expect(rejections).toMatchObject([{ code: 'zone_locked', zoneIds: ['z2'] }]); // B's edit, sent by the hidden client
    await reloaded.doc.close();
  });

  it("keeps another tab's confirmed state when that tab closes before this one kept its own", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    const one = open('ann', { persistence, keepConfirmed: true });
    await one.doc.ready;
    await one.doc.close(); // its kept record
    const live = open('ann', { persistence, keepConfirmed: true });
    await live.doc.ready; // took it over
    const conn = server.connect('ann');
    conn.disconnect();
    const offline = new DocumentClient(conn, server.documentId, { persistence, keepConfirmed: true });
    await settle();
    expect(offline.getSnapshot()).toMatchObject({ restored: true }); // the open tab's confirmed state
    await live.doc.close(); // gone: its record is this one's to take, and the only copy kept
    await settle();
    expect(persistence.recordCount('d1')).toBe(1);
    await offline.close({ timeoutMs: 0 });
    const conn2 = server.connect('ann');
    conn2.disconnect();
    const reloaded = new DocumentClient(conn2, server.documentId, { persistence, keepConfirmed: true });
    await settle();
    expect(reloaded.getSnapshot()).toMatchObject({ restored: true });
    expect(reloaded.doc).toEqual(server.doc);
    await reloaded.close({ timeoutMs: 0 });
  });

  it('a client closed while it loads gives its claims back before close() resolves', async () => {
    const persistence = new GatedClaims((_key, options) => !options?.fresh); // a stored record's claim waits
    const { server, open } = world();
    const a = open('ann', { persistence });
    persistence.gate.open();
    await a.doc.ready;
    a.conn.disconnect();
    a.doc.editText('z1', { pos: 0, ins: 'A:' });
    await a.doc.close({ timeoutMs: 0 }); // its record, unsent
    persistence.gate.shut();
    const brief = open('ann', { persistence });
    await persistence.gate.reached; // claiming A's record: taken, not answered yet
    let closed = false;
    const closing = brief.doc.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false); // not while its load still holds a claim
    persistence.gate.open();
    await closing;
    const next = open('ann', { persistence });
    next.conn.disconnect();
    await settle(6);
    // It took the record over as its own (its edit shown), not found it held by the closed client.
    const shown = next.doc.getSnapshot();
    expect(shown).toMatchObject({ restored: true });
    expect(shown.pending + (shown.inflight ? 1 : 0)).toBe(1);
    next.conn.reconnect();
    await next.doc.ready;
    await quiesce([next.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'world']);
    expect(persistence.recordCount('d1')).toBe(0);
    await next.doc.close();
  });

  it('a hidden client closed while it loads gives back the record it was handed', async () => {
    let fresh = 0;
    // The second fresh key claimed (the hidden client's) waits: the visible client closes meanwhile.
    const persistence = new GatedClaims((_key, options) => options?.fresh === true && ++fresh === 2);
    persistence.gate.open();
    const { server, open, a, b } = await twoTabsOffline(persistence);
    await a.doc.close({ timeoutMs: 0 });
    await b.doc.close({ timeoutMs: 0 });
    fresh = 0;
    persistence.gate.shut();
    const brief = open('ann', { persistence });
    brief.conn.disconnect();
    await persistence.gate.reached; // its hidden client is claiming its fresh key
    await brief.doc.close({ timeoutMs: 0 });
    persistence.gate.open();
    await settle();
    const next = open('ann', { persistence });
    await next.doc.ready;
    await quiesce([next.conn], tick);
    await settle();
    await quiesce([next.conn], tick);
    expect(texts(server)).toEqual(['A:hello', 'B:world']);
    expect(persistence.recordCount('d1')).toBe(0);
    await next.doc.close();
  });
});
