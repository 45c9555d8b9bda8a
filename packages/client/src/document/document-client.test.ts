import { checksum, type Op, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import type { Timers } from '../environment.js';
import { SynclineError } from '../errors.js';
import { DocumentClient } from './document-client.js';
import { docOf, failRequests, manualTimers, quiesce, world, zone } from './fake-doc-server.js';
import { MemoryDocPersistence } from './persistence.js';
import type { DocChange, DocConflict, DocNotice, DocRejection, DocResync } from './types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

function record<T>(
  doc: DocumentClient,
  name: 'change' | 'conflict' | 'rejected' | 'notice' | 'resync' | 'users',
) {
  const seen: T[] = [];
  doc.on(name, (e: unknown) => seen.push(e as T));
  return seen;
}

describe('DocumentClient', () => {
  it('opens: joins the room, then applies the snapshot', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann');
    expect(doc.getSnapshot().status).toBe('opening');
    await doc.ready;
    expect(conn.joined('doc:d1')).toBe(true);
    expect(doc.doc).toEqual(server.doc);
    expect(doc.getSnapshot()).toMatchObject({ version: 0, status: 'open', pending: 0, inflight: false });
    expect(() => new DocumentClient(conn, 'd1').editText('z1', { pos: 0, ins: 'x' })).toThrow(/not open/);
  });

  it('applies my edits at once, composes those made while one is in flight, and sends one at a time', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    const changes = record<DocChange>(doc, 'change');

    doc.editText('z1', { pos: 5, ins: '!' });
    expect(doc.doc.zones.z1.text).toBe('hello!');
    expect(doc.doc.zones.z1.updatedBy).toBe('ann');
    expect(changes).toEqual([{ zoneIds: ['z1'], meta: false, all: false, source: 'local' }]);
    expect(doc.getSnapshot()).toMatchObject({ inflight: true, pending: 0, canUndo: true });

    doc.editText('z1', { pos: 6, ins: '!' });
    doc.editText('z1', { pos: 7, ins: '?' });
    doc.updateZone('z2', { label: 'Total' });
    expect(doc.getSnapshot()).toMatchObject({ inflight: true, pending: 2 }); // z1 x2 composed, then z2
    expect(conn.requests.filter((r) => r.method === 'doc.submit')).toHaveLength(1);
    expect(server.version).toBe(0);

    await quiesce([conn], tick);
    expect(server.version).toBe(3);
    expect(doc.getSnapshot()).toMatchObject({ version: 3, inflight: false, pending: 0 });
    expect(doc.doc).toEqual(server.doc);
    expect(server.doc.zones.z1.text).toBe('hello!!?');
  });

  it('takes the reply or the broadcast of my op as its ack, whichever comes first, and applies it once', async () => {
    for (const replyFirst of [true, false]) {
      const { server, open } = world({ replyFirst: () => replyFirst });
      const { conn, doc } = open('ann', { auto: false });
      await quiesce([conn], tick);
      await doc.ready;
      doc.editText('z1', { pos: 0, ins: '>' });
      conn.deliverUp(); // committed: reply and broadcast in the downlink
      expect(conn.downlink.map((d) => d.kind)).toEqual(replyFirst ? ['reply', 'event'] : ['event', 'reply']);
      conn.deliverDown();
      await settle();
      expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false });
      conn.deliverDown();
      await settle();
      expect(doc.version).toBe(1);
      expect(doc.doc.zones.z1.text).toBe('>hello');
      expect(doc.doc).toEqual(server.doc);
    }
  });

  it('waits for the ops before mine when the reply arrives before their broadcast', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 5, ins: ' ann' });
    server.commit(zoneUpdate('z1', { label: 'B' }), 'bob'); // v1, broadcast to ann (queued)
    conn.deliverUp(); // ann's op: v2; downlink = [bob v1, reply v2, ann v2]
    const reply = conn.downlink.findIndex((d) => d.kind === 'reply');
    conn.downlink.unshift(...conn.downlink.splice(reply, 1)); // the reply overtakes bob's op
    conn.deliverDown();
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ version: 0, inflight: true }); // bob's op not seen yet
    conn.deliverDown(); // bob's op, then mine is acked
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ version: 2, inflight: false });
    conn.drain();
    await settle();
    expect(doc.doc).toEqual(server.doc);
    expect(doc.doc.zones.z1).toMatchObject({ text: 'hello ann', label: 'B' });
  });

  it('drops an op the server answered noop (not committed), even when the reply overtakes the op that voided it', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 5, ins: '!' }); // in flight
    server.commit(zoneDelete('z1'), 'bob'); // v1, broadcast to ann (queued)
    conn.deliverUp(); // ann's edit of the deleted zone: {version: 1, noop: true}, nothing committed
    expect(server.version).toBe(1);
    const reply = conn.downlink.findIndex((d) => d.kind === 'reply');
    conn.downlink.unshift(...conn.downlink.splice(reply, 1)); // the reply overtakes bob's op
    conn.deliverDown();
    await settle();
    // Version 1 is bob's delete, not my op: wait for it.
    expect(doc.getSnapshot()).toMatchObject({ version: 0, inflight: true });
    await quiesce([conn], tick);
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false, pending: 0 });
    expect(doc.doc.zones.z1).toBeUndefined();
    expect(doc.doc).toEqual(server.doc);
    expect(conn.requests.filter((r) => r.method === 'doc.submit')).toHaveLength(1);
  });

  it('transforms remote ops past my in-flight and pending ops', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    const changes = record<DocChange>(doc, 'change');
    doc.editText('z1', { pos: 0, ins: 'A' }); // in flight
    doc.editText('z1', { pos: 6, ins: 'B' }); // pending: 'AhelloB'
    server.commit([...['zones', 'z1', 'text'], { es: [2, 'X'] }], 'bob'); // 'heXllo' on the server
    conn.deliverDown(); // bob's op, before mine reached the server
    expect(doc.doc.zones.z1.text).toBe('AheXlloB');
    expect(changes.at(-1)).toMatchObject({ zoneIds: ['z1'], source: 'remote', userId: 'bob' });
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('AheXlloB');
    expect(doc.doc).toEqual(server.doc);
  });

  it('rolls a rejected op back, keeps my later edits and says why', async () => {
    let refused = false;
    const { server, open } = world({
      // Refuse ann's first op only (a zone locked by someone else, say).
      refuse: ({ userId }) =>
        userId === 'ann' && !refused && (refused = true)
          ? { code: 'zone_locked', message: 'z1 is locked by bob' }
          : null,
    });
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    const rejected = record<DocRejection>(doc, 'rejected');
    const changes = record<DocChange>(doc, 'change');

    doc.editText('z1', { pos: 0, ins: 'abc' }); // in flight: 'abchello'; will be refused
    doc.editText('z1', { pos: 5, ins: 'Z' }); // pending, after the refused text: 'abcheZllo'
    doc.updateZone('z2', { label: 'kept' }); // pending, another zone
    expect(doc.doc.zones.z1.text).toBe('abcheZllo');
    await quiesce([conn], tick);

    expect(rejected).toEqual([
      { code: 'zone_locked', message: 'z1 is locked by bob', zoneIds: ['z1'], opId: expect.any(String) },
    ]);
    expect(changes.some((c) => c.source === 'rollback' && c.zoneIds.includes('z1'))).toBe(true);
    expect(doc.doc.zones.z1.text).toBe('heZllo'); // my later insert stays, at the right place
    expect(doc.doc.zones.z2.label).toBe('kept');
    expect(doc.doc).toEqual(server.doc);
    expect(doc.getSnapshot()).toMatchObject({ inflight: false, pending: 0, version: 2 });
  });

  it('keeps the edits made offline, persists them, and sends them after the reconnect', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    const { conn, doc } = open('ann', { persistence });
    await doc.ready;
    conn.disconnect();
    expect(doc.getSnapshot().status).toBe('offline');
    doc.editText('z1', { pos: 5, ins: ' there' });
    doc.deleteZone('z2');
    expect(doc.getSnapshot()).toMatchObject({ inflight: false, pending: 2 });
    await settle();
    const saved = await persistence.load('d1');
    expect(saved).toMatchObject({ version: 0, userId: 'ann', inflight: null, snapshot: server.doc });
    expect(saved?.pending).toHaveLength(2);
    expect(saved?.opIds).toEqual(saved?.pending.map((p) => p.opId));

    server.commit([...['zones', 'z1', 'text'], { es: ['>> '] }], 'bob');
    conn.reconnect();
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('>> hello there');
    expect(server.doc.zones.z2).toBeUndefined();
    expect(doc.doc).toEqual(server.doc);
    await settle();
    expect(await persistence.load('d1')).toBeUndefined(); // all confirmed
  });

  for (const opsOnOpen of [true, false]) {
    it(`restores saved edits in a new client (a reload) and rebases them (${opsOnOpen ? 'missed ops' : 'snapshot diff'})`, async () => {
      const persistence = new MemoryDocPersistence();
      const { server, open } = world({ opsOnOpen });
      const first = open('ann', { persistence });
      await first.doc.ready;
      first.conn.disconnect();
      first.doc.editText('z1', { pos: 5, ins: ' ann' });
      first.doc.updateZone('z2', { label: 'L' });
      await settle();
      first.doc.close();

      // Meanwhile others edit the same zones.
      server.commit([...['zones', 'z1', 'text'], { es: ['bob: '] }], 'bob');
      server.commit([...['zones', 'z2', 'text'], { es: [5, '!'] }], 'bob');

      const again = open('ann', { persistence, auto: false });
      await settle();
      expect(again.doc.getSnapshot().status).toBe('opening');
      expect(again.doc.doc.zones.z1.text).toBe('hello ann'); // shown before the server answers
      await quiesce([again.conn], tick);
      await again.doc.ready;
      const opened = server.opens.at(-1);
      expect(opened?.data).toMatchObject({ documentId: 'd1', since: 0 });
      expect(server.doc.zones.z1.text).toBe('bob: hello ann');
      expect(server.doc.zones.z2).toMatchObject({ text: 'world!', label: 'L' });
      expect(again.doc.doc).toEqual(server.doc);
      await settle();
      expect(await persistence.load('d1')).toBeUndefined();
    });

    it(`does not apply twice an op that was committed just before the reload (${opsOnOpen ? 'missed ops' : 'snapshot diff'})`, async () => {
      const persistence = new MemoryDocPersistence();
      const { server, open } = world({ opsOnOpen });
      const first = open('ann', { persistence, auto: false });
      await quiesce([first.conn], tick);
      await first.doc.ready;
      first.doc.editText('z1', { pos: 0, ins: 'once ' });
      first.doc.editText('z2', { pos: 0, ins: 'then ' }); // pending
      await settle();
      first.conn.deliverUp(); // committed, but the reply and the broadcast are lost:
      first.conn.disconnect();
      first.doc.editText('z2', { pos: 0, ins: '(offline) ' });
      await settle();
      first.doc.close();
      server.commit([...['zones', 'z1', 'text'], { es: [5, { d: 1 }, 'H'] }], 'bob'); // 'once Hello'

      const again = open('ann', { persistence });
      const shown: string[] = [];
      again.doc.on('change', () => shown.push(again.doc.doc.zones.z1?.text ?? ''));
      await again.doc.ready;
      await quiesce([again.conn], tick);
      // Shown once all along: without ops the open's reply says the snapshot holds it (`committed`), else the
      // snapshot's copy and mine were both shown until the re-sent op was answered as a duplicate.
      expect(shown.filter((t) => t.includes('once once'))).toEqual([]);
      // Asked about: my op in flight, and the restored one after it (it may have been sent before the reload).
      expect((server.opens.at(-1)?.data.opIds as string[] | undefined)?.length).toBe(2);
      expect(server.doc.zones.z1.text).toBe('once Hello');
      expect(server.doc.zones.z2.text).toBe('(offline) then world');
      expect(again.doc.doc).toEqual(server.doc);
      expect(server.log.filter((r) => r.userId === 'ann')).toHaveLength(2); // the two z2 edits were composed
    });
  }

  it('shows once the restored ops an open without ops says its snapshot holds, the one in flight and the one after it', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world({ opsOnOpen: false });
    const a: Op = ['zones', 'z1', 'text', { es: ['A'] }];
    const b: Op = ['zones', 'z2', 'text', { es: ['B'] }];
    // Both were sent and committed before a reload, and the record was saved before the second was sent.
    server.commit(a, 'ann', 'k:1');
    server.commit(b, 'ann', 'k:2');
    await persistence.save({
      format: 1,
      documentId: server.documentId,
      userId: 'ann',
      version: 0,
      snapshot: docOf(zone('z1', 'hello'), zone('z2', 'world')),
      inflight: { opId: 'k:1', op: a },
      pending: [{ opId: 'k:2', op: b }],
      opIds: ['k:1', 'k:2'],
      savedAt: 1,
    });
    const again = open('ann', { persistence });
    const shown: string[] = [];
    again.doc.on('change', () =>
      shown.push(`${again.doc.doc.zones.z1?.text}|${again.doc.doc.zones.z2?.text}`),
    );
    await again.doc.ready;
    await quiesce([again.conn], tick);
    expect(server.opens.at(-1)?.data.opIds).toEqual(['k:1', 'k:2']);
    expect(shown.filter((t) => t.includes('AA') || t.includes('BB'))).toEqual([]);
    expect(server.version).toBe(2);
    expect(again.doc.doc).toEqual(server.doc);
    expect(again.doc.getSnapshot()).toMatchObject({ version: 2, pending: 0, inflight: false });
    await again.doc.close();
  });

  it('holds op and checksum events that arrive before the first open of a restored document (no gap resync)', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    const first = open('ann', { persistence });
    await first.doc.ready;
    first.conn.disconnect();
    first.doc.editText('z1', { pos: 5, ins: ' ann' });
    await settle();
    first.doc.close();
    server.commit(zoneUpdate('z2', { label: 'one' }), 'bob'); // v1, missed by the page that went away

    // The room is entered (and an event of it delivered) before the join's promise lets the client open.
    const conn = server.connect('ann', { auto: false });
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    const join = conn.join.bind(conn);
    conn.join = async (room) => {
      const state = await join(room);
      await entered;
      return state;
    };
    const doc = new DocumentClient(conn, server.documentId, { persistence });
    const resyncs = record<DocResync>(doc, 'resync');
    await settle();
    server.commit(zoneUpdate('z2', { label: 'two' }), 'bob'); // v2: a gap for the restored v0
    server.sendChecksum(); // for v2: ahead of the restored v0 as well
    while (conn.deliverDown()) {}
    enter();
    await quiesce([conn], tick);
    await doc.ready;
    expect(resyncs.map((r) => r.reason)).toEqual(['restore']);
    expect(doc.doc).toEqual(server.doc);
    expect(server.doc.zones.z1.text).toBe('hello ann');
    doc.close();
  });

  it('does not re-submit edits saved by another user on this device', async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    const first = open('ann', { persistence });
    await first.doc.ready;
    first.conn.disconnect();
    first.doc.editText('z1', { pos: 0, ins: 'ann: ' });
    await settle();
    first.doc.close();
    const other = open('bob', { persistence });
    const notices = record<DocNotice>(other.doc, 'notice');
    await other.doc.ready;
    await quiesce([other.conn], tick);
    expect(notices).toEqual([
      { reason: 'discarded_other_user', zoneIds: ['z1'], partial: false, action: 'restore' },
    ]);
    expect(server.version).toBe(0);
    expect(other.doc.doc).toEqual(server.doc);
    await other.doc.close();
    // Ann's edits are still hers on this device: her next client sends them.
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    await quiesce([ann.conn], tick);
    expect(server.doc.zones.z1.text).toBe('ann: hello');
    expect(server.log.map((r) => r.userId)).toEqual(['ann']);
    await ann.doc.close();
  });

  it("leaves another user's record alone when it has its own to restore (no hidden client sends theirs)", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    let t = 0;
    const clock = { now: () => ++t }; // Bob's record is the newer one, whatever the machine's pace
    const offlineEdit = async (userId: string, text: string) => {
      const c = open(userId, { persistence, clock });
      await c.doc.ready;
      c.conn.disconnect();
      c.doc.editText('z1', { pos: 0, ins: text });
      await settle();
      c.doc.close();
    };
    await offlineEdit('ann', 'ann: ');
    await offlineEdit('bob', 'bob: '); // the newer record
    const bob = open('bob', { persistence, clock });
    const notices = record<DocNotice>(bob.doc, 'notice');
    await bob.doc.ready;
    await quiesce([bob.conn], tick);
    await settle();
    expect(notices).toEqual([]);
    expect(server.log.map((r) => r.userId)).toEqual(['bob']);
    expect((await persistence.loadAll(server.documentId)).map((r) => r.userId)).toEqual(['ann']);
    await bob.doc.close();
  });

  it("works out a big document's checksum a slice per task, then re-opens if it differs", async () => {
    const zones = Array.from({ length: 1500 }, (_, i) => zone(`z${i}`, `text ${i}`));
    const { server, open } = world({ doc: docOf(...zones) });
    let now = 0;
    const clock = { now: () => (now += 3) }; // every look at the clock: 3 ms later
    const { timers, delays, run } = manualTimers();
    const { conn, doc } = open('ann', { clock, timers });
    await doc.ready;
    await quiesce([conn], tick);
    const resyncs = record<DocResync>(doc, 'resync');
    const opens = server.opens.length;
    server.tamper(['zones', 'z7', 'label', { r: '', i: 'differs' }]);
    server.sendChecksum();
    await quiesce([conn], tick);
    // The first slice ran, the rest waits for the next tasks: no re-open yet.
    expect(server.opens).toHaveLength(opens);
    expect(delays.filter((d) => d === 0)).toHaveLength(1);
    let slices = 1;
    while (server.opens.length === opens && slices < 50) {
      run();
      slices++;
    }
    expect(slices).toBeGreaterThan(2);
    await quiesce([conn], tick);
    expect(resyncs.map((r) => r.reason)).toEqual(['checksum']);
    expect(doc.doc).toEqual(server.doc);
    // A checksum that matches: worked out all the same, no re-open.
    server.sendChecksum();
    await quiesce([conn], tick);
    for (let i = 0; i < 50; i++) run();
    await quiesce([conn], tick);
    expect(resyncs).toHaveLength(1);
    await doc.close();
  });

  it('undoes only my own changes: text typed by others stays', async () => {
    const { server, open } = world({ doc: docOf(zone('z1', '')) });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    ann.doc.editText('z1', { pos: 0, ins: 'hello' });
    await quiesce([ann.conn, bob.conn], tick);
    bob.doc.editText('z1', { pos: 5, ins: ' world' });
    bob.doc.editText('z1', { pos: 0, ins: '[' });
    await quiesce([ann.conn, bob.conn], tick);
    expect(ann.doc.doc.zones.z1.text).toBe('[hello world');

    expect(ann.doc.getSnapshot()).toMatchObject({ canUndo: true, canRedo: false });
    expect(ann.doc.undo()).toBe(true);
    expect(ann.doc.doc.zones.z1.text).toBe('[ world');
    await quiesce([ann.conn, bob.conn], tick);
    expect(server.doc.zones.z1.text).toBe('[ world');
    expect(ann.doc.getSnapshot()).toMatchObject({ canUndo: false, canRedo: true });

    bob.doc.editText('z1', { pos: 7, ins: '!' });
    await quiesce([ann.conn, bob.conn], tick);
    expect(ann.doc.redo()).toBe(true);
    await quiesce([ann.conn, bob.conn], tick);
    expect(server.doc.zones.z1.text).toBe('[hello world!');
    expect(ann.doc.doc).toEqual(server.doc);
    expect(bob.doc.doc).toEqual(server.doc);
  });

  it('undoes an attribute set offline to the value another user set meanwhile, as online (theirs came first)', async () => {
    const { server, open } = world({ doc: docOf(zone('z1', '', { label: 'orig', type: 'paragraph' })) });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    ann.conn.disconnect();
    ann.doc.updateZone('z1', { label: 'Ann 1', type: 'table' });
    ann.doc.updateZone('z1', { label: 'Ann 2' });
    bob.doc.updateZone('z1', { label: 'Bob', type: 'heading' });
    await quiesce([bob.conn], tick);
    ann.conn.reconnect();
    await quiesce([ann.conn, bob.conn], tick);
    // The server's order: Bob's change, then Ann's two.
    expect(server.doc.zones.z1).toMatchObject({ label: 'Ann 2', type: 'table' });
    expect(ann.doc.undo()).toBe(true);
    expect(ann.doc.doc.zones.z1).toMatchObject({ label: 'Ann 1', type: 'table' });
    expect(ann.doc.undo()).toBe(true);
    // Her first change undone: Bob's values, which it replaced, are back (not those from before his).
    expect(ann.doc.doc.zones.z1).toMatchObject({ label: 'Bob', type: 'heading' });
    await quiesce([ann.conn, bob.conn], tick);
    expect(server.doc.zones.z1).toMatchObject({ label: 'Bob', type: 'heading' });
    expect(bob.doc.doc).toEqual(server.doc);
    expect(ann.doc.redo()).toBe(true);
    expect(ann.doc.doc.zones.z1).toMatchObject({ label: 'Ann 1', type: 'table' });
  });

  it('says the version an op was made on when it was transformed here past a change it clashes with', async () => {
    const { open } = world({ doc: docOf(zone('z1', 'x'), zone('z2', 'y'), zone('z3', 'z')) });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    ann.conn.disconnect();
    ann.doc.updateZone('z2', { label: 'Ann' }); // in flight: the server transforms it, and tells
    ann.doc.updateZone('z1', { label: 'Ann' }); // waits: transformed here
    ann.doc.updateZone('z3', { label: 'Ann' }); // waits too, but nobody changed z3: nothing to tell
    bob.doc.updateZone('z1', { label: 'Bob' }); // clashes with Ann's second
    bob.doc.editText('z2', { pos: 0, ins: 'b' }); // with none
    await quiesce([bob.conn], tick);
    ann.conn.reconnect();
    await quiesce([ann.conn, bob.conn], tick);
    const sent = ann.conn.requests
      .filter((r) => r.method === 'doc.submit')
      .map((r) => r.data as { v: number; made?: number });
    expect(sent.map(({ v, made }) => ({ v, made }))).toEqual([
      { v: 0, made: undefined },
      { v: 3, made: 0 },
      { v: 4, made: undefined },
    ]);
    expect(ann.doc.doc).toEqual(bob.doc.doc);
  });

  it('tells why an undo could not be done (the zone was deleted by someone else)', async () => {
    const { open } = world();
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const notices = record<DocNotice>(ann.doc, 'notice');
    ann.doc.editText('z2', { pos: 0, ins: 'my ' });
    await quiesce([ann.conn, bob.conn], tick);
    bob.doc.deleteZone('z2');
    await quiesce([ann.conn, bob.conn], tick);
    expect(ann.doc.undo()).toBe(false);
    // Who deleted it (the name when known: not here), and the zone as this replica last had it.
    expect(notices).toEqual([
      {
        reason: 'zone_deleted',
        zoneIds: ['z2'],
        partial: false,
        action: 'undo',
        byUserId: 'bob',
        byUserIds: ['bob'],
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'my world',
      },
    ]);
    expect(ann.doc.undo()).toBe(false);
    expect(notices.at(-1)).toMatchObject({ reason: 'nothing_to_undo' });
  });

  it('reports conflicts: itself about my pending ops, the server about my in-flight op', async () => {
    const { open, server } = world();
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const conflicts = record<DocConflict>(ann.doc, 'conflict');
    ann.doc.editText('z1', { pos: 0, ins: 'first ' }); // in flight (not delivered yet)
    ann.doc.editText('z2', { pos: 0, ins: 'mine ' }); // pending behind it
    server.commit(['zones', 'z2', { r: true }], 'bob');
    ann.conn.deliverDown(); // bob's deletion reaches ann before her ops reach the server
    expect(conflicts).toEqual([
      {
        kind: 'edit_on_deleted',
        zoneId: 'z2',
        byUserId: 'bob',
        // Gone from my copy: named as I saw it, my edit included.
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'mine world',
        opId: expect.any(String),
        message:
          'bob deleted the paragraph on page 1 (“mine world”) while you were editing it; your edit in it was dropped.',
        origin: 'client',
      },
    ]);
    await quiesce([ann.conn], tick);
    expect(ann.doc.doc).toEqual(server.doc);
    expect(conflicts).toHaveLength(1);

    // Sent while offline: the server transforms it past the deletion and tells.
    ann.conn.disconnect();
    ann.doc.editText('z1', { pos: 0, ins: 'x' });
    server.commit(['zones', 'z1', { r: true }], 'bob');
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    expect(conflicts.at(-1)).toMatchObject({ kind: 'edit_on_deleted', zoneId: 'z1', origin: 'server' });
    expect(ann.doc.doc).toEqual(server.doc);
  });

  it('tells me my later creation of a zone id replaced theirs, not that my change collided', async () => {
    const { open, server } = world();
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const conflicts = record<DocConflict>(ann.doc, 'conflict');
    ann.doc.editText('z1', { pos: 0, ins: 'first ' }); // in flight (not delivered yet)
    ann.doc.createZone(zone('n', 'Ann’s', { label: 'Total' })); // pending behind it
    server.commit(zoneCreate(zone('n', 'Bob’s')), 'bob');
    ann.conn.deliverDown(); // bob's creation reaches ann before her ops reach the server
    expect(conflicts).toEqual([
      expect.objectContaining({
        kind: 'other',
        zoneId: 'n',
        byUserId: 'bob',
        message:
          'bob changed the paragraph “Total” on page 1 at the same time as you; your version, made later, was kept.',
        origin: 'client',
      }),
    ]);
    await quiesce([ann.conn], tick);
    expect(ann.doc.doc.zones.n.text).toBe('Ann’s');
    expect(ann.doc.doc).toEqual(server.doc);
  });

  it('takes a burst of others’ ops with one new snapshot, current whenever it is asked for', async () => {
    const { open, server } = world();
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    let told = 0;
    ann.doc.subscribe(() => told++);
    const seen: string[] = [];
    ann.doc.on('change', (c) => {
      // Read in the middle of the burst: each zone as the ops so far made it.
      const id = c.zoneIds[0];
      seen.push(`${id}:${ann.doc.zone(id)?.text ?? '-'}`);
    });
    const first = ann.doc.getSnapshot();
    for (let i = 0; i < 50; i++) server.commit(zoneCreate(zone(`n${i}`, `t${i}`)), 'bob');
    server.commit(zoneEdit('n3', { pos: 2, ins: '!' }), 'bob');
    server.commit(zoneDelete('n4'), 'bob');
    while (ann.conn.deliverDown()) {
      // one frame: every event at once
    }
    expect(seen).toHaveLength(52);
    expect(seen.slice(0, 2)).toEqual(['n0:t0', 'n1:t1']);
    expect(seen.slice(-2)).toEqual(['n3:t3!', 'n4:-']);
    expect(ann.doc.getSnapshot().version).toBe(52); // current when asked for, before anyone is told
    expect(told).toBe(0);
    await tick();
    expect(told).toBe(1); // told once, not once per op
    const now = ann.doc.getSnapshot();
    expect(now.version).toBe(52);
    expect(Object.keys(now.doc.zones)).toEqual(Object.keys(server.doc.zones));
    expect(now.doc).toEqual(server.doc);
    expect(first.doc.zones.n0).toBeUndefined(); // an earlier snapshot stays as it was
  });

  it('names a zone I deleted, not confirmed yet, as the server has it', async () => {
    const { open, server } = world();
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const conflicts = record<DocConflict>(ann.doc, 'conflict');
    ann.doc.editText('z1', { pos: 0, ins: 'first ' }); // in flight (not delivered yet)
    ann.doc.deleteZone('z2'); // pending behind it: gone from my copy
    server.commit(zoneEdit('z2', { pos: 5, ins: ' wide web' }), 'bob');
    ann.conn.deliverDown();
    expect(conflicts).toEqual([
      expect.objectContaining({
        kind: 'delete_of_edited',
        zoneId: 'z2',
        zoneExcerpt: 'world wide web',
        message:
          'You deleted the paragraph on page 1 (“world wide web”) just after bob changed it; their change went with it.',
        origin: 'client',
      }),
    ]);
  });

  it('names the author of a change that conflicts with mine when it knows their name', async () => {
    const { open, server } = world();
    server.users.set('bob', { userId: 'bob', name: 'Bob Builder' });
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const asked = ann.doc.users(['bob']); // what an app asks to name zone authors: learnt here too
    await quiesce([ann.conn], tick);
    await asked;
    const conflicts = record<DocConflict>(ann.doc, 'conflict');
    ann.doc.editText('z1', { pos: 0, ins: 'first ' }); // in flight
    ann.doc.editText('z2', { pos: 0, ins: 'mine ' }); // pending behind it
    server.commit(['zones', 'z2', { r: true }], 'bob');
    ann.conn.deliverDown();
    expect(conflicts).toEqual([
      expect.objectContaining({
        byUserId: 'bob',
        byUserName: 'Bob Builder',
        message:
          'Bob Builder deleted the paragraph on page 1 (“mine world”) while you were editing it; your edit in it was dropped.',
        origin: 'client',
      }),
    ]);
  });

  it('keeps one directory of people: asks for each unknown id once, and tells which names changed', async () => {
    const { open, server } = world();
    server.users.set('bob', { userId: 'bob', name: 'Bob Builder', avatar: 'b.png' });
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const told = record<{ userIds: string[] }>(ann.doc, 'users');
    ann.doc.lookUpUsers(['bob', 'nobody']);
    ann.doc.lookUpUsers(['bob', 'nobody']); // asked already: no second request
    await quiesce([ann.conn], tick);
    expect(server.userRequests).toEqual([['bob', 'nobody']]);
    expect(ann.doc.user('bob')).toEqual({ userId: 'bob', name: 'Bob Builder', avatar: 'b.png' });
    expect(ann.doc.user('nobody')).toBeUndefined();
    expect(told).toEqual([{ userIds: ['bob'] }]);
    // The same name again is no change; a new one (a join, a lock, a notice) is, and keeps the avatar.
    server.users.set('bob', { userId: 'bob', name: 'Bob Builder', avatar: 'b.png' });
    const same = ann.doc.users(['bob']);
    await quiesce([ann.conn], tick);
    await same;
    expect(told).toHaveLength(1);
    server.users.set('bob', { userId: 'bob', name: 'Robert' });
    const asked = ann.doc.users(['bob']);
    await quiesce([ann.conn], tick);
    await asked;
    expect(ann.doc.user('bob')).toEqual({ userId: 'bob', name: 'Robert', avatar: 'b.png' });
    expect(told).toEqual([{ userIds: ['bob'] }, { userIds: ['bob'] }]);
  });

  it('resyncs on a checksum mismatch, keeping my unconfirmed edits', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    const resyncs = record<DocResync>(doc, 'resync');
    const changes = record<DocChange>(doc, 'change');
    server.sendChecksum(); // matches: nothing happens
    conn.drain();
    await settle();
    expect(server.opens).toHaveLength(1);

    doc.editText('z2', { pos: 0, ins: 'X' }); // in flight
    conn.deliverUp(); // committed at v1
    server.tamper(['zones', 'z1', 'label', { r: '', i: 'fixed by the server' }]); // replicas now differ
    server.sendChecksum();
    await quiesce([conn], tick);

    expect(server.opens.at(-1)?.data).toMatchObject({ documentId: 'd1', reason: 'checksum' });
    expect(resyncs).toEqual([{ reason: 'checksum', fromVersion: 1, toVersion: 1, method: 'snapshot' }]);
    expect(changes.at(-1)).toMatchObject({ source: 'resync', zoneIds: ['z1'] });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.doc.zones.z2.text).toBe('Xworld');

    // A mismatch while an edit is still pending: it is rebased, not lost.
    conn.disconnect();
    doc.editText('z2', { pos: 0, ins: 'Y' });
    server.tamper(['zones', 'z1', 'text', { es: [5, ' (tampered)'] }]);
    conn.reconnect();
    server.sendChecksum();
    await quiesce([conn], tick);
    expect(resyncs.at(-1)).toMatchObject({ reason: 'checksum', method: 'snapshot' });
    expect(server.doc.zones.z2.text).toBe('YXworld');
    expect(doc.doc).toEqual(server.doc);
    expect(checksum(doc.doc)).toBe(checksum(server.doc));
  });

  it('opens again when its first open was answered before a room reset (a re-sent request gets its stored answer)', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    const resyncs = record<DocResync>(doc, 'resync');
    await settle();
    // The open is answered at version 0, but the socket drops before the answer arrives; meanwhile others
    // commit, and by the reconnect the room log no longer holds what was missed.
    while (conn.deliverUp()) {}
    conn.disconnect();
    server.commit(zoneUpdate('z1', { label: 'one' }), 'bob');
    server.commit(zoneUpdate('z1', { label: 'two' }), 'bob');
    conn.reconnect({ reset: true, storedReplies: true });
    conn.auto = true;
    conn.drain();
    await quiesce([conn], tick);
    await doc.ready;
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', version: 2 });
    expect(doc.doc).toEqual(server.doc);
    expect(resyncs.at(-1)).toMatchObject({ reason: 'reset', fromVersion: 0, toVersion: 2 });
  });

  it('resyncs after a gap in versions, and after a room reset', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    const resyncs = record<DocResync>(doc, 'resync');
    server.commit(zoneUpdate('z1', { label: 'one' }), 'bob');
    server.commit(zoneUpdate('z1', { label: 'two' }), 'bob');
    conn.downlink.shift(); // v1 lost
    await quiesce([conn], tick);
    expect(resyncs).toEqual([{ reason: 'gap', fromVersion: 0, toVersion: 2, method: 'ops' }]);
    expect(server.opens.at(-1)?.data).toMatchObject({ since: 0, reason: 'gap' });
    expect(doc.doc).toEqual(server.doc);

    conn.disconnect();
    server.commit(zoneUpdate('z1', { label: 'three' }), 'bob');
    conn.reconnect({ reset: true });
    await quiesce([conn], tick);
    expect(resyncs.at(-1)).toEqual({ reason: 'reset', fromVersion: 2, toVersion: 3, method: 'ops' });
    expect(doc.doc).toEqual(server.doc);
  });

  it('re-sends the in-flight op with the same opId after a reconnect', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 0, ins: '1' });
    conn.deliverUp(); // committed; the reply is lost
    conn.disconnect();
    await settle();
    conn.reconnect();
    await quiesce([conn], tick);
    const submits = conn.requests.filter((r) => r.method === 'doc.submit');
    expect(submits).toHaveLength(2);
    expect(submits[1].data.opId).toBe(submits[0].data.opId);
    expect(server.log).toHaveLength(1);
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false });
    expect(doc.doc.zones.z1.text).toBe('1hello');
  });

  it('retries a submit that failed on the way (same opId), and resyncs after bad_version', async () => {
    const due: (() => void)[] = [];
    const timers: Timers = { setTimeout: (fn) => due.push(fn), clearTimeout: () => {} };
    const { server, open } = world();
    const { conn, doc } = open('ann', { timers });
    await doc.ready;
    const failures = ['timeout', 'bad_version'];
    const submits: Record<string, unknown>[] = [];
    const request = conn.request.bind(conn);
    conn.request = ((method: string, data?: unknown, options?: object) => {
      if (method === 'doc.submit') submits.push(data as Record<string, unknown>);
      const code = method === 'doc.submit' ? failures.shift() : undefined;
      return code ? Promise.reject(new SynclineError(code, code)) : request(method, data, options);
    }) as typeof conn.request;
    const resyncs = record<DocResync>(doc, 'resync');

    doc.editText('z1', { pos: 0, ins: '1' });
    await settle();
    expect(submits).toHaveLength(1); // timed out: a retry is scheduled
    expect(due).toHaveLength(1);
    due.shift()?.();
    await quiesce([conn], tick); // bad_version: re-open, then re-send
    expect(resyncs).toEqual([{ reason: 'bad_version', fromVersion: 0, toVersion: 0, method: 'none' }]);
    expect(submits).toHaveLength(3);
    expect(new Set(submits.map((s) => s.opId)).size).toBe(1);
    expect(server.doc.zones.z1.text).toBe('1hello');
    expect(doc.getSnapshot()).toMatchObject({ version: 1, inflight: false });
  });

  it('opens at once after a reconnect when a failed open was waiting out its backoff', async () => {
    const { timers, due, run: runTimers } = manualTimers();
    const { server, open } = world();
    const { conn, doc } = open('ann', { timers });
    // The server is slow, or the socket was down past the request timeout: the first two opens time out.
    failRequests(conn, 'doc.open', ['timeout', 'timeout']);
    await settle();
    runTimers(); // the retry after 1 s times out too: the next waits 2 s
    await settle();
    expect(server.opens).toHaveLength(0);
    expect(due.size).toBe(1);
    conn.disconnect();
    conn.reconnect();
    await quiesce([conn], tick);
    expect(doc.getSnapshot().status).toBe('open');
    expect(server.opens).toHaveLength(1);
    expect(due.size).toBe(0);
  });

  it('keeps one snapshot object until something in it changes', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann');
    await doc.ready;
    let calls = 0;
    doc.subscribe(() => calls++);
    const s1 = doc.getSnapshot();
    expect(doc.getSnapshot()).toBe(s1);
    expect(Object.isFrozen(s1)).toBe(true);
    server.sendChecksum(); // same checksum: no change
    conn.drain();
    await settle();
    expect(doc.getSnapshot()).toBe(s1);
    expect(calls).toBe(0);
    expect(doc.submit(null)).toBe(false);
    expect(doc.getSnapshot()).toBe(s1);

    doc.editText('z1', { pos: 0, ins: 'x' });
    const s2 = doc.getSnapshot();
    expect(s2).not.toBe(s1);
    expect(s2.doc.zones.z2).toBe(s1.doc.zones.z2); // untouched zones keep their identity
    expect(calls).toBeGreaterThan(0);
    await quiesce([conn], tick);
    const s3 = doc.getSnapshot();
    expect(s3).toMatchObject({ version: 1, inflight: false });
    const before = calls;
    await settle();
    expect(doc.getSnapshot()).toBe(s3);
    expect(calls).toBe(before);
  });

  it('refuses edits that do not fit or leave a zone invalid, changing nothing', async () => {
    const { open } = world();
    const { doc } = open('ann');
    await doc.ready;
    const s = doc.getSnapshot();
    expect(() => doc.editText('nope', { pos: 0, ins: 'x' })).toThrow(RangeError);
    expect(() => doc.editText('z1', { pos: 99, ins: 'x' })).toThrow(RangeError);
    expect(() => doc.submit(['zones', 'z1', 'page', { r: true, i: -1 }])).toThrow(/invalid/);
    expect(doc.getSnapshot()).toBe(s);
  });

  it('creates zones with the stamp of the user, and sets meta', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann', { clock: { now: () => 1234 } });
    await doc.ready;
    const { updatedBy: _b, updatedAt: _a, ...fresh } = zone('z9', 'new');
    expect(doc.createZone(fresh)).toBe('z9');
    doc.setMeta('title', 'Invoice');
    await quiesce([conn], tick);
    expect(server.doc.zones.z9).toMatchObject({ text: 'new', updatedBy: 'ann', updatedAt: 1234 });
    expect(server.doc.meta).toEqual({ title: 'Invoice' });
  });

  it('close() disposes every subscription, leaves the room and settles what waits', async () => {
    const { open } = world();
    const { conn, doc } = open('ann');
    await doc.ready;
    expect(conn.listenerCount).toBeGreaterThan(0);
    let notified = 0;
    doc.subscribe(() => notified++);
    conn.disconnect();
    doc.editText('z1', { pos: 0, ins: 'x' });
    const synced = doc.whenSynced();
    doc.close();
    await synced;
    await settle();
    expect(conn.listenerCount).toBe(0);
    expect(conn.joined('doc:d1')).toBe(false);
    expect(doc.getSnapshot().status).toBe('closed');
    const after = notified;
    doc.close();
    expect(notified).toBe(after);
    expect(() => doc.editText('z1', { pos: 0, ins: 'y' })).toThrow(/closed/);
  });

  it('fails to open when the server refuses, and says so', async () => {
    const { server } = world();
    const doc = new DocumentClient(server.connect('ann'), 'unknown');
    const errors: unknown[] = [];
    doc.on('error', (e) => errors.push(e));
    await expect(doc.ready).rejects.toMatchObject({ code: 'forbidden' });
    expect(doc.getSnapshot().status).toBe('failed');
    expect(errors).toHaveLength(1);
  });

  it('lists the history: who changed which zones how, the latest page by default', async () => {
    let now = 1_000;
    const { open } = world({ now: () => now });
    const ann = open('ann').doc;
    const bob = open('bob').doc;
    await Promise.all([ann.ready, bob.ready]);
    ann.editText('z1', { pos: 5, ins: '!' });
    await ann.whenSynced();
    now = 2_000;
    bob.updateZone('z2', { label: 'Total' });
    await bob.whenSynced();
    now = 3_000;
    bob.deleteZone('z1');
    await bob.whenSynced();
    await settle();

    const all = await ann.history();
    expect(all.map(({ opId: _, ...e }) => e)).toEqual([
      { version: 1, userId: 'ann', ts: 1_000, kind: 'zone_edit', zoneIds: ['z1'] },
      { version: 2, userId: 'bob', ts: 2_000, kind: 'zone_update', zoneIds: ['z2'] },
      { version: 3, userId: 'bob', ts: 3_000, kind: 'zone_delete', zoneIds: ['z1'] },
    ]);
    expect((await ann.history({ limit: 2 })).map((e) => e.version)).toEqual([2, 3]); // the latest two
    expect((await ann.history({ from: 0, limit: 1 })).map((e) => e.version)).toEqual([1]);
    expect((await ann.history({ from: 3 })).map((e) => e.version)).toEqual([]);
  });

  it('asks the document for the names of its users, at most 100 ids a request', async () => {
    const { server, open } = world();
    const ann = open('ann').doc;
    await ann.ready;
    server.users.set('u7', { userId: 'u7', name: 'Ulla' });
    server.users.set('u140', { userId: 'u140', name: 'Uwe', avatar: 'https://a/u.png' });
    const ids = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const users = await ann.users([...ids, 'u7']);
    expect(users).toEqual([
      { userId: 'u7', name: 'Ulla' },
      { userId: 'u140', name: 'Uwe', avatar: 'https://a/u.png' },
    ]);
    expect(server.userRequests.map((r) => r.length)).toEqual([100, 50]);
    expect(await ann.users([])).toEqual([]);
    expect(server.userRequests).toHaveLength(2);
  });

  it("places another user's caret exactly: their unconfirmed edits taken out on their side, all since carried on mine", async () => {
    const { open } = world();
    const ann = open('ann', { auto: false });
    const ben = open('ben');
    await quiesce([ann.conn], tick);
    await Promise.all([ann.doc.ready, ben.doc.ready]);
    expect(ben.doc.caretFromBase('z1', 0, 1)).toBe(1); // asking for carets keeps the ops they need from now on
    ann.doc.editText('z1', { pos: 2, ins: 'XY' }); // 'heXYllo', not sent yet
    expect(ann.doc.caretAtBase('z1', 4)).toEqual({ v: 0, pos: 2 }); // right after what she typed
    expect(ann.doc.caretAtBase('z1', 3)).toEqual({ v: 0, pos: 2 }); // inside it
    expect(ann.doc.caretAtBase('z1', 6)).toEqual({ v: 0, pos: 4 });
    expect(ann.doc.caretAtBase('z2', 3)).toEqual({ v: 0, pos: 3 });
    const sent = ann.doc.caretAtBase('z1', 4) as { v: number; pos: number };

    await quiesce([ann.conn], tick); // committed; Ben has it
    await settle();
    expect(ben.doc.version).toBe(1);
    ben.conn.auto = false;
    ben.doc.editText('z1', { pos: 0, ins: 'Q' }); // unconfirmed
    expect(ben.doc.zone('z1')?.text).toBe('QheXYllo');
    expect(ben.doc.caretFromBase('z1', sent.v, sent.pos, 'ann')).toBe(5); // after her XY, past his Q
    expect(ben.doc.caretFromBase('z1', sent.v, sent.pos)).toBe(3); // anyone else's insert: before it
    expect(ben.doc.caretFromBase('z1', 7, 0)).toBeNull(); // ahead of Ben's copy
    expect(ann.doc.caretAtBase('z1', 4)).toEqual({ v: 1, pos: 4 }); // hers is confirmed now
  });

  it('places a caret from a version before the first caret call once keepOpsForCarets was called at open', async () => {
    const { open } = world();
    const ann = open('ann');
    const ben = open('ben');
    const cy = open('cy');
    await Promise.all([ann.doc.ready, ben.doc.ready, cy.doc.ready]);
    ben.doc.keepOpsForCarets();
    const sent = ann.doc.caretAtBase('z1', 5) as { v: number; pos: number }; // the end of 'hello', at v0
    ann.doc.editText('z1', { pos: 0, ins: '>> ' });
    await ann.doc.whenSynced();
    await settle();
    expect(ben.doc.zone('z1')?.text).toBe('>> hello');
    expect(cy.doc.zone('z1')?.text).toBe('>> hello');
    // Ben kept the op since v0; Cy asks for carets only now, after it.
    expect(ben.doc.caretFromBase('z1', sent.v, sent.pos, 'ann')).toBe(8);
    expect(cy.doc.caretFromBase('z1', sent.v, sent.pos, 'ann')).toBeNull();
  });
});
