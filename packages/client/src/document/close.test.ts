import { describe, expect, it } from 'vitest';
import { DocumentClient } from './document-client.js';
import {
  type FakeConnection,
  type FakeDocServerOptions,
  manualTimers,
  quiesce,
  world,
} from './fake-doc-server.js';
import type { DocNotice } from './types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** Ann's open document on a connection whose traffic the test delivers (`conn.drain()`). */
async function openManual(options: { closeTimeoutMs?: number; server?: FakeDocServerOptions } = {}) {
  const { timers, delays, run } = manualTimers();
  const w = world(options.server);
  const ann = w.open('ann', { auto: false, timers, closeTimeoutMs: options.closeTimeoutMs });
  await settle();
  ann.conn.drain();
  await ann.doc.ready;
  return { ...w, ...ann, delays, run };
}

/** Closed and done: nothing more is sent (not only closed for the app). */
const stopped = (doc: DocumentClient) => doc.getSnapshot().status === 'closed' && !doc.isClosing;

/** Who closed what (`onClose`) and whether the close promise settled, as the test goes. */
function closeOf(doc: DocumentClient, options?: { timeoutMs?: number }) {
  const closing = { done: false };
  Promise.resolve(doc.close(options)).then(() => {
    closing.done = true;
  });
  return closing;
}

describe('DocumentClient.close()', () => {
  it('waits while connected until the server has confirmed my last edits, then closes', async () => {
    const { server, conn, doc } = await openManual();
    doc.editText('z1', { pos: 5, ins: ' there' }); // in flight
    doc.editText('z2', { pos: 0, ins: 'big ' }); // waits behind it
    const closing = closeOf(doc);
    await settle();
    expect(closing.done).toBe(false);
    expect(doc.isClosing).toBe(true);
    expect(doc.getSnapshot().status).toBe('closed'); // for the app at once
    expect(conn.joined(`doc:${server.documentId}`)).toBe(true); // still sending
    expect(() => doc.editText('z1', { pos: 0, ins: '!' })).toThrow(/closed/); // no new edits meanwhile

    await quiesce([conn], tick);
    expect(closing.done).toBe(true);
    expect(doc.isClosing).toBe(false);
    expect(server.doc.zones.z1.text).toBe('hello there');
    expect(server.doc.zones.z2.text).toBe('big world');
    expect(conn.joined(`doc:${server.documentId}`)).toBe(false);
  });

  it('releases at once the locks of zones my unsent edits do not touch, the others once the edits are confirmed', async () => {
    const { server, conn, doc } = await openManual();
    const locked = Promise.all([doc.lock('z1'), doc.lock('z2')]);
    await quiesce([conn], tick);
    await locked;
    const unlocks = () => conn.requests.filter((r) => r.method === 'doc.unlock').map((r) => r.data.zoneId);
    doc.editText('z1', { pos: 5, ins: ' there' });
    const closing = closeOf(doc);
    await settle();
    expect(unlocks()).toEqual(['z2']); // the edit of z1 is not confirmed yet: someone else's lock would refuse it
    expect(closing.done).toBe(false);
    await quiesce([conn], tick);
    expect(closing.done).toBe(true);
    expect(unlocks()).toEqual(['z2', 'z1']);
    expect(server.doc.zones.z1.text).toBe('hello there');
  });

  it('closes at once when everything is confirmed, with timeoutMs 0, when offline, or once failed', async () => {
    const synced = await openManual();
    await synced.doc.close();
    expect(stopped(synced.doc)).toBe(true);

    const now = await openManual();
    now.doc.editText('z1', { pos: 0, ins: 'x' });
    void now.doc.close({ timeoutMs: 0 });
    expect(stopped(now.doc)).toBe(true);

    const option = await openManual({ closeTimeoutMs: 0 });
    option.doc.editText('z1', { pos: 0, ins: 'x' });
    void option.doc.close();
    expect(stopped(option.doc)).toBe(true);

    const offline = await openManual();
    offline.conn.disconnect();
    offline.doc.editText('z1', { pos: 0, ins: 'x' });
    void offline.doc.close(); // no waiting for a reconnect that may never come
    expect(stopped(offline.doc)).toBe(true);

    const refuse = () => ({ code: 'unknown_method', message: 'no doc.submit here' });
    const failing = await openManual({ server: { refuse } });
    failing.doc.editText('z1', { pos: 0, ins: 'x' });
    const closing = closeOf(failing.doc);
    await settle();
    expect(closing.done).toBe(false);
    failing.conn.drain();
    await settle();
    expect(stopped(failing.doc)).toBe(true); // the server cannot take the op: nothing to wait for
    expect(closing.done).toBe(true);
  });

  it('stops waiting when the connection drops, when the timeout runs out, or when asked to close now', async () => {
    const dropped = await openManual();
    dropped.doc.editText('z1', { pos: 0, ins: 'x' });
    const a = closeOf(dropped.doc);
    await settle();
    dropped.conn.disconnect();
    await settle();
    expect(a.done).toBe(true);

    const slow = await openManual({ closeTimeoutMs: 5_000 });
    slow.doc.editText('z1', { pos: 0, ins: 'x' });
    const b = closeOf(slow.doc);
    await settle();
    expect(slow.delays).toContain(5_000);
    expect(b.done).toBe(false);
    slow.run(); // the server never answered within closeTimeoutMs
    await settle();
    expect(b.done).toBe(true);
    expect(stopped(slow.doc)).toBe(true);

    const impatient = await openManual();
    impatient.doc.editText('z1', { pos: 0, ins: 'x' });
    const waiting = impatient.doc.close();
    expect(impatient.doc.close({ timeoutMs: 0 })).toBe(waiting); // the same close, now
    expect(stopped(impatient.doc)).toBe(true);
    await waiting;
  });

  it('without a configured persistence, keeps the edits a close could not send for the next client of the document on the same connection', async () => {
    const { server, open } = world();
    const first = open('ann');
    await first.doc.ready;
    first.conn.disconnect();
    first.doc.editText('z1', { pos: 5, ins: ' offline' });
    await first.doc.close(); // offline: at once, the edit unsent
    expect(server.version).toBe(0);
    // Another connection (another SynclineClient) has a memory of its own.
    const other = open('ann');
    await other.doc.ready;
    expect(other.doc.getSnapshot()).toMatchObject({ pending: 0, inflight: false });
    expect(other.doc.doc.zones.z1.text).toBe('hello');

    first.conn.reconnect();
    const again = new DocumentClient(first.conn, server.documentId);
    await again.ready;
    expect(again.doc.zones.z1.text).toBe('hello offline'); // restored at once
    await quiesce([first.conn], tick);
    expect(server.doc.zones.z1.text).toBe('hello offline');
    expect(again.doc).toEqual(server.doc);
  });

  it('a client of the document created while the previous one is closing opens once it is closed and sends each edit once', async () => {
    const { server, conn, doc, delays, run } = await openManual();
    doc.editText('z1', { pos: 5, ins: ' one' });
    doc.editText('z2', { pos: 0, ins: 'two ' });
    void doc.close();
    const next = new DocumentClient(conn, server.documentId);
    await settle();
    expect(conn.requests.filter((r) => r.method === 'doc.open')).toHaveLength(1); // the first client's only
    expect(delays).toContain(10_000);

    // The server answers the first op only; the close times out with the second unsent: the next client sends it.
    conn.deliverUp();
    while (conn.deliverDown()) {}
    await settle();
    run();
    await settle();
    expect(stopped(doc)).toBe(true);
    await quiesce([conn], tick);
    await next.ready;
    expect(server.doc.zones.z1.text).toBe('hello one');
    expect(server.doc.zones.z2.text).toBe('two world');
    expect(server.log.map((r) => r.opId)).toEqual([...new Set(server.log.map((r) => r.opId))]);
    expect(next.doc).toEqual(server.doc);
    expect(next.getSnapshot()).toMatchObject({ pending: 0, inflight: false });
    void next.close({ timeoutMs: 0 });
  });

  it('a client closed while waiting for the previous one to close does not take the room from it', async () => {
    const { server, conn, doc } = await openManual();
    doc.editText('z1', { pos: 5, ins: ' one' });
    void doc.close();
    void new DocumentClient(conn, server.documentId).close(); // never entered the room
    const last = new DocumentClient(conn, server.documentId);
    await settle();
    expect(conn.joined(`doc:${server.documentId}`)).toBe(true);
    await quiesce([conn], tick);
    expect(stopped(doc)).toBe(true);
    await last.ready;
    expect(server.doc.zones.z1.text).toBe('hello one');
    expect(last.doc).toEqual(server.doc);
    expect(conn.joined(`doc:${server.documentId}`)).toBe(true);
  });
});

describe('the default persistence, shared by the documents of one connection', () => {
  it("does not submit another user's edits when the connection signs in as someone else", async () => {
    const { server, open } = world();
    const ann = open('ann');
    await ann.doc.ready;
    ann.conn.disconnect();
    ann.doc.editText('z1', { pos: 0, ins: 'ann: ' });
    await ann.doc.close(); // offline: kept in the connection's memory

    // The same client, signed in again as Bob (a shared device): the server now knows it as Bob.
    const conn: FakeConnection = ann.conn;
    Object.defineProperty(conn, 'userId', { value: 'bob' });
    conn.reconnect();
    const bob = new DocumentClient(conn, server.documentId);
    const notices: DocNotice[] = [];
    bob.on('notice', (n) => notices.push(n));
    await bob.ready;
    await quiesce([conn], tick);
    expect(notices).toEqual([
      { reason: 'discarded_other_user', zoneIds: ['z1'], partial: false, action: 'restore' },
    ]);
    expect(server.version).toBe(0);
    expect(bob.doc).toEqual(server.doc);
    bob.editText('z2', { pos: 0, ins: 'bob: ' });
    await quiesce([conn], tick);
    expect(server.log.map((r) => [r.userId, r.op !== null])).toEqual([['bob', true]]);
    expect(server.doc.zones.z1.text).toBe('hello');
  });
});
