import { CLOSE_TIMEOUT_MS, type DocumentClientOptions, type SynclineClient } from '@syncline/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeWebSocket, welcome } from '../../client/src/testing/fake-websocket.js';
import { setup, tick } from '../../client/src/testing/harness.js';
import { DocumentLeases } from './document-leases.js';
import { RoomLeases } from './room-leases.js';

/** A client on fake sockets with the provider's room and document leases over it. */
async function leased(
  options: DocumentClientOptions = {},
  welcomed: Parameters<ReturnType<typeof setup>['open']>[0] = {},
) {
  const h = setup();
  const ws = await h.open(welcomed);
  // The harness builds its client from the client's src (see room-leases.test.ts): one class, seen twice.
  const client = h.client as unknown as SynclineClient;
  const rooms = new RoomLeases(client);
  const docs = new DocumentLeases(client, rooms, () => options, null);
  return { ...h, ws, client, rooms, docs };
}

/** Answers the document's join and open (an empty document at version 0). */
async function answerOpen(ws: FakeWebSocket) {
  await tick();
  ws.deliver({ type: 'ack', id: ws.last('join_room').id, data: { room: 'doc:d1', seq: 0, status: 'fresh' } });
  await tick();
  const open = ws
    .sentOf('request')
    .filter((m) => m.method === 'doc.open')
    .at(-1);
  ws.deliver({
    type: 'ack',
    id: open?.id,
    data: { documentId: 'd1', version: 0, snapshot: { zones: {}, meta: {} }, locks: [], members: [] },
  });
  await tick();
}

const newZone = {
  id: 'z1',
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: 'x',
} as const;

describe('DocumentLeases', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("enters the document's room again when the document retries a join that failed (slow network)", async () => {
    const { ws, docs, client } = await leased();
    const lease = docs.acquire('d1');
    lease.doc.on('error', () => {});
    await tick();
    const first = ws.sentOf('join_room');
    expect(first.map((m) => m.room)).toEqual(['doc:d1']);
    ws.deliver({ type: 'nack', id: first[0].id, code: 'timeout', message: 'slow' });
    await tick();
    // The document waits out its backoff, then joins again: the room must really be entered again.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ws.sentOf('join_room').map((m) => m.room)).toEqual(['doc:d1', 'doc:d1']);
    ws.deliver({
      type: 'ack',
      id: ws.last('join_room').id,
      data: { room: 'doc:d1', seq: 0, status: 'fresh' },
    });
    await tick();
    expect(ws.sentOf('request').filter((m) => m.method === 'doc.open')).toHaveLength(1);
    lease.release();
    client.close();
  });

  it('enters the room again when the server did not re-enter it after a reconnect', async () => {
    const { ws, net, docs, client } = await leased();
    const lease = docs.acquire('d1');
    lease.doc.on('error', () => {});
    await tick();
    ws.deliver({
      type: 'ack',
      id: ws.last('join_room').id,
      data: { room: 'doc:d1', seq: 0, status: 'fresh' },
    });
    await tick();
    const open = ws.sentOf('request').find((m) => m.method === 'doc.open');
    ws.deliver({
      type: 'ack',
      id: open?.id,
      data: { documentId: 'd1', version: 0, snapshot: { zones: {}, meta: {} }, locks: [], members: [] },
    });
    await tick();
    expect(lease.doc.status).toBe('open');

    ws.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    const ws2 = net.current;
    expect(ws2).not.toBe(ws);
    ws2.accept();
    ws2.deliver(
      welcome({
        sessionId: 'sess-2',
        rooms: [{ room: 'doc:d1', seq: 0, status: 'refused', code: 'internal', message: 'try again' }],
      }),
    );
    await tick();
    // The document asks to join again: the client must send the command, not trust the old membership.
    expect(ws2.sentOf('join_room').map((m) => m.room)).toEqual(['doc:d1']);
    lease.release();
    client.close();
  });

  it("renews a document's zone lock on the server's clock (the device's clock a minute behind)", async () => {
    const { ws, docs, client } = await leased({}, { serverTime: Date.now() + 60_000 });
    const lease = docs.acquire('d1');
    await answerOpen(ws);
    const locked = lease.doc.lock('z0');
    await tick();
    const locks = () => ws.sentOf('request').filter((m) => m.method === 'doc.lock');
    // A 30 s lease by the server's clock: renewed after 10 s (on the device's clock it looked 90 s long).
    ws.deliver({
      type: 'ack',
      id: locks()[0]?.id,
      data: { zoneId: 'z0', userId: 'u1', expiresAt: Date.now() + 90_000 },
    });
    await locked;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(locks()).toHaveLength(2);
    lease.release();
    client.close();
  });

  it("keeps a released document open while my edits are unconfirmed, at most the document's closeTimeoutMs, then closes it at once", async () => {
    const { ws, docs, client } = await leased();
    const lease = docs.acquire('d1');
    await answerOpen(ws);
    const locked = lease.doc.lock('z0');
    await tick();
    const lock = ws.sentOf('request').find((m) => m.method === 'doc.lock');
    ws.deliver({
      type: 'ack',
      id: lock?.id,
      data: { zoneId: 'z0', userId: 'u1', expiresAt: Date.now() + 30_000 },
    });
    await locked;
    lease.doc.createZone(newZone);
    await tick();
    expect(ws.sentOf('request').filter((m) => m.method === 'doc.submit')).toHaveLength(1);
    lease.release();
    await tick();
    // The server has not answered: the document stays open (and in its room), and comes back to the next lease.
    expect(docs.open()).toEqual(['d1']);
    expect(ws.sentOf('leave_room')).toHaveLength(0);
    // My lock of a zone the unconfirmed edit does not touch is released at once.
    const unlocks = ws.sentOf('request').filter((m) => m.method === 'doc.unlock');
    expect(unlocks.map((m) => (m.data as { zoneId: string }).zoneId)).toEqual(['z0']);
    const again = docs.acquire('d1');
    expect(again.doc).toBe(lease.doc);
    again.release();
    await vi.advanceTimersByTimeAsync(CLOSE_TIMEOUT_MS - 1);
    expect(docs.open()).toEqual(['d1']);
    await vi.advanceTimersByTimeAsync(1);
    expect(docs.open()).toEqual([]);
    // One wait, not the grace and then the document's own: closed and stopped, and only then out of its room.
    expect(lease.doc.status).toBe('closed');
    expect(lease.doc.isClosing).toBe(false);
    expect(ws.sentOf('leave_room').map((m) => m.room)).toEqual(['doc:d1']);
    client.close();
  });

  it('waits as long as the closeTimeoutMs of the document options', async () => {
    const { ws, docs, client } = await leased({ closeTimeoutMs: 2_000 });
    const lease = docs.acquire('d1');
    await answerOpen(ws);
    lease.doc.createZone(newZone);
    lease.release();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(docs.open()).toEqual(['d1']);
    await vi.advanceTimersByTimeAsync(1);
    expect(docs.open()).toEqual([]);
    expect(lease.doc.isClosing).toBe(false);
    client.close();
  });

  it('a document opened again after a close that left my edits unconfirmed restores and sends them', async () => {
    const { ws, docs, client } = await leased();
    const lease = docs.acquire('d1');
    await answerOpen(ws);
    lease.doc.createZone(newZone);
    await tick();
    const submit = ws.sentOf('request').filter((m) => m.method === 'doc.submit');
    expect(submit).toHaveLength(1);
    lease.release();
    await vi.advanceTimersByTimeAsync(CLOSE_TIMEOUT_MS); // the server never answered
    expect(docs.open()).toEqual([]);

    const next = docs.acquire('d1');
    expect(next.doc).not.toBe(lease.doc);
    await answerOpen(ws);
    expect(next.doc.zone('z1')?.text).toBe('x'); // kept in the client's memory, not lost with the old transport
    expect(next.doc.getSnapshot()).toMatchObject({ inflight: true });
    const again = ws.sentOf('request').filter((m) => m.method === 'doc.submit');
    expect(again).toHaveLength(2);
    expect(again[1].data).toMatchObject({ opId: (submit[0].data as { opId: string }).opId });
    next.release();
    client.close();
  });
});
