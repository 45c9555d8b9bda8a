import { checksum, type Zone, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '@syncline/doc';
import {
  type Codec,
  type DocSnapshot,
  jsonCodec,
  msgpackCodec,
  PROTOCOL_VERSION,
  Preencoded,
  type ServerMessage,
  SUBPROTOCOL_MSGPACK,
} from '@syncline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { SynclineError } from '../core/errors.js';
import { Hub } from '../core/hub.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import {
  DocumentSequencer,
  type SequencerOptions,
  type ServerBatchState,
  snapshotInterval,
} from './doc-sequencer.js';
import { MemoryDocStore } from './memory-doc-store.js';

const zone = (id: string): Zone => ({
  id,
  page: 1,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: id,
  updatedBy: 'u',
  updatedAt: 0,
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A node: a hub on `bus` (one node alone, or several sharing it) and its sequencer on `store`. */
function node(clock: FakeClock, bus: LocalBus, store: MemoryDocStore, options: SequencerOptions = {}) {
  const broker = new LocalBroker(bus);
  const hub = new Hub({
    store: new MemoryLogStore(),
    broker,
    authenticate: async () => ({ userId: 'u', roles: [], claims: {} }),
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, store, options);
  closers.push(async () => {
    documents.stop();
    await broker.close();
  });
  return { hub, documents };
}

function sequencer(maxZones?: number, store = new MemoryDocStore(), options: SequencerOptions = {}) {
  const clock = new FakeClock();
  const { hub, documents } = node(clock, new LocalBus(() => clock.now()), store, {
    ...(maxZones === undefined ? {} : { maxZones }),
    ...options,
  });
  const run = <T>(p: Promise<T>) => clock.run(p);
  const create = (id: string) =>
    run(documents.applyServerOp('d', zoneCreate(zone(id)), { userId: 'u', opId: `c-${id}` }));
  return { hub, documents, run, create };
}

describe('snapshotInterval', () => {
  it('saves a bigger document less often: by the power of two at or above its zones per thousand', () => {
    const at = (zones: number) => snapshotInterval(100, zones);
    expect([0, 1_000, 1_001, 2_000, 4_001, 10_000, 16_000, 16_001].map(at)).toEqual([
      100, 100, 200, 200, 800, 1_600, 1_600, 3_200,
    ]);
  });
});

describe('DocumentSequencer zone limit', () => {
  it('is 10,000 by default and a server option', () => {
    expect(sequencer().documents.maxZones).toBe(10_000);
    expect(sequencer(3).documents.maxZones).toBe(3);
    expect(() => sequencer(0)).toThrow(/maxZones must be an integer >= 1/);
  });

  it('refuses the op that would make one zone too many, saying so', async () => {
    const s = sequencer(2);
    await s.create('a');
    await s.create('b');
    const refused = await s.create('c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SynclineError);
    expect(refused).toMatchObject({ code: 'invalid', message: '3 zones, the limit is 2' });
    // Changing a zone of a full document is fine.
    await s.run(
      s.documents.applyServerOp('d', ['zones', 'a', 'label', { r: true, i: 'x' }], {
        userId: 'u',
        opId: 'l',
      }),
    );
    expect(Object.keys((await s.run(s.documents.read('d'))).data.zones)).toEqual(['a', 'b']);
  });

  it('plans a server batch against the document in its commit queue: zone count and limit', async () => {
    const s = sequencer(3);
    await s.create('a');
    const seen: Omit<ServerBatchState, 'data'>[] = [];
    const results = await s.run(
      s.documents.applyServerOps(
        'd',
        ({ zoneCount, maxZones }) => {
          seen.push({ zoneCount, maxZones });
          return ['b', 'c'].map((id) => ({ op: zoneCreate(zone(id)), opId: `b-${id}` }));
        },
        { userId: 'u' },
      ),
    );
    expect(seen).toEqual([{ zoneCount: 1, maxZones: 3 }]);
    expect(results.map((r) => r.version)).toEqual([2, 3]);
  });

  it('refuses only ops that add zones to a document over a limit lowered since it grew', async () => {
    const store = new MemoryDocStore();
    const before = sequencer(3, store);
    for (const id of ['a', 'b', 'c']) await before.create(id);
    before.documents.stop();
    const s = sequencer(2, store);
    const commit = (op: Parameters<DocumentSequencer['applyServerOp']>[1], opId: string) =>
      s.run(s.documents.applyServerOp('d', op, { userId: 'u', opId }));
    await commit(['zones', 'a', 'label', { r: true, i: 'x' }], 'label');
    await commit(zoneEdit('b', { pos: 0, ins: 'more ' }), 'text');
    await commit(['meta', 'name', { i: 'big' }], 'meta');
    // Several zones at once (the whole-document path).
    await commit(
      ['zones', ['a', 'type', { r: true, i: 'table' }], ['b', 'type', { r: true, i: 'table' }]],
      'two',
    );
    await expect(commit(zoneCreate(zone('d')), 'add')).rejects.toMatchObject({
      message: '4 zones, the limit is 2',
    });
    await expect(
      commit(['zones', ['c', { r: true }], ['d', { i: zone('d') }], ['e', { i: zone('e') }]], 'add-two'),
    ).rejects.toMatchObject({ message: '4 zones, the limit is 2' });
    await commit(zoneDelete('c'), 'delete');
    const { data } = await s.run(s.documents.read('d'));
    expect(Object.keys(data.zones)).toEqual(['a', 'b']);
    expect(data.zones.b.text).toBe('more b');
  });
});

describe('DocumentSequencer values that would break a document', () => {
  it('refuses them with invalid, and the document, its checksum and its snapshot stay whole', async () => {
    const s = sequencer();
    await s.create('a');
    const commit = (op: unknown, opId: string) =>
      s.run(
        s.documents.applyServerOp('d', op as Parameters<DocumentSequencer['applyServerOp']>[1], {
          userId: 'u',
          opId,
        }),
      );
    let deep: unknown = 'x';
    for (let i = 0; i < 4000; i++) deep = [deep];
    const refusals: [unknown, string][] = [
      // A zone field nested thousands of levels deep: the checksum, the encoders and json1 would overflow the stack.
      [['zones', 'z', { i: { ...zone('z'), extra: deep } }], `op: op nests more than 100 levels deep`],
      [
        [
          'zones',
          'z',
          { i: { ...zone('z'), extra: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] } },
        ],
        'zone "z": extra: nested more than 32 levels deep',
      ],
      // A number add on a missing key (json1 would make NaN, which JSON sends as null), or on a string (json1 would
      // append it: "hello1", and text edits could no longer be transformed past it).
      [['meta', 'count', { ena: 1 }], 'op: ena at ["meta","count"]: adds to nothing, not a number'],
      [
        ['zones', 'a', 'label', { ena: 1 }],
        'op: ena at ["zones","a","label"]: adds to a string, not a number',
      ],
      // MessagePack's timestamps and binary data: read back as something else by JSON peers.
      [['meta', 'at', { i: new Date(0) }], 'op: i at ["meta","at"]: a Date is not a JSON value'],
      [
        ['zones', 'a', 'raw', { i: new Uint8Array(2) }],
        'op: i at ["zones","a","raw"]: a Uint8Array is not a JSON value',
      ],
      // Text deletes that do not fit the text.
      [
        ['zones', 'a', 'text', { es: [{ d: 100 }] }],
        'op does not apply: The op deletes past the end of the text',
      ],
      [
        ['zones', 'a', 'text', { es: [{ d: 'zz' }] }],
        'op does not apply: The op deletes text that is not there',
      ],
    ];
    for (const [i, [op, message]] of refusals.entries())
      await expect(commit(op, `bad-${i}`)).rejects.toMatchObject({ code: 'invalid', message });
    await commit(['zones', 'a', 'text', { es: [{ d: 'a' }, 'b'] }], 'fine');
    const { data, version } = await s.run(s.documents.read('d'));
    expect(version).toBe(2);
    expect(data).toEqual({ meta: {}, zones: { a: { ...zone('a'), text: 'b' } } });
    expect(() => checksum(data)).not.toThrow();
  });
});

describe('DocumentSequencer zone_update events', () => {
  it('name a field the op removed with null (a moved zone loses its reading order)', async () => {
    const s = sequencer();
    const events: { type: string; data: Record<string, unknown> }[] = [];
    s.hub.onPublished.push((_room, type, data) => {
      events.push({ type, data: data as Record<string, unknown> });
    });
    const read = { ...zone('a'), order: 1 };
    await s.run(s.documents.applyServerOp('d', zoneCreate(read), { userId: 'u', opId: 'c' }));
    const move = zoneUpdate('a', { page: 2 }, { current: read });
    await s.run(s.documents.applyServerOp('d', move, { userId: 'u', opId: 'm' }));
    const update = events.find((e) => e.type === 'zone_update');
    expect(update?.data.updates).toEqual({ page: 2, order: null });
    expect(Object.hasOwn((await s.run(s.documents.read('d'))).data.zones.a, 'order')).toBe(false);
  });
});

describe('DocumentSequencer on several nodes', () => {
  it('read() includes what another node committed since this node loaded the document', async () => {
    const clock = new FakeClock();
    const bus = new LocalBus(() => clock.now());
    const store = new MemoryDocStore();
    const [a, b] = [node(clock, bus, store).documents, node(clock, bus, store).documents];
    await clock.run(a.applyServerOp('d', zoneCreate(zone('z1')), { userId: 'u', opId: 'c1' }));
    expect(Object.keys((await clock.run(a.read('d'))).data.zones)).toEqual(['z1']);
    await clock.run(b.applyServerOp('d', zoneCreate(zone('z2')), { userId: 'u', opId: 'c2' }));
    const read = await clock.run(a.read('d'));
    expect(read.version).toBe(2);
    expect(Object.keys(read.data.zones).sort()).toEqual(['z1', 'z2']);
  });
});

describe('DocumentSequencer doc.submit', () => {
  it('refuses an opId with U+0000 or a lone surrogate (stored as it is: PostgreSQL text cannot hold the one, PostgreSQL and SQLite read the other back as U+FFFD), as invalid', async () => {
    const s = sequencer();
    await s.create('a');
    const socket = new MemorySocket();
    socket.attach(s.hub.open(socket, { ip: '127.0.0.1' }));
    socket.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'u' });
    socket.write({ type: 'join_room', room: 'doc:d', id: 'join' });
    const op = zoneEdit('a', { pos: 0, ins: 'x' });
    const bad = ['o\u0000', 'o\uD800', '\uDC00o', 'o\uDE00\uD83D'];
    for (const [i, opId] of bad.entries()) {
      socket.write({
        type: 'request',
        id: `r${i}`,
        method: 'doc.submit',
        data: { documentId: 'd', op, v: 1, opId },
      });
    }
    await s.run(Promise.resolve());
    for (const [i, opId] of bad.entries()) {
      expect(
        (socket.messages() as { id?: string }[]).find((m) => m.id === `r${i}`),
        JSON.stringify(opId),
      ).toMatchObject({
        type: 'nack',
        code: 'invalid',
        message: 'opId: a string of 1-128 characters without U+0000 or a lone surrogate',
      });
    }
    // A surrogate pair is a whole character: committed.
    socket.write({
      type: 'request',
      id: 'ok',
      method: 'doc.submit',
      data: { documentId: 'd', op, v: 1, opId: 'o\uD83D\uDE00' },
    });
    await s.run(Promise.resolve());
    expect((socket.messages() as { id?: string }[]).find((m) => m.id === 'ok')).toMatchObject({
      type: 'response',
    });
  });
});

describe('DocumentSequencer doc.open with since', () => {
  it('carries the ops after it up to maxOpenOps; further behind, the snapshot alone', async () => {
    const s = sequencer(undefined, undefined, { maxOpenOps: 3 });
    for (let i = 0; i < 6; i++) await s.create(`z${i}`); // versions 1..6
    const socket = new MemorySocket();
    socket.attach(s.hub.open(socket, { ip: '127.0.0.1' }));
    socket.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'u' });
    socket.write({ type: 'join_room', room: 'doc:d', id: 'join' });
    await s.run(Promise.resolve());
    let ids = 0;
    const reply = async (data: Record<string, unknown>) => {
      const id = `open-${++ids}`;
      socket.write({ type: 'request', id, method: 'doc.open', data: { documentId: 'd', ...data } });
      await s.run(Promise.resolve());
      return (socket.messages() as (ServerMessage & { id?: string; data?: DocSnapshot })[]).find(
        (m) => m.id === id,
      );
    };
    const open = async (data: Record<string, unknown>) => {
      const r = await reply(data);
      if (r?.type !== 'response') throw new Error(`no response to doc.open ${JSON.stringify(data)}`);
      return r.data as DocSnapshot;
    };
    const near = await open({ since: 3, opIds: ['c-z4'] });
    expect(near.version).toBe(6);
    expect(near.ops?.map((o) => o.version)).toEqual([4, 5, 6]);
    expect(near.committed).toBeUndefined(); // the ops say it
    const far = await open({ since: 2 });
    expect(far.version).toBe(6);
    expect(far.ops).toBeUndefined();
    expect(Object.keys((far.snapshot as { zones: object }).zones)).toHaveLength(6);
    // Without ops: which of my op ids the snapshot holds (an op whose answer I lost), and at what version.
    const mine = await open({ since: 2, opIds: ['c-z4', 'never-sent'] });
    expect(mine.ops).toBeUndefined();
    expect(mine.committed).toEqual([{ opId: 'c-z4', version: 5 }]);
    expect((await open({ since: 2, opIds: ['never-sent'] })).committed).toBeUndefined();
    for (const opIds of [
      'c-z4',
      [''],
      [7],
      ['a\u0000'],
      ['a\uD800'],
      ['c-z4', '\uDFFF'],
      Array.from({ length: 17 }, (_, i) => `op-${i}`),
    ]) {
      expect(await reply({ since: 2, opIds })).toMatchObject({
        type: 'nack',
        code: 'invalid',
        message: 'opIds: at most 16 op ids, strings of 1-128 characters without U+0000 or a lone surrogate',
      });
    }
  });
});

describe('DocumentSequencer doc.open', () => {
  type Reply = ServerMessage & { id?: string; data?: DocSnapshot };

  /** A sequencer with `zones` zones in document `d`, and clients that joined `doc:d` and open it. */
  async function opened(zones: number) {
    const s = sequencer();
    for (let i = 0; i < zones; i++) await s.create(`z${i}`);
    let ids = 0;
    async function client(protocol?: string) {
      const socket = new MemorySocket(protocol);
      socket.attach(s.hub.open(socket, { ip: '127.0.0.1' }));
      socket.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'u' });
      socket.write({ type: 'join_room', room: 'doc:d', id: `join-${++ids}` });
      await s.run(Promise.resolve());
      return socket;
    }
    /** Sends `doc.open` from each socket in the same turn, and returns their replies. */
    async function open(...sockets: MemorySocket[]): Promise<Reply[]> {
      const sent = sockets.map((socket) => {
        const id = `open-${++ids}`;
        socket.write({ type: 'request', id, method: 'doc.open', data: { documentId: 'd' } });
        return { socket, id };
      });
      await s.run(Promise.resolve());
      return sent.map(({ socket, id }) => {
        const reply = (socket.messages() as Reply[]).find((m) => m.id === id);
        if (reply?.type !== 'response') throw new Error(`no response to ${id}: ${JSON.stringify(reply)}`);
        return reply;
      });
    }
    /** The reply as it was before snapshots were kept: the document read now, hashed now. */
    async function expected(id: string | undefined): Promise<unknown> {
      const { version, data, ownerId } = await s.run(s.documents.read('d'));
      const snap = {
        documentId: 'd',
        version,
        snapshot: data,
        checksum: checksum(data),
        locks: [],
        members: s.hub.members('doc:d'),
        ownerId,
      };
      return JSON.parse(JSON.stringify({ type: 'response', id, data: snap }));
    }
    return { ...s, client, open, expected };
  }

  /** Spies on the codecs: how many times each encoded a whole document (a value with `zones`). */
  function countDocumentEncodings() {
    const counts = new Map<Codec, number>();
    for (const codec of [jsonCodec, msgpackCodec]) {
      const encode = codec.encode;
      vi.spyOn(codec, 'encode').mockImplementation((message: unknown) => {
        if ((message as { zones?: unknown } | null)?.zones !== undefined)
          counts.set(codec, (counts.get(codec) ?? 0) + 1);
        return encode(message);
      });
    }
    return counts;
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('encodes the snapshot of a version once per codec, whoever opens it; each reply decodes as before', async () => {
    const s = await opened(20);
    const [a, b, c] = [await s.client(), await s.client(), await s.client(SUBPROTOCOL_MSGPACK)];
    const counts = countDocumentEncodings();
    const replies = await s.open(a, b, c);
    const again = await s.open(b);
    expect(counts.get(jsonCodec)).toBe(1);
    expect(counts.get(msgpackCodec)).toBe(1);
    expect(s.documents.openSnapshotVersion('d')).toBe(20);
    for (const reply of [...replies, ...again]) {
      expect(reply.data?.version).toBe(20);
      expect(reply).toEqual(await s.expected(reply.id));
    }
  });

  it('sends the new version’s snapshot after a commit, and drops the old one', async () => {
    const s = await opened(3);
    const [a, b] = [await s.client(), await s.client(SUBPROTOCOL_MSGPACK)];
    const [before] = await s.open(a);
    expect(before.data?.version).toBe(3);
    // A one-zone op changes the loaded document in place.
    await s.run(
      s.documents.applyServerOp('d', zoneEdit('z1', { pos: 0, ins: 'new ' }), { userId: 'u', opId: 'e' }),
    );
    expect(s.documents.openSnapshotVersion('d')).toBeUndefined();
    const replies = await s.open(a, b);
    for (const reply of replies) {
      expect(reply.data?.version).toBe(4);
      expect((reply.data?.snapshot as { zones: Record<string, Zone> } | undefined)?.zones.z1.text).toBe(
        'new z1',
      );
      expect(reply).toEqual(await s.expected(reply.id));
    }
    expect(before.data?.snapshot).not.toEqual(replies[0].data?.snapshot);
  });

  it('lets go of the kept snapshot a minute after its last open, while the document stays loaded', async () => {
    const s = await opened(3);
    const a = await s.client();
    await s.open(a);
    const clock = s.hub.clock as FakeClock;
    clock.advance(59_000);
    expect(s.documents.openSnapshotVersion('d')).toBe(3);
    clock.advance(2_000);
    expect(s.documents.openSnapshotVersion('d')).toBeUndefined();
  });

  it('keeps a reply of one version whole when it is encoded after the next commit (another codec)', async () => {
    const s = await opened(2);
    const socket = await s.client();
    const session = [...s.hub.sessions.values()][0];
    const reply = await s.run(s.documents.open({ documentId: 'd' }, session));
    expect(reply.snapshot).toBeInstanceOf(Preencoded);
    jsonCodec.encode({ type: 'response', id: 'x', data: reply });
    const atTwo = await s.expected('x');
    await s.run(
      s.documents.applyServerOp('d', zoneEdit('z0', { pos: 0, ins: 'later ' }), { userId: 'u', opId: 'e' }),
    );
    // The reply still says version 2, and its snapshot is version 2's, in either codec.
    for (const codec of [msgpackCodec, jsonCodec]) {
      const decoded = codec.decode(codec.encode({ type: 'response', id: 'x', data: reply })) as Reply;
      expect(decoded.data?.version).toBe(2);
      expect(decoded).toEqual(atTwo);
    }
    expect(socket.closeInfo).toBeNull();
  });
});
