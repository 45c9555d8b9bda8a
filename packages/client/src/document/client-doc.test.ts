import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserGlobals } from '../environment.js';
import { setup, tick } from '../testing/harness.js';
import { DocumentClient } from './document-client.js';
import { MemoryDocPersistence, type PersistedDoc } from './persistence.js';

const T0 = 1_000_000;

/** The server's side of `client.doc('d1')` on socket `ws`: the room entered, then an empty document at `version`. */
async function enterAndOpen(ws: Awaited<ReturnType<ReturnType<typeof setup>['open']>>, version = 0) {
  await tick();
  ws.deliver({ type: 'ack', id: ws.last('join_room').id, data: { room: 'doc:d1', seq: 0, status: 'fresh' } });
  await tick();
  ws.deliver({
    type: 'response',
    id: ws.last('request').id,
    data: {
      documentId: 'd1',
      version,
      snapshot: { meta: {}, zones: {} },
      checksum: '',
      locks: [],
      members: [],
    },
  });
}

describe('SynclineClient.doc()', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('a document id no document can have fails the document alone (invalid), not the connection', async () => {
    const { client, open } = setup();
    const ws = await open();
    const doc = client.doc('50%');
    await expect(doc.ready).rejects.toMatchObject({ code: 'invalid' });
    expect(doc.getSnapshot().status).toBe('failed');
    // A lone surrogate too (PostgreSQL and SQLite would read it back as U+FFFD).
    await expect(client.doc('d\uD800').ready).rejects.toMatchObject({ code: 'invalid' });
    expect(ws.sentOf('join_room')).toEqual([]);
    expect(client.state).toBe('open');
    client.close();
  });

  it('a document asked of a closed client closes at once: ready rejects closed, nothing hangs', async () => {
    const { client, open } = setup();
    await open();
    client.close();
    const doc = client.doc('d1');
    const ready = doc.ready.then(
      () => 'resolved',
      (e: { code: string }) => `rejected ${e.code}`,
    );
    for (let i = 0; i < 5; i++) await tick();
    expect(await ready).toBe('rejected closed');
    expect(doc.getSnapshot().status).toBe('closed');
    await expect(doc.whenSynced()).resolves.toBeUndefined();
    expect(client.doc('d1')).not.toBe(doc); // not kept
  });

  it('joins and opens the document over the real client, submits ops and takes their broadcast as the ack', async () => {
    const { client, open } = setup();
    const ws = await open();
    const doc = client.doc('d1');
    expect(doc).toBeInstanceOf(DocumentClient);
    expect(client.doc('d1')).toBe(doc); // cached
    await tick();

    const join = ws.last('join_room');
    expect(join).toMatchObject({ room: 'doc:d1' });
    ws.deliver({ type: 'ack', id: join.id, data: { room: 'doc:d1', seq: 0, status: 'fresh' } });
    await tick();
    const openReq = ws.last('request');
    expect(openReq).toMatchObject({ method: 'doc.open', data: { documentId: 'd1' } });
    ws.deliver({
      type: 'response',
      id: openReq.id,
      data: {
        documentId: 'd1',
        version: 0,
        snapshot: { meta: {}, zones: {} },
        checksum: '',
        locks: [],
        members: [],
      },
    });
    await doc.ready;
    expect(doc.getSnapshot().status).toBe('open');

    doc.createZone({
      id: 'z1',
      page: 0,
      bbox: { x: 0, y: 0, w: 1, h: 1 },
      type: 'heading',
      label: 'Title',
      confidence: 1,
      text: 'Hi',
    });
    const submit = ws.last('request');
    expect(submit).toMatchObject({ method: 'doc.submit', data: { documentId: 'd1', v: 0 } });
    const { op, opId } = submit.data;
    expect(doc.doc.zones.z1).toMatchObject({ text: 'Hi', updatedBy: 'u1', updatedAt: T0 });

    // The broadcast first, then the reply.
    ws.deliver({
      type: 'zone_create',
      room: 'doc:d1',
      seq: 1,
      ts: T0,
      data: { documentId: 'd1', version: 1, op, opId, userId: 'u1', zoneIds: ['z1'], zone: doc.doc.zones.z1 },
    });
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false });
    ws.deliver({ type: 'response', id: submit.id, data: { version: 1 } });
    await tick();
    expect(doc.version).toBe(1);

    doc.close();
    await tick();
    expect(ws.last('leave_room')).toMatchObject({ room: 'doc:d1' });
    const again = client.doc('d1');
    expect(again).not.toBe(doc);
    client.close();
    expect(again.getSnapshot().status).toBe('closed');
  });

  it("gives its documents the client's window: keepConfirmed saves on the client's pagehide", async () => {
    const window = Object.assign(new EventTarget(), {
      document: Object.assign(new EventTarget(), { visibilityState: 'visible' }),
    }) satisfies BrowserGlobals;
    const { client, open } = setup({ globals: window });
    const ws = await open();
    const saves: PersistedDoc[] = [];
    const persistence = new MemoryDocPersistence();
    const save = persistence.save.bind(persistence);
    persistence.save = async (record) => {
      saves.push(record);
      return save(record);
    };
    const doc = client.doc('d1', { persistence, keepConfirmed: true });
    await enterAndOpen(ws, 3);
    await doc.ready;
    expect(saves).toHaveLength(0); // the first kept save waits keepConfirmedEveryMs
    window.dispatchEvent(new Event('pagehide'));
    expect(saves.map((r) => r.version)).toEqual([3]);
    client.close();
  });

  it('doc() while the instance is closing gives a new one, which opens once the old one has sent my last edit', async () => {
    const { client, open } = setup();
    const ws = await open();
    const doc = client.doc('d1');
    await tick();
    ws.deliver({
      type: 'ack',
      id: ws.last('join_room').id,
      data: { room: 'doc:d1', seq: 0, status: 'fresh' },
    });
    await tick();
    const opened = {
      documentId: 'd1',
      snapshot: { meta: {}, zones: {} },
      checksum: '',
      locks: [],
      members: [],
    };
    ws.deliver({ type: 'response', id: ws.last('request').id, data: { ...opened, version: 0 } });
    await doc.ready;
    doc.setMeta('title', 'Last words');
    const submit = ws.last('request');
    const closed = doc.close();
    expect(doc.getSnapshot().status).toBe('closed');
    const again = client.doc('d1');
    expect(again).not.toBe(doc);
    expect(client.doc('d1')).toBe(again);
    await tick();
    expect(ws.sentOf('leave_room')).toHaveLength(0); // the old one is still sending
    expect(ws.sentOf('join_room')).toHaveLength(1); // and the new one waits for it

    ws.deliver({ type: 'response', id: submit.id, data: { version: 1 } });
    ws.deliver({
      type: 'doc_op',
      room: 'doc:d1',
      seq: 1,
      ts: T0,
      data: { documentId: 'd1', version: 1, op: submit.data.op, opId: submit.data.opId, userId: 'u1' },
    });
    await closed;
    await tick();
    expect(ws.last('leave_room')).toMatchObject({ room: 'doc:d1' });
    expect(ws.sentOf('join_room')).toHaveLength(2);
    client.close();
  });

  it('queues nothing in the outbox while offline: the document keeps the edits and sends them after the handshake', async () => {
    const { client, open, net } = setup();
    let ws = await open();
    const doc = client.doc('d1');
    await enterAndOpen(ws);
    await doc.ready;
    ws.serverClose(1006);
    await tick();
    doc.setMeta('title', 'Offline');
    doc.setMeta('title', 'Offline 2');
    expect(client.queued).toBe(0);
    expect(doc.getSnapshot()).toMatchObject({ status: 'offline', pending: 1 });

    await vi.advanceTimersByTimeAsync(1_000);
    ws = net.current;
    ws.accept();
    ws.deliver({
      type: 'welcome',
      v: 1,
      sessionId: 's',
      resumeKey: 'k',
      resumed: true,
      userId: 'u1',
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      maxPayload: 65_536,
      sessionGraceMs: 120_000,
      rooms: [{ room: 'doc:d1', seq: 0, status: 'resumed' }],
      serverTime: T0,
    });
    await tick();
    const submits = ws.sentOf('request').filter((m) => m.method === 'doc.submit');
    expect(submits).toHaveLength(1);
    expect(submits[0].data).toMatchObject({ v: 0, op: ['meta', 'title', { i: 'Offline 2' }] });
    client.close();
  });
});
