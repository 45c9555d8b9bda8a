import type { SynclineClient } from '@syncline/client';
import { checksum, type Op, type Zone, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '@syncline/doc';
import type { DocSnapshot, EventData, EventMessage, HistoryEntry } from '@syncline/protocol';
import { MemoryDocStore } from '@syncline/server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  startServer,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
} from './helpers.js';

type DocChecksum = EventData<'doc_checksum'>;

/**
 * The server's document sequencer through real sockets, driven with raw `doc.*` requests (the client's
 * optimistic document is tested on its own): transform over concurrent ops, seed event names on the wire,
 * locks, conflict notices, de-duplication, history, checksums.
 */
const zone = (id: string, text = ''): Zone => ({
  id,
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 0.9,
  text,
  updatedBy: 'test',
  updatedAt: 1,
});

describe('document sequencer', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  async function setup(options: Parameters<typeof startServer>[1] = {}) {
    const { url, server } = await startServer(cleanup, { documents: { checksumEvery: 5 }, ...options });
    const room = uniqueRoom();
    const documentId = room.slice(4);
    const make = async (userId: string, name?: string) => {
      const client = createClient(cleanup, { url, token: tokenProvider(userId, name ? { name } : {}) });
      const events: EventMessage[] = [];
      client.subscribe('*', (_d, e) => events.push(e as EventMessage));
      await client.join(room);
      const snap = await client.request<DocSnapshot>('doc.open', { documentId });
      return { client, events, snap };
    };
    return { server, room, documentId, make, url };
  }

  const submit = (c: SynclineClient, documentId: string, op: Op, v: number, opId: string) =>
    c.request<{ version: number; duplicate?: boolean; noop?: boolean }>('doc.submit', {
      documentId,
      op,
      v,
      opId,
    });

  it('commits ops in order, broadcasts them under the seed names, and transforms concurrent edits', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    const bob = await make('bob');
    expect(alice.snap).toMatchObject({ version: 0, snapshot: { zones: {} }, ownerId: 'alice' });

    expect(await submit(alice.client, documentId, zoneCreate(zone('z1', 'hello')), 0, 'a1')).toEqual({
      version: 1,
    });
    // Both type into z1 against version 1, concurrently.
    const [ra, rb] = await Promise.all([
      submit(alice.client, documentId, zoneEdit('z1', { pos: 5, ins: ' world' }), 1, 'a2'),
      submit(bob.client, documentId, zoneEdit('z1', { pos: 0, ins: '>> ' }), 1, 'b1'),
    ]);
    expect([ra.version, rb.version].sort()).toEqual([2, 3]);
    const reopened = await bob.client.request<DocSnapshot>('doc.open', { documentId });
    expect((reopened.snapshot as { zones: Record<string, Zone> }).zones.z1.text).toBe('>> hello world');

    await waitFor(() => bob.events.filter((e) => e.type === 'zone_edit').length === 2);
    const created = bob.events.find((e) => e.type === 'zone_create');
    expect(created?.data).toMatchObject({
      documentId,
      version: 1,
      opId: 'a1',
      userId: 'alice',
      zoneId: 'z1',
    });
    const edits = bob.events
      .filter((e) => e.type === 'zone_edit')
      .map((e) => (e.data as { version: number }).version);
    expect(edits).toEqual([2, 3]);
  });

  it('acknowledges a re-submitted opId without applying it twice', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', 'x')), 0, 'op-1');
    const edit = zoneEdit('z1', { pos: 1, ins: 'y' });
    expect(await submit(alice.client, documentId, edit, 1, 'op-2')).toEqual({ version: 2 });
    expect(await submit(alice.client, documentId, edit, 1, 'op-2')).toEqual({ version: 2, duplicate: true });
    const snap = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(snap.version).toBe(2);
    expect((snap.snapshot as { zones: Record<string, Zone> }).zones.z1.text).toBe('xy');
  });

  it('answers duplicate for an op re-sent based on a version at or after its own commit', async () => {
    // A client that rebased onto a snapshot which already held its in-flight op re-sends it based on that
    // snapshot's version: nothing after `v` holds it, but it is committed, so it is a duplicate, not a new op.
    const { documentId, make } = await setup();
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', 'x')), 0, 'op-1');
    const edit = zoneEdit('z1', { pos: 1, ins: 'y' });
    expect(await submit(alice.client, documentId, edit, 1, 'op-2')).toEqual({ version: 2 });
    expect(await submit(alice.client, documentId, edit, 2, 'op-2')).toEqual({ version: 2, duplicate: true });
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 0, ins: '>' }), 2, 'op-3');
    expect(await submit(alice.client, documentId, edit, 3, 'op-2')).toEqual({ version: 2, duplicate: true });
    const snap = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(snap.version).toBe(3);
    expect((snap.snapshot as { zones: Record<string, Zone> }).zones.z1.text).toBe('>xy');
  });

  it('loads a document as of one version while another writer commits during the load', async () => {
    // Another node commits between the load's read of the document's version and its read of the snapshot and
    // ops: the data loaded must not run ahead of that version, or catching up applies the op a second time.
    class RacingStore extends MemoryDocStore {
      duringLoad: (() => Promise<unknown>) | undefined;
      override async snapshot(documentId: string, atOrBelow?: number) {
        const elsewhere = this.duringLoad;
        this.duringLoad = undefined;
        if (elsewhere) await elsewhere();
        return super.snapshot(documentId, atOrBelow);
      }
    }
    const store = new RacingStore();
    const { documentId, make } = await setup({ documents: { checksumEvery: 5, store } });
    const record = (version: number, op: Op, userId: string, opId: string) =>
      store.appendOp({ documentId, version, op, userId, opId, ts: version });
    await store.ensure(documentId, 'alice', 1);
    await record(1, zoneCreate(zone('z1', 'a')), 'alice', 'o1');
    store.duringLoad = () => record(2, zoneEdit('z1', { pos: 1, ins: 'b' }), 'bob', 'elsewhere');
    const alice = await make('alice');
    expect(alice.snap.version).toBe(1);
    expect((alice.snap.snapshot as { zones: Record<string, Zone> }).zones.z1.text).toBe('a');
    // Alice's edit loses the race for version 2, catches up, and commits after bob's.
    expect(await submit(alice.client, documentId, zoneEdit('z1', { pos: 1, ins: 'c' }), 1, 'a1')).toEqual({
      version: 3,
    });
    const snap = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(snap.version).toBe(3);
    expect([...(snap.snapshot as { zones: Record<string, Zone> }).zones.z1.text].sort().join('')).toBe('abc');
  });

  it('commits a server op once per opId: committing it again (a resumed job) answers duplicate', async () => {
    const { server, documentId, make } = await setup();
    const alice = await make('alice');
    const docs = server.documents;
    if (!docs) throw new Error('documents are on');
    const author = { userId: 'system:bot', opId: 'bot-z1' };
    expect(await docs.applyServerOp(documentId, zoneCreate(zone('z1', 'from a bot')), author)).toEqual({
      version: 1,
    });
    // Someone deletes the zone; the job, resumed, commits the same change again: it is not re-created.
    await submit(alice.client, documentId, zoneDelete('z1', zone('z1', 'from a bot')), 1, 'a1');
    expect(await docs.applyServerOp(documentId, zoneCreate(zone('z1', 'from a bot')), author)).toEqual({
      version: 1,
      duplicate: true,
    });
    expect(
      await docs.applyServerOps(
        documentId,
        [
          { op: zoneCreate(zone('z1', 'again')), opId: 'bot-z1' },
          { op: zoneCreate(zone('z2', 'new')), opId: 'bot-z2' },
        ],
        { userId: 'system:bot' },
      ),
    ).toEqual([{ version: 1, duplicate: true }, { version: 3 }]);
    const snap = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(snap.version).toBe(3);
    expect(Object.keys((snap.snapshot as { zones: Record<string, Zone> }).zones)).toEqual(['z2']);
  });

  it('refuses an op on a zone locked by someone else, with zone_locked and a conflict notice', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    const bob = await make('bob');
    await submit(
      alice.client,
      documentId,
      zoneCreate({ ...zone('z1', 'locked text'), label: 'Abstract' }),
      0,
      'a1',
    );
    const lock = await alice.client.request<{ userId: string; expiresAt: number }>('doc.lock', {
      documentId,
      zoneId: 'z1',
    });
    expect(lock.userId).toBe('alice');
    await waitFor(() => bob.events.some((e) => e.type === 'zone_lock'));
    await expect(
      submit(bob.client, documentId, zoneEdit('z1', { pos: 0, ins: 'X' }), 1, 'b1'),
    ).rejects.toMatchObject({
      code: 'zone_locked',
    });
    await waitFor(() => bob.events.some((e) => e.type === 'conflict'));
    expect(bob.events.find((e) => e.type === 'conflict')?.data).toMatchObject({
      kind: 'locked',
      zoneId: 'z1',
      byUserId: 'alice',
      zoneLabel: 'Abstract',
      zoneType: 'paragraph',
      zonePage: 0,
      zoneExcerpt: 'locked text',
      message: 'alice has locked the paragraph “Abstract” on page 1; your change was not saved.',
    });
    // The holder's own edits pass; bob cannot unlock, alice can.
    expect(
      (await submit(alice.client, documentId, zoneEdit('z1', { pos: 0, ins: 'A' }), 1, 'a2')).version,
    ).toBe(2);
    await expect(bob.client.request('doc.unlock', { documentId, zoneId: 'z1' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await alice.client.request('doc.unlock', { documentId, zoneId: 'z1' });
    await waitFor(() => bob.events.some((e) => e.type === 'zone_unlock'));
    expect(
      (await submit(bob.client, documentId, zoneEdit('z1', { pos: 0, ins: 'B' }), 2, 'b2')).version,
    ).toBe(3);
  });

  it('tells a user their edit was dropped because someone deleted the zone, by their name', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice', 'Alice Liddell');
    const bob = await make('bob');
    // A label as the pipeline writes it, no more than the type: the zone is named by its page and first words.
    const z1 = { ...zone('z1', 'Revenue grew by 12% in the third quarter.'), page: 3, label: 'Paragraph' };
    await submit(alice.client, documentId, zoneCreate(z1), 0, 'a1');
    // Gone by the time Bob's edit comes: named as the deletion carried it.
    await submit(alice.client, documentId, zoneDelete('z1', z1), 1, 'a2');
    // Bob edits z1 against version 1 (before the delete).
    const r = await submit(bob.client, documentId, zoneEdit('z1', { pos: 0, ins: 'hi ' }), 1, 'b1');
    expect(r.noop).toBe(true);
    await waitFor(() => bob.events.some((e) => e.type === 'conflict'));
    expect(bob.events.find((e) => e.type === 'conflict')?.data).toMatchObject({
      kind: 'edit_on_deleted',
      zoneId: 'z1',
      byUserId: 'alice',
      byUserName: 'Alice Liddell',
      zoneLabel: 'Paragraph',
      zoneType: 'paragraph',
      zonePage: 3,
      zoneExcerpt: 'Revenue grew by 12% in…',
      message:
        'Alice Liddell deleted the paragraph on page 3 (“Revenue grew by 12% in…”) while you were editing it; your edit in it was dropped.',
    });
  });

  it('names the zone by its label, type and page, and the attribute both set when one value wins', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice', 'Alice Liddell');
    const bob = await make('bob', 'Bob');
    await submit(alice.client, documentId, zoneCreate({ ...zone('z1'), label: 'Intro' }), 0, 'a1');
    await submit(alice.client, documentId, zoneUpdate('z1', { type: 'heading' }), 1, 'a2');
    // Bob sets the type against version 1 too: his value, later, wins; Alice is told.
    expect((await submit(bob.client, documentId, zoneUpdate('z1', { type: 'list' }), 1, 'b1')).version).toBe(
      3,
    );
    await waitFor(() => alice.events.some((e) => e.type === 'conflict'));
    expect(alice.events.find((e) => e.type === 'conflict')?.data).toMatchObject({
      kind: 'same_attribute',
      zoneId: 'z1',
      byUserId: 'bob',
      zoneLabel: 'Intro',
      attribute: 'type',
      message: 'Bob changed the type of the heading “Intro” on page 1 after you; their value was kept.',
    });
  });

  it('tells the authors of ops a client rebased its op past (`made`) what it overwrote, and no one else', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice', 'Alice');
    const bob = await make('bob', 'Bob');
    const carol = await make('carol', 'Carol');
    const z1 = { ...zone('z1', 'text'), label: 'Intro' };
    await submit(alice.client, documentId, zoneCreate(z1), 0, 'a1');
    await submit(alice.client, documentId, zoneCreate(zone('z2', 'other')), 1, 'a2');
    // Made on version 2 offline; meanwhile Alice set the label (3), Carol typed in z2 (4), Alice typed in z1 (5).
    await submit(alice.client, documentId, zoneUpdate('z1', { label: 'Overview' }), 2, 'a3');
    await submit(carol.client, documentId, zoneEdit('z2', { pos: 0, ins: 'c' }), 3, 'c1');
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 0, ins: 'a' }), 4, 'a4');
    // Bob's client rebased his label change (and his deletion of z2) onto version 5 itself.
    const rebased = zoneUpdate('z1', { label: 'Summary' });
    await expect(
      bob.client.request('doc.submit', { documentId, op: rebased, v: 5, opId: 'b0', made: 6 }),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: 'made: the version the op was made on (an integer from 0 to v)',
    });
    await expect(
      bob.client.request('doc.submit', { documentId, op: rebased, v: 5, opId: 'b0', made: 1.5 }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await bob.client.request('doc.submit', { documentId, op: rebased, v: 5, opId: 'b1', made: 2 });
    await bob.client.request('doc.submit', {
      documentId,
      op: zoneDelete('z2', { ...zone('z2', 'cother') }),
      v: 6,
      opId: 'b2',
      made: 2,
    });
    await waitFor(() => alice.events.some((e) => e.type === 'conflict'));
    await waitFor(() => carol.events.some((e) => e.type === 'conflict'));
    const told = (events: EventMessage[]) => events.filter((e) => e.type === 'conflict').map((e) => e.data);
    expect(told(alice.events)).toEqual([
      expect.objectContaining({
        kind: 'same_attribute',
        zoneId: 'z1',
        attribute: 'label',
        byUserId: 'bob',
        opId: 'b1',
      }),
    ]);
    expect(told(carol.events)).toEqual([
      expect.objectContaining({ kind: 'delete_of_edited', zoneId: 'z2', byUserId: 'bob', opId: 'b2' }),
    ]);
    // Without `made` (or with `made` = v) nothing is told: the client saw those ops.
    await bob.client.request('doc.submit', {
      documentId,
      op: zoneUpdate('z1', { label: 'Again' }),
      v: 7,
      opId: 'b3',
    });
    await bob.client.request('doc.submit', {
      documentId,
      op: zoneUpdate('z1', { label: 'Once more' }),
      v: 8,
      opId: 'b4',
      made: 8,
    });
    await bob.client.request('doc.open', { documentId });
    expect(told(alice.events)).toHaveLength(1);
    expect(told(bob.events)).toEqual([]);
  });

  it('re-opens with the ops after a given version', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', 'a')), 0, 'o1');
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 1, ins: 'b' }), 1, 'o2');
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 2, ins: 'c' }), 2, 'o3');
    const snap = await alice.client.request<DocSnapshot>('doc.open', { documentId, since: 1, reason: 'gap' });
    expect(snap.version).toBe(3);
    expect(snap.ops?.map((o) => [o.version, o.opId, o.userId, o.zoneIds])).toEqual([
      [2, 'o2', 'alice', ['z1']],
      [3, 'o3', 'alice', ['z1']],
    ]);
  });

  it('refuses invalid ops and zones with a clear code', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    await expect(
      submit(alice.client, documentId, { bogus: true } as unknown as Op, 0, 'x1'),
    ).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(submit(alice.client, documentId, zoneCreate(zone('z1')), 5, 'x2')).rejects.toMatchObject({
      code: 'bad_version',
    });
    const bad = { ...zone('z2'), confidence: 7 } as Zone;
    await expect(
      submit(alice.client, documentId, [['zones', 'z2', { i: bad }]] as unknown as Op, 0, 'x3'),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(alice.client.request('doc.open', { documentId: 'not-joined' })).rejects.toMatchObject({
      code: 'not_joined',
    });
    // Names every JavaScript object has cannot be zone ids or meta keys: refused, saying why.
    const reserved = 'cannot be a zone id or a meta key (every JavaScript object has it)';
    await expect(
      submit(alice.client, documentId, zoneCreate(zone('constructor')), 0, 'r1'),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: `op: "constructor" ${reserved}`,
    });
    await expect(
      submit(alice.client, documentId, ['meta', 'toString', { r: true }], 0, 'r2'),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: `op: "toString" ${reserved}`,
    });
    // Locks and unlocks check the zone id alike; room.members names what is missing.
    for (const method of ['doc.lock', 'doc.unlock'])
      for (const zoneId of ['z'.repeat(129), 7, ''])
        await expect(alice.client.request(method, { documentId, zoneId })).rejects.toMatchObject({
          code: 'invalid',
          message: 'zoneId: a string of 1-128 characters',
        });
    await expect(alice.client.request('room.members', {})).rejects.toMatchObject({ code: 'invalid' });
    await expect(alice.client.request('room.members', { room: 'doc:elsewhere' })).rejects.toMatchObject({
      code: 'not_joined',
    });
    // A text edit json1 lets through but text-unicode refuses (a negative skip): refused up front, also when it
    // would be transformed past a later op (and checked for conflicts with it) first.
    await submit(alice.client, documentId, zoneCreate(zone('z1', 'hello')), 0, 'x4');
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 0, ins: 'a' }), 1, 'x5');
    await expect(
      submit(alice.client, documentId, ['zones', 'z1', 'text', { es: [-1, 'x'] }], 1, 'x6'),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: 'op: text edit at ["zones","z1","text"]: invalid component -1',
    });
    // A number added to a text would append it ("hello1"), and no text edit could then be transformed past it.
    await expect(
      submit(alice.client, documentId, ['zones', 'z1', 'text', { ena: 1 }], 2, 'x7'),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: 'op: ena at ["zones","z1","text"]: adds to a string, not a number',
    });
    await submit(alice.client, documentId, ['zones', 'z1', 'confidence', { ena: -0.5 }], 2, 'x8');
    // Text its type cannot read: invalid, never internal (which a client retries for ever).
    await expect(
      submit(alice.client, documentId, ['zones', 'z1', 'text', { es: [0, '\ud800'] }], 3, 'x9'),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      submit(alice.client, documentId, ['zones', 'z1', 'text', { es: [{ d: '\ud83d' }] }], 3, 'x10'),
    ).rejects.toMatchObject({ code: 'invalid' });
    const reopened = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(reopened.version).toBe(3);
    expect((reopened.snapshot as { zones: Record<string, Zone> }).zones.z1).toMatchObject({
      text: 'ahello',
      confidence: 0.4,
    });
  });

  it('lists history with user and time, and publishes checksums every N ops', async () => {
    const { documentId, make } = await setup();
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', '')), 0, 'h0');
    for (let i = 1; i <= 5; i++) {
      await submit(alice.client, documentId, zoneUpdate('z1', { label: `L${i}` }), i, `h${i}`);
    }
    const { entries } = await alice.client.request<{
      entries: { version: number; userId: string; kind: string }[];
    }>('doc.history', { documentId });
    expect(entries.map((e) => [e.version, e.userId, e.kind])).toEqual([
      [1, 'alice', 'zone_create'],
      ...[2, 3, 4, 5, 6].map((v) => [v, 'alice', 'zone_update']),
    ]);
    await waitFor(() => alice.events.some((e) => e.type === 'doc_checksum'));
    expect(alice.events.find((e) => e.type === 'doc_checksum')?.data).toMatchObject({
      documentId,
      version: 5,
    });
    const update = alice.events.find((e) => e.type === 'zone_update');
    expect(update?.data).toMatchObject({ zoneId: 'z1', updates: { label: 'L1' } });
  });

  it('checksums a big document a slice at a time: each checksum is of its version, and one comes once it is quiet', async () => {
    const { server, documentId, make } = await setup({
      documents: { checksumEvery: 5, checksumIntervalMs: 0 },
    });
    const docs = server.documents;
    if (!docs) throw new Error('documents are on');
    // 1,500 zones of 1,500 characters: hashing them takes several slices of the event loop.
    const zones: Record<string, Zone> = {};
    for (let i = 0; i < 1_500; i++) zones[`z${i}`] = zone(`z${i}`, `${i} `.padEnd(1_500, 'lorem ipsum '));
    await docs.applyServerOp(documentId, ['zones', { r: true, i: zones }], { userId: 'seed', opId: 'seed' });
    const alice = await make('alice');
    const base = alice.snap.snapshot as { meta: Record<string, unknown>; zones: Record<string, Zone> };
    // 60 ops, a few ms apart: they land between the slices of the checksums they interrupt.
    for (let v = 1; v <= 60; v++) {
      await docs.applyServerOp(documentId, zoneEdit('z7', { pos: 0, ins: 'x' }), {
        userId: 'bot',
        opId: `x${v}`,
      });
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() =>
      alice.events.some((e) => e.type === 'doc_checksum' && (e.data as DocChecksum).version === 61),
    );
    // Each checksum is of the document at its version (never of a version that moved on under it).
    const sums = alice.events.filter((e) => e.type === 'doc_checksum').map((e) => e.data as DocChecksum);
    for (const { version, checksum: sum } of sums) {
      const z7 = { ...base.zones.z7, text: 'x'.repeat(version - 1) + base.zones.z7.text };
      expect(sum).toBe(checksum({ ...base, zones: { ...base.zones, z7 } }));
    }
    // An open's checksum (also worked out in slices, from the snapshot's copy) is the snapshot's, while ops go on.
    const opening = alice.client.request<DocSnapshot>('doc.open', { documentId });
    const more = (async () => {
      for (let v = 1; v <= 10; v++) {
        await docs.applyServerOp(documentId, zoneEdit('z7', { pos: 0, ins: 'y' }), {
          userId: 'bot',
          opId: `y${v}`,
        });
      }
    })();
    const opened = await opening;
    await more;
    expect(opened.checksum).toBe(checksum(opened.snapshot));
  });

  it('answers doc.users with the names the document remembers, and refuses bad ids', async () => {
    const { documentId, make, url } = await setup();
    await make('alice'); // opens the document: remembered
    const bob = await make('bob');
    const users = (userIds: unknown) =>
      bob.client.request<{ users: { userId: string; name?: string }[] }>('doc.users', {
        documentId,
        userIds,
      });
    const sorted = (r: { users: { userId: string }[] }) =>
      [...r.users].sort((a, b) => a.userId.localeCompare(b.userId));
    expect(sorted(await users(['alice', 'bob', 'carol']))).toEqual([
      { userId: 'alice', name: 'alice' },
      { userId: 'bob', name: 'bob' },
    ]);
    for (const bad of [
      [],
      'alice',
      [''],
      [7],
      ['x'.repeat(257)],
      Array.from({ length: 101 }, (_, i) => `u${i}`),
    ]) {
      await expect(users(bad)).rejects.toMatchObject({ code: 'invalid' });
    }
    // Only for the document's room.
    const stranger = createClient(cleanup, { url, token: tokenProvider('eve') });
    await expect(stranger.request('doc.users', { documentId, userIds: ['alice'] })).rejects.toMatchObject({
      code: 'not_joined',
    });
  });

  it('names a server author in history and doc.users, also where it was never remembered by name', async () => {
    const { server, documentId, make } = await setup();
    const alice = await make('alice');
    // A change made without a name (as the pipeline's were before it was remembered by one).
    await server.documents?.applyServerOp(documentId, zoneCreate(zone('z1', 'from a bot')), {
      userId: 'system:bot',
      opId: 'bot-1',
    });
    const history = () =>
      alice.client.request<{ entries: HistoryEntry[] }>('doc.history', { documentId }).then((r) => r.entries);
    expect((await history()).map((e) => [e.userId, e.userName])).toEqual([['system:bot', undefined]]);
    server.documents?.nameAuthor('system:bot', 'Bot');
    expect((await history()).map((e) => [e.userId, e.userName])).toEqual([['system:bot', 'Bot']]);
    expect(await alice.client.request('doc.users', { documentId, userIds: ['system:bot', 'alice'] })).toEqual(
      {
        users: expect.arrayContaining([
          { userId: 'alice', name: 'alice' },
          { userId: 'system:bot', name: 'Bot' },
        ]),
      },
    );
  });

  it('remembers the opener before answering the open, and opens when that fails (remembered at a later open)', async () => {
    const store = new MemoryDocStore();
    let failures = 1;
    const saveUser = store.saveUser.bind(store);
    store.saveUser = async (documentId, user) => {
      // A store slower than a reply: the open is answered once the name is saved, not before.
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (failures-- > 0) throw new Error('disk full');
      return saveUser(documentId, user);
    };
    const { documentId, make } = await setup({ documents: { store } });
    const alice = await make('alice');
    expect(alice.snap.version).toBe(0);
    await submit(alice.client, documentId, zoneCreate(zone('z1', '')), 0, 'n0');
    const history = () => alice.client.request<{ entries: HistoryEntry[] }>('doc.history', { documentId });
    expect((await history()).entries.map((e) => [e.userId, e.userName])).toEqual([['alice', undefined]]);
    await alice.client.request('doc.open', { documentId });
    expect((await history()).entries.map((e) => [e.userId, e.userName])).toEqual([['alice', 'alice']]);
  });

  it("answers a submit in the same frame as the op's event", async () => {
    const { url } = await startServer(cleanup, { documents: {} });
    const frames: string[] = [];
    const { WebSocket } = trackingWebSocket((ws) => ws.on('message', (data) => frames.push(String(data))));
    const alice = createClient(cleanup, { url, token: tokenProvider('alice'), WebSocket });
    const room = uniqueRoom();
    const documentId = room.slice(4);
    await alice.join(room);
    await alice.request<DocSnapshot>('doc.open', { documentId });
    await submit(alice, documentId, zoneCreate(zone('z1', 'a')), 0, 'f0');
    await waitFor(() => frames.some((f) => f.includes('"zone_create"')));
    frames.length = 0;
    // Once the submit resolved its reply has arrived; the op's event came before it or in the same frame.
    await submit(alice, documentId, zoneEdit('z1', { pos: 1, ins: 'b' }), 1, 'f1');
    expect(frames.some((f) => f.includes('"zone_edit"'))).toBe(true);
    const withReply = frames.filter((f) => f.includes('"response"'));
    expect(withReply).toHaveLength(1);
    const batch = JSON.parse(withReply[0]) as { type: string; items: { type: string }[] };
    expect(batch.type).toBe('batch');
    expect(batch.items.map((m) => m.type)).toEqual(['response', 'zone_edit']);
  });

  it('publishes at most one checksum per interval, and one for the latest version once it is over', async () => {
    const { documentId, make } = await setup({ documents: { checksumEvery: 5, checksumIntervalMs: 300 } });
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', '')), 0, 't0');
    for (let i = 1; i < 12; i++) {
      await submit(alice.client, documentId, zoneEdit('z1', { pos: 0, ins: 'x' }), i, `t${i}`);
    }
    const sums = () =>
      alice.events.filter((e) => e.type === 'doc_checksum').map((e) => e.data as DocChecksum);
    // 5 within the interval of nothing: published; 10 within 300 ms of it: skipped, owed.
    await waitFor(() => sums().length === 2, 5000);
    const opened = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    expect(sums().map((c) => c.version)).toEqual([5, 12]);
    expect(sums()[1].checksum).toBe(opened.checksum);
    // The owed one came after the latest version's event, and nothing more is owed.
    const last = alice.events.findIndex(
      (e) => e.type === 'zone_edit' && (e.data as DocChecksum).version === 12,
    );
    expect(
      alice.events.findIndex((e) => e.type === 'doc_checksum' && (e.data as DocChecksum).version === 12),
    ).toBeGreaterThan(last);
    await new Promise((r) => setTimeout(r, 1200));
    expect(sums()).toHaveLength(2);
  });

  it('hands out the document as of its version, while later ops change the zones in place', async () => {
    const { documentId, make, server } = await setup();
    const alice = await make('alice');
    await submit(alice.client, documentId, zoneCreate(zone('z1', 'one')), 0, 'c0');
    const sequencer = server.documents;
    if (!sequencer) throw new Error('documents are off');
    const read = await sequencer.read(documentId);
    const opened = await alice.client.request<DocSnapshot>('doc.open', { documentId });
    await submit(alice.client, documentId, zoneEdit('z1', { pos: 3, del: 0, ins: ' two' }), 1, 'e1');
    await submit(alice.client, documentId, zoneCreate(zone('z2', 'new')), 2, 'c2');
    await submit(alice.client, documentId, zoneDelete('z1'), 3, 'd3');
    // What was handed out at version 1 is still version 1.
    expect(read.version).toBe(1);
    expect(Object.keys(read.data.zones)).toEqual(['z1']);
    expect(read.data.zones.z1.text).toBe('one');
    expect(opened.version).toBe(1);
    expect((opened.snapshot as { zones: Record<string, Zone> }).zones.z1.text).toBe('one');
    const now = await sequencer.read(documentId);
    expect(now.version).toBe(4);
    expect(Object.keys(now.data.zones)).toEqual(['z2']);
  });
});
