import { zoneDelete } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import {
  type FakeConnection,
  type FakeDocServerOptions,
  failRequests,
  manualTimers,
  quiesce,
  world,
} from './fake-doc-server.js';
import type { DocNotice, DocResync } from './types.js';

// Every test runs on hand-run timers (a retry that fired by itself would hide an ordering) and in memory.

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** Moves the first reply waiting for the client to the end of what it will receive. */
function replyLast(conn: FakeConnection): void {
  const i = conn.downlink.findIndex((d) => d.kind === 'reply');
  conn.downlink.push(...conn.downlink.splice(i, 1));
}

/**
 * Ann types X (in flight); the server's copy differs (tampered), so a checksum makes her re-open; the server
 * commits her X (v1) and then answers the open with a snapshot holding it; the submit's reply comes last.
 */
async function resyncWhileInFlight(options: FakeDocServerOptions) {
  const { server, open } = world(options);
  const { conn, doc } = open('ann', { auto: false, undoCaptureMs: 0, timers: manualTimers().timers });
  await quiesce([conn], tick);
  await doc.ready;
  const resyncs: DocResync[] = [];
  doc.on('resync', (r) => resyncs.push(r));
  doc.editText('z1', { pos: 0, ins: 'X' }); // in flight
  server.tamper(['zones', 'z2', 'label', { r: '', i: 'fixed' }]); // the replicas differ
  server.sendChecksum(); // for v0: a mismatch, re-open
  conn.deliverDown();
  await settle();
  conn.deliverUp(); // my submit: v1
  conn.deliverUp(); // the open: a snapshot at v1, with my X
  replyLast(conn); // the submit's reply comes after the open's
  return { server, conn, doc, resyncs };
}

describe('undo across a resync from a snapshot', () => {
  it('keeps my undo step when the reply to my in-flight op comes after the open (the ops name my op)', async () => {
    const { server, conn, doc, resyncs } = await resyncWhileInFlight({});
    doc.editText('z1', { pos: 1, ins: 'Y' }); // typed after X, not sent yet
    conn.deliverDown(); // my op's event (buffered: opening)
    conn.deliverDown(); // the open
    await settle();
    expect(resyncs).toMatchObject([{ reason: 'checksum', method: 'snapshot' }]);
    // The open's ops say the snapshot holds my op: not shown twice, not in flight any more; Y still after X.
    expect(doc.getSnapshot()).toMatchObject({ version: 1 });
    expect(doc.doc.zones.z1.text).toBe('XYhello');
    await quiesce([conn], tick); // the late reply changes nothing
    expect(server.doc.zones.z1.text).toBe('XYhello');
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true); // Y
    expect(doc.undo()).toBe(true); // my X, not an empty step
    expect(doc.doc.zones.z1.text).toBe('hello');
    expect(doc.doc.zones.z2.label).toBe('fixed');
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('hello');
    expect(doc.doc).toEqual(server.doc);
  });

  it('knows from an open without ops that its snapshot holds my in-flight op (committed), and keeps my undo step', async () => {
    const { server, conn, doc, resyncs } = await resyncWhileInFlight({ opsOnOpen: false });
    expect(server.opens.at(-1)?.data).toMatchObject({ opIds: [expect.any(String)] });
    doc.editText('z1', { pos: 1, ins: 'Y' }); // typed after X, not sent yet
    conn.deliverDown(); // my op's event (buffered: opening)
    conn.deliverDown(); // the open: not held, its `committed` names my op
    await settle();
    expect(resyncs).toMatchObject([{ reason: 'checksum', method: 'snapshot' }]);
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', version: 1 });
    expect(doc.doc.zones.z1.text).toBe('XYhello'); // not twice, Y still after X
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('XYhello');
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true); // Y
    expect(doc.undo()).toBe(true); // my X, not an empty step
    expect(doc.doc.zones.z1.text).toBe('hello');
    await quiesce([conn], tick);
    expect(doc.doc).toEqual(server.doc);
  });

  it('holds an open without ops (from a server that does not say what it committed) until my in-flight op is answered, then keeps my undo step', async () => {
    const { server, conn, doc } = await resyncWhileInFlight({ opsOnOpen: false, committedOnOpen: false });
    conn.deliverDown(); // my op's event (buffered)
    conn.deliverDown(); // the open: whether it holds my op, only the submit's reply can tell
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'resyncing', version: 0, inflight: true });
    expect(doc.doc.zones.z1.text).toBe('Xhello'); // not twice
    doc.editText('z1', { pos: 1, ins: 'Y' }); // typed meanwhile: waits
    await settle();
    expect(conn.uplink).toHaveLength(0);
    conn.deliverDown(); // the reply: v1
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', version: 1 });
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('XYhello');
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true); // Y
    expect(doc.undo()).toBe(true); // X: my step survived the rebase
    expect(doc.doc.zones.z1.text).toBe('hello');
    expect(doc.doc.zones.z2.label).toBe('fixed');
    await quiesce([conn], tick);
    expect(doc.doc).toEqual(server.doc);
  });

  it('keeps my undo step when the reply was lost and the re-sent op is answered duplicate after the open', async () => {
    const { server, open } = world({ opsOnOpen: false });
    const { conn, doc } = open('ann', { auto: false, timers: manualTimers().timers });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 0, ins: 'X' }); // in flight
    conn.deliverUp(); // committed at v1
    conn.disconnect(); // its reply and event are lost
    await settle();
    conn.reconnect({ reset: true }); // the op is re-sent; the room is reset: re-open
    conn.deliverDown(); // the reset
    await settle();
    expect(conn.requests.map((r) => r.method).slice(-2)).toEqual(['doc.submit', 'doc.open']);
    conn.deliverUp(); // the submit again: {version: 1, duplicate: true}
    conn.deliverUp(); // the open: a snapshot at v1
    replyLast(conn);
    await quiesce([conn], tick);
    expect(server.version).toBe(1);
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false, pending: 0 });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true);
    expect(doc.doc.zones.z1.text).toBe('hello');
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('hello');
  });

  it('asks again about my in-flight op whose reply was lost before holding the open for it', async () => {
    const { timers, delays, run } = manualTimers();
    const { server, open } = world({ opsOnOpen: false, committedOnOpen: false });
    const { conn, doc } = open('ann', { auto: false, timers });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 0, ins: 'X' }); // in flight
    server.tamper(['zones', 'z2', 'label', { r: '', i: 'fixed' }]);
    server.sendChecksum();
    conn.deliverDown(); // a mismatch: re-open
    await settle();
    conn.deliverUp(); // my submit: v1
    conn.disconnect(); // its reply is lost; the open is sent again after the reconnect
    await settle();
    const submits = failRequests(conn, 'doc.submit', ['unavailable']);
    conn.reconnect();
    await quiesce([conn], tick);
    // The open's snapshot (v1) may hold my op: it waits while the op is asked about, through a failure.
    expect(submits).toHaveLength(1);
    expect(doc.getSnapshot()).toMatchObject({ status: 'resyncing', version: 0, inflight: true });
    expect(delays).toEqual([1_000]);
    run();
    await quiesce([conn], tick);
    expect(submits).toHaveLength(2);
    expect(server.version).toBe(1);
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', version: 1, inflight: false });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true);
    expect(doc.doc.zones.z1.text).toBe('hello');
    expect(doc.doc.zones.z2.label).toBe('fixed');
  });

  it('drops my in-flight op answered noop after the rebase, with the notice of the zone deleted by another', async () => {
    const { server, open } = world({ opsOnOpen: false });
    const { conn, doc } = open('ann', { auto: false, timers: manualTimers().timers });
    await quiesce([conn], tick);
    await doc.ready;
    const notices: DocNotice[] = [];
    doc.on('notice', (n) => notices.push(n));
    doc.editText('z1', { pos: 0, ins: 'X' }); // in flight
    server.tamper(['zones', 'z2', 'label', { r: '', i: 'fixed' }]);
    server.sendChecksum();
    conn.deliverDown(); // re-open
    await settle();
    server.commit(zoneDelete('z1', server.doc.zones.z1), 'bob'); // v1
    conn.deliverUp(); // my submit: a no-op now
    conn.deliverUp(); // the open: v1, without z1
    replyLast(conn);
    await quiesce([conn], tick);
    expect(server.version).toBe(1);
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false, pending: 0 });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(false); // nothing of mine is left, and bob's delete stays
    // Deleted by an op that came within the snapshot: who did is not known; the zone as I last had it is.
    expect(notices).toEqual([
      {
        reason: 'zone_deleted',
        zoneIds: ['z1'],
        partial: false,
        action: 'undo',
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'Xhello',
      },
    ]);
    expect(doc.doc).toEqual(server.doc);
  });
});
