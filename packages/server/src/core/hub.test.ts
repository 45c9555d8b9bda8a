import {
  CloseCode,
  ErrorCode,
  jsonCodec,
  msgpackCodec,
  PROTOCOL_VERSION,
  type RoomState,
  type ServerMessage,
  SUBPROTOCOL_MSGPACK,
  type Welcome,
} from '@syncline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { MAX_DATA_DEPTH } from './commands.js';
import { SLOW_CONSUMER_CUT_MS } from './connection.js';
import { SynclineError } from './errors.js';
import { DEFAULT_LIMITS, Hub, type HubOptions } from './hub.js';
import type { Identity } from './identity.js';
import { silentLogger } from './logger.js';
import type { RateLimitOptions } from './rate-limiter.js';
import { FakeClock } from './testing/fake-clock.js';
import { MemorySocket } from './testing/memory-socket.js';

// biome-ignore lint/suspicious/noExplicitAny: test messages are read loosely
type Msg = ServerMessage & Record<string, any>;

/**
 * The stub `authenticate`: a token is a user id, optionally followed by `;exp=<seconds>` and `;admin`.
 * `bad` is refused as unauthorized, `expired` as expired.
 */
async function authenticate(token: string): Promise<Identity> {
  if (token === 'bad') throw new SynclineError(ErrorCode.Unauthorized, 'invalid token');
  if (token === 'expired') throw new SynclineError(ErrorCode.TokenExpired, 'token expired');
  const [userId, ...options] = token.split(';');
  const id: Identity = { userId, name: `User ${userId}`, roles: [], claims: { sub: userId } };
  for (const o of options) {
    if (o.startsWith('exp=')) id.exp = Number(o.slice(4));
    if (o === 'admin') id.roles = ['admin'];
  }
  return id;
}

const stores: MemoryLogStore[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of stores.splice(0)) await s.close();
});

function setup(opts: Partial<HubOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryLogStore();
  stores.push(store);
  const hub = new Hub({ store, authenticate, clock, logger: silentLogger, ...opts });
  hub.start();
  let ids = 0;
  const nextId = () => `m${++ids}`;
  const settle = () => clock.settle();

  function connect(protocol?: string): MemorySocket {
    const s = new MemorySocket(protocol);
    return s.attach(hub.open(s, { ip: '127.0.0.1' }));
  }

  /** Connects and completes the handshake; the welcome is taken from the socket's messages. */
  async function hello(token: string, extra: Record<string, unknown> = {}, protocol?: string) {
    const s = connect(protocol);
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token, ...extra });
    await settle();
    const rest = s.take() as Msg[];
    const welcome = rest.find((m) => m.type === 'welcome') as Welcome | undefined;
    if (!welcome) throw new Error(`no welcome for ${token}: ${JSON.stringify(rest)}`);
    return { s, welcome, rest: rest.filter((m) => m !== welcome) };
  }

  /** Sends a command with a fresh id, settles, and returns its reply. */
  async function command(s: MemorySocket, message: Record<string, unknown>): Promise<Msg> {
    const id = nextId();
    s.write({ ...message, id });
    await settle();
    const reply = (s.messages() as Msg[]).find((m) => m.id === id);
    if (!reply) throw new Error(`no reply to ${JSON.stringify(message)}`);
    return reply;
  }

  const join = (s: MemorySocket, room: string, extra: Record<string, unknown> = {}) =>
    command(s, { type: 'join_room', room, ...extra });
  const subscribe = (s: MemorySocket, room: string, extra: Record<string, unknown> = {}) =>
    command(s, { type: 'subscribe', room, ...extra });
  const publish = (s: MemorySocket, room: string, event: string, data: unknown, extra = {}) =>
    command(s, { type: 'publish', room, event, data, ...extra });

  /** Publishes as the server and lets the append and the flush happen. */
  async function pub(room: string, type: string, data: unknown, opts?: Parameters<Hub['publish']>[3]) {
    const done = hub.publish(room, type, data, opts);
    await settle();
    return done;
  }

  return { clock, store, hub, settle, nextId, connect, hello, command, join, subscribe, publish, pub };
}

const events = (msgs: Msg[], type?: string) =>
  msgs.filter((m) => (type ? m.type === type : typeof m.room === 'string' && 'ts' in m));
const names = (msgs: Msg[]) => events(msgs, 'app_event').map((m) => m.data.name);

describe('Hub handshake', () => {
  it('answers hello with a welcome listing the automatic rooms', async () => {
    const h = setup();
    const { s, welcome } = await h.hello('alice');
    expect(welcome).toMatchObject({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      userId: 'alice',
      resumed: false,
      heartbeatMs: h.hub.limits.heartbeatMs,
      heartbeatTimeoutMs: h.hub.limits.heartbeatTimeoutMs,
      maxPayload: h.hub.limits.maxPayload,
      sessionGraceMs: h.hub.limits.sessionGraceMs,
      serverTime: h.clock.now(),
    });
    expect(welcome.sessionId).toEqual(expect.any(String));
    expect(welcome.resumeKey).toEqual(expect.any(String));
    expect(welcome.rooms.map((r) => r.room).sort()).toEqual(['system', 'user:alice']);
    expect(welcome.rooms.every((r) => r.status === 'fresh' && r.seq === 0)).toBe(true);
    expect((jsonCodec.decode(s.frames[0]) as Msg).type).toBe('welcome'); // nothing goes before it
    expect(s.closeInfo).toBeNull();
    expect(h.hub.connections.size).toBe(1);
    expect(h.hub.pending.size).toBe(0);
  });

  it('enters the rooms named in hello', async () => {
    const h = setup();
    const { welcome } = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    expect(welcome.rooms).toContainEqual({ room: 'doc:a', seq: 0, status: 'fresh' });
  });

  it('answers a message before hello with error hello_required and closes 4000', async () => {
    const h = setup();
    const s = h.connect();
    s.write({ type: 'join_room', id: 'j1', room: 'doc:a' });
    await h.settle();
    expect(s.take()).toEqual([
      { type: 'error', code: ErrorCode.HelloRequired, message: expect.any(String), id: 'j1' },
    ]);
    expect(s.closeInfo?.code).toBe(CloseCode.ProtocolError.code);
    expect(h.hub.pending.size).toBe(0);
  });

  it('answers an undecodable first frame with error malformed and closes 4000', async () => {
    const h = setup();
    const s = h.connect();
    s.writeRaw('{not json');
    await h.settle();
    expect(s.take()).toEqual([{ type: 'error', code: ErrorCode.Malformed, message: expect.any(String) }]);
    expect(s.closeInfo?.code).toBe(4000);
  });

  it('closes 4005 for a protocol version it does not speak', async () => {
    const h = setup();
    const s = h.connect();
    s.write({ type: 'hello', v: PROTOCOL_VERSION + 1, token: 'alice' });
    await h.settle();
    expect(s.closeInfo?.code).toBe(CloseCode.UnsupportedVersion.code);
  });

  it('closes 4001 for a refused token and 4002 for an expired one', async () => {
    const h = setup();
    const bad = h.connect();
    bad.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'bad' });
    const expired = h.connect();
    expired.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'expired' });
    await h.settle();
    expect(bad.take()).toEqual([expect.objectContaining({ type: 'error', code: ErrorCode.Unauthorized })]);
    expect(bad.closeInfo?.code).toBe(CloseCode.Unauthorized.code);
    expect(expired.take()).toEqual([
      expect.objectContaining({ type: 'error', code: ErrorCode.TokenExpired }),
    ]);
    expect(expired.closeInfo?.code).toBe(CloseCode.TokenExpired.code);
    expect(h.hub.connections.size + h.hub.pending.size).toBe(0);
  });

  it('closes 4004 when no hello arrives within the handshake timeout', async () => {
    const h = setup({ limits: { handshakeTimeoutMs: 3000 } });
    const s = h.connect();
    h.clock.advance(3000);
    await h.settle();
    expect(s.closeInfo).toBeNull();
    h.clock.advance(1000);
    await h.settle();
    expect(s.take()).toEqual([expect.objectContaining({ type: 'error', code: ErrorCode.HelloRequired })]);
    expect(s.closeInfo?.code).toBe(CloseCode.HandshakeTimeout.code);
    expect(h.hub.pending.size).toBe(0);
  });

  it('handles messages sent right behind hello after the welcome, in order', async () => {
    const h = setup();
    const s = h.connect();
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'alice' });
    s.write({ type: 'join_room', id: 'j', room: 'doc:a' });
    s.write({ type: 'publish', id: 'p', room: 'doc:a', event: 'app_event', data: { name: 'hi' } });
    await h.settle();
    const msgs = s.take() as Msg[];
    expect(msgs[0].type).toBe('welcome');
    const replies = msgs.filter((m) => m.type === 'ack' || m.type === 'nack');
    expect(replies.map((m) => [m.type, m.id])).toEqual([
      ['ack', 'j'],
      ['ack', 'p'],
    ]);
  });

  it('answers a second hello with already_authenticated and stays open', async () => {
    const h = setup();
    const { s } = await h.hello('alice');
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'alice' });
    await h.settle();
    expect(s.take()).toEqual([expect.objectContaining({ code: ErrorCode.AlreadyAuthenticated })]);
    expect(s.closeInfo).toBeNull();
  });
});

describe('Hub bad input after the handshake', () => {
  it('answers malformed, unknown and invalid messages without closing', async () => {
    const h = setup();
    const { s } = await h.hello('alice');
    s.writeRaw('{"type":');
    s.write({ type: 'teleport', id: 'u1' });
    s.write({ type: 'join_room', id: 'i1', room: 'NOT A ROOM' });
    await h.settle();
    expect(s.take()).toEqual([
      { type: 'error', code: ErrorCode.Malformed, message: expect.any(String) },
      { type: 'nack', id: 'u1', code: ErrorCode.UnknownType, message: expect.any(String) },
      { type: 'nack', id: 'i1', code: ErrorCode.Invalid, message: expect.any(String) },
    ]);
    expect(s.closeInfo).toBeNull();
    expect((await h.join(s, 'doc:a')).type).toBe('ack');
  });

  it('refuses to publish to a room not joined, unknown events and server-only events', async () => {
    const h = setup();
    const { s } = await h.hello('alice');
    expect(await h.publish(s, 'doc:a', 'app_event', { name: 'x' })).toMatchObject({
      code: ErrorCode.NotJoined,
    });
    await h.join(s, 'doc:a');
    expect(await h.publish(s, 'doc:a', 'nope', {})).toMatchObject({ code: ErrorCode.UnknownEvent });
    expect(await h.publish(s, 'doc:a', 'processing_started', { documentId: 'a' })).toMatchObject({
      code: ErrorCode.Forbidden,
    });
    expect(await h.publish(s, 'doc:a', 'zone_update', { zoneId: 'z' })).toMatchObject({
      code: ErrorCode.Invalid,
    });
  });
});

describe('Hub data that cannot be encoded', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('refuses an ephemeral publish nested too deep to encode, and keeps delivering to the room', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.take();
    bob.s.take();
    // Parses fine (JSON.parse does not recurse), but JSON.stringify overflows the stack at flush.
    alice.s.writeRaw(
      `{"type":"publish","id":"c1","room":"doc:a","event":"cursor_update","data":{"x":1,"y":1,"page":0,"deep":${nested(20_000)}}}`,
    );
    await h.settle();
    expect(alice.s.take()).toEqual([
      { type: 'nack', id: 'c1', code: ErrorCode.Invalid, message: expect.stringContaining('data:') },
    ]);
    expect(await h.publish(alice.s, 'doc:a', 'app_event', { name: 'after' })).toMatchObject({ type: 'ack' });
    expect(names(bob.s.take() as Msg[])).toEqual(['after']);
  });

  it('accepts data nested MAX_DATA_DEPTH levels deep, and refuses one level more', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    // The data object is a level of its own.
    const data = (levels: number) => ({ name: 'deep', deep: JSON.parse(nested(levels - 1)) });
    expect(await h.publish(alice.s, 'doc:a', 'app_event', data(MAX_DATA_DEPTH))).toMatchObject({
      type: 'ack',
    });
    expect(await h.publish(alice.s, 'doc:a', 'app_event', data(MAX_DATA_DEPTH + 1))).toMatchObject({
      type: 'nack',
      code: ErrorCode.Invalid,
      message: `data: nested more than ${MAX_DATA_DEPTH} levels deep`,
    });
  });

  it('refuses a logged publish nested too deep without failing the other publishes of its turn', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.writeRaw(
      `{"type":"publish","id":"p1","room":"doc:a","event":"app_event","data":{"name":"bad","deep":${nested(20_000)}}}`,
    );
    bob.s.write({ type: 'publish', id: 'p2', room: 'doc:a', event: 'app_event', data: { name: 'fine' } });
    await h.settle();
    expect((alice.s.take() as Msg[]).find((m) => m.id === 'p1')).toMatchObject({
      type: 'nack',
      code: ErrorCode.Invalid,
    });
    expect((bob.s.take() as Msg[]).find((m) => m.id === 'p2')).toMatchObject({ type: 'ack' });
  });

  // JSON.parse keeps `__proto__` as an own key, which MessagePack subscribers would read as `__proto_`: PROTOCOL §9.2
  // refuses it. The catalogue's schema copies the data without it, so the check must look at the data as sent: a top
  // level `__proto__` was silently dropped (acked and delivered without it) while one deeper down was refused.
  it.each([
    ['at the top level', '{"name":"odd","__proto__":{"x":1}}'],
    ['deeper down', '{"name":"odd","inner":{"__proto__":{"x":1}}}'],
  ])('refuses a key __proto__ in published data %s', async (_, data) => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.take();
    bob.s.take();
    alice.s.writeRaw(`{"type":"publish","id":"p1","room":"doc:a","event":"app_event","data":${data}}`);
    await h.settle();
    expect(alice.s.take()).toEqual([
      {
        type: 'nack',
        id: 'p1',
        code: ErrorCode.Invalid,
        message: 'data: the key "__proto__" is not read alike by every peer',
      },
    ]);
    expect(bob.s.take()).toEqual([]);
  });

  // Standard extensions spliced in where the string "BIG" (a3 42 49 47) was: a big integer (bigint, fixext16 type
  // 0x42: 2^70), which JSON subscribers cannot be sent; a timestamp (fixext4 type -1: second 0), which they would
  // read as something else.
  it.each([
    [
      'big integer',
      'd84200000000000000400000000000000000',
      2n ** 70n,
      'data: a big integer is not a JSON value (JSON has none)',
    ],
    ['timestamp', 'd6ff00000000', new Date(0), 'data: a Date is not a JSON value'],
  ])('refuses a MessagePack %s in published data', async (_, ext, decoded, message) => {
    const h = setup();
    const mallory = await h.hello(
      'mallory',
      { rooms: [{ room: 'doc:a', mode: 'join' }] },
      SUBPROTOCOL_MSGPACK,
    );
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    mallory.s.take();
    bob.s.take();
    const frame = msgpackCodec.encode({
      type: 'publish',
      id: 'c1',
      room: 'doc:a',
      event: 'app_event',
      data: { name: 'odd', value: 'BIG' },
    }) as Uint8Array;
    const bytes = Buffer.from(Buffer.from(frame).toString('hex').replace('a3424947', ext), 'hex');
    expect((msgpackCodec.decode(bytes) as Msg).data.value).toEqual(decoded);
    mallory.s.writeRaw(bytes);
    await h.settle();
    expect(mallory.s.take()).toEqual([{ type: 'nack', id: 'c1', code: ErrorCode.Invalid, message }]);
    expect(bob.s.take()).toEqual([]);
  });
});

describe('Hub method results that cannot be encoded', () => {
  const cyclic = () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  };
  const deep = () => JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown;

  it('answers nack internal for a BigInt, a cycle or nesting too deep, and keeps the connection', async () => {
    const h = setup();
    let calls = 0;
    h.hub.methods.set('big', () => ({ n: 2n ** 70n, calls: ++calls }));
    h.hub.methods.set('cyclic', cyclic);
    h.hub.methods.set('deep', deep);
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.take();
    bob.s.take();
    for (const method of ['big', 'cyclic', 'deep']) {
      // In the same turn: another connection's output, which must still leave.
      void h.hub.publish('doc:a', 'app_event', { name: method });
      expect(await h.command(alice.s, { type: 'request', method })).toMatchObject({
        type: 'nack',
        code: ErrorCode.Internal,
      });
      expect(names(bob.s.take() as Msg[])).toEqual([method]);
    }
    expect(alice.s.closeInfo).toBeNull();
    // internal is not remembered: the same id runs again.
    alice.s.write({ type: 'request', id: 'again', method: 'big' });
    await h.settle();
    alice.s.write({ type: 'request', id: 'again', method: 'big' }); // a re-send, after the first was answered
    await h.settle();
    expect(calls).toBe(3);
    expect((alice.s.take() as Msg[]).filter((m) => m.id === 'again').map((m) => m.code)).toEqual([
      ErrorCode.Internal,
      ErrorCode.Internal,
    ]);
    expect(names(alice.s.take() as Msg[])).toEqual([]);
    expect(await h.publish(alice.s, 'doc:a', 'app_event', { name: 'after' })).toMatchObject({ type: 'ack' });
  });

  it('answers nack internal to a re-sent request whose stored result the resumed socket’s codec cannot write', async () => {
    const h = setup();
    // A small BigInt: MessagePack writes it as an integer, JSON cannot.
    h.hub.methods.set('small', () => ({ n: 5n }));
    const first = await h.hello('alice', {}, SUBPROTOCOL_MSGPACK);
    first.s.write({ type: 'request', id: 'r1', method: 'small' });
    await h.settle();
    expect((first.s.take() as Msg[]).find((m) => m.id === 'r1')).toMatchObject({ type: 'response' });
    first.s.drop();
    await h.settle();
    const again = await h.hello('alice', {
      session: { id: first.welcome.sessionId, key: first.welcome.resumeKey },
    });
    expect(again.welcome.resumed).toBe(true);
    again.s.write({ type: 'request', id: 'r1', method: 'small' });
    await h.settle();
    expect((again.s.take() as Msg[]).filter((m) => m.id === 'r1')).toEqual([
      { type: 'nack', id: 'r1', code: ErrorCode.Internal, message: expect.any(String) },
    ]);
    expect(again.s.closeInfo).toBeNull();
  });

  it('closes only the connection whose output cannot be encoded (1011); the others’ frames of the turn leave', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.take();
    bob.s.take();
    const conn = [...h.hub.connections].find((c) => c.session?.userId === 'alice')!;
    // Past every check at the source (a server-side bug): the flush must not throw.
    conn.send({ type: 'response', id: 'x', data: cyclic() } as never);
    void h.hub.publish('doc:a', 'app_event', { name: 'same turn' });
    await h.settle();
    expect(alice.s.closeInfo).toEqual({ code: 1011, reason: 'internal error' });
    expect(names(bob.s.take() as Msg[])).toEqual(['same turn']);
    expect(bob.s.closeInfo).toBeNull();
  });
});

describe('Hub rooms and delivery', () => {
  it('join + publish: the publisher gets an ack with the seq, both members get the event once', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    const bob = await h.hello('bob');
    expect(await h.join(alice.s, 'doc:a')).toMatchObject({
      type: 'ack',
      data: { room: 'doc:a', status: 'fresh' },
    });
    await h.join(bob.s, 'doc:a');
    alice.s.take();
    bob.s.take();

    const ack = await h.publish(alice.s, 'doc:a', 'app_event', { name: 'note', x: 1 });
    const seq = await h.store.lastSeq('doc:a');
    expect(ack).toMatchObject({ type: 'ack', data: { seq } });
    for (const { s } of [alice, bob]) {
      const got = events(s.take() as Msg[], 'app_event');
      expect(got).toEqual([
        {
          type: 'app_event',
          room: 'doc:a',
          seq,
          ts: h.clock.now(),
          from: 'alice',
          data: { name: 'note', x: 1 },
        },
      ]);
    }
  });

  it('refuses a client publish of server-made events (zone ops come from the document sequencer)', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    await h.join(alice.s, 'doc:a');
    alice.s.take();
    expect(await h.publish(alice.s, 'doc:a', 'zone_update', { zoneId: 'z1', updates: {} })).toMatchObject({
      type: 'nack',
      code: ErrorCode.Forbidden,
    });
  });

  it('sends everything queued in one turn as one batch frame', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    const [aliceBefore, bobBefore] = [alice.s.frames.length, bob.s.frames.length];

    alice.s.write({ type: 'publish', id: 'p1', room: 'doc:a', event: 'app_event', data: { name: 'one' } });
    alice.s.write({ type: 'publish', id: 'p2', room: 'doc:a', event: 'app_event', data: { name: 'two' } });
    await h.settle();

    const aliceFrames = alice.s.frames.slice(aliceBefore);
    expect(aliceFrames).toHaveLength(1);
    const frame = jsonCodec.decode(aliceFrames[0]) as Msg;
    expect(frame.type).toBe('batch');
    expect(frame.items.map((m: Msg) => m.id ?? m.data.name)).toEqual(['p1', 'p2', 'one', 'two']);

    const bobFrames = bob.s.frames.slice(bobBefore);
    expect(bobFrames).toHaveLength(1);
    expect((jsonCodec.decode(bobFrames[0]) as Msg).items.map((m: Msg) => m.seq)).toEqual([1, 2]);
  });

  it('batches the server’s own publishes of one turn into one frame, in seq order', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const before = alice.s.frames.length;
    for (const name of ['a', 'b', 'c']) void h.hub.publish('doc:a', 'app_event', { name });
    await h.settle();
    expect(alice.s.frames.length - before).toBe(1);
    expect(events(alice.s.take() as Msg[]).map((m) => [m.seq, m.data.name])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('encodes a broadcast once for three subscribers, its data once for the log and the frames', async () => {
    const h = setup();
    const subs = await Promise.all(['a', 'b', 'c'].map((u) => h.hello(u, { rooms: [{ room: 'doc:x' }] })));
    const before = subs.map(({ s }) => s.frames.length);
    const encode = vi.spyOn(jsonCodec, 'encode');
    const stringify = vi.spyOn(JSON, 'stringify');
    await h.pub('doc:x', 'app_event', { name: 'news' });
    await h.settle();
    // The event's frame is its stored data with the other fields around it: neither it nor its data is serialized
    // again per subscriber.
    expect(encode.mock.calls.filter(([m]) => (m as Msg).type === 'app_event')).toHaveLength(0);
    expect(
      stringify.mock.calls.filter(([v]) => (v as { name?: unknown } | null)?.name === 'news'),
    ).toHaveLength(1);
    stringify.mockRestore();
    const sent = subs.map(({ s }, i) => s.frames.slice(before[i]));
    for (const frames of sent) expect(frames).toEqual(sent[0]);
    expect(sent[0]).toHaveLength(1);
  });

  it('sends the identical frame object to every MessagePack subscriber of a turn', async () => {
    const h = setup();
    const subs = await Promise.all(
      ['a', 'b', 'c'].map((u) => h.hello(u, { rooms: [{ room: 'doc:x' }] }, SUBPROTOCOL_MSGPACK)),
    );
    const before = subs.map(({ s }) => s.frames.length);
    void h.hub.publish('doc:x', 'app_event', { name: 'one' });
    void h.hub.publish('doc:x', 'app_event', { name: 'two' });
    await h.settle();
    const frames = subs.map(({ s }, i) => s.frames.slice(before[i]));
    for (const f of frames) expect(f).toHaveLength(1);
    expect(frames[1][0]).toBe(frames[0][0]);
    expect(frames[2][0]).toBe(frames[0][0]);
    expect(names(subs[0].s.take() as Msg[])).toEqual(['one', 'two']);
  });

  it('does not deliver an echo:false publish back to its sender', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    const ack = await h.publish(alice.s, 'doc:a', 'app_event', { name: 'quiet' }, { echo: false });
    expect(ack.type).toBe('ack');
    expect(names(alice.s.take() as Msg[])).toEqual([]);
    expect(names(bob.s.take() as Msg[])).toEqual(['quiet']);
  });

  it('keeps a subscriber’s share of a turn right when it is excluded from a later event of that turn', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    alice.s.take();
    bob.s.take();
    // One turn: the server's event (shared batch), alice's echo:false event, then another server event.
    void h.hub.publish('doc:a', 'app_event', { name: 'first' });
    alice.s.write({
      type: 'publish',
      id: 'q',
      room: 'doc:a',
      event: 'app_event',
      data: { name: 'mine' },
      echo: false,
    });
    void h.hub.publish('doc:a', 'app_event', { name: 'last' });
    await h.settle();
    expect(names(alice.s.take() as Msg[])).toEqual(['first', 'last']);
    expect(names(bob.s.take() as Msg[])).toEqual(['first', 'mine', 'last']);
  });

  // A turn's appends fill the room's shared batch; its flush comes one deferred callback later, and frames that
  // arrive in between (I/O of the next loop iteration) are run before it.
  const betweenAppendsAndFlush = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('does not send an event twice to a connection that left and re-entered the room before the turn’s flush', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    alice.s.take();
    void h.hub.publish('doc:a', 'app_event', { name: 'one' });
    h.clock.runDeferredOnce(); // the turn's appends: alice's connection queued the room's batch, holding 'one'
    alice.s.write({ type: 'unsubscribe', id: 'u1', room: 'doc:a' });
    alice.s.write({ type: 'subscribe', id: 's1', room: 'doc:a' });
    await betweenAppendsAndFlush();
    void h.hub.publish('doc:a', 'app_event', { name: 'two' });
    await h.settle();
    expect(names(alice.s.take() as Msg[])).toEqual(['one', 'two']);
  });

  it('keeps a replay from a lower `since` in order when it starts between a turn’s appends and its flush', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    for (const name of ['one', 'two']) await h.pub('doc:a', 'app_event', { name });
    alice.s.take();
    void h.hub.publish('doc:a', 'app_event', { name: 'three' });
    h.clock.runDeferredOnce(); // alice's connection queued the room's batch, holding seq 3
    alice.s.write({ type: 'subscribe', id: 's1', room: 'doc:a', since: 0 });
    await betweenAppendsAndFlush(); // the replay of 1..3 is queued
    void h.hub.publish('doc:a', 'app_event', { name: 'four' });
    await h.settle();
    // Seq 3 was queued before the subscribe ran; everything after it is the replay, then live events, in order.
    expect(events(alice.s.take() as Msg[], 'app_event').map((m) => m.seq)).toEqual([3, 1, 2, 3, 4]);
  });

  it('delivers only the subscribed event types to a filtered subscription', async () => {
    const h = setup();
    const all = await h.hello('alice');
    const some = await h.hello('bob');
    await h.subscribe(all.s, 'doc:a');
    expect(await h.subscribe(some.s, 'doc:a', { types: ['zone_update'] })).toMatchObject({ type: 'ack' });
    all.s.take();
    some.s.take();
    void h.hub.publish('doc:a', 'app_event', { name: 'chat' });
    void h.hub.publish('doc:a', 'zone_update', { zoneId: 'z', updates: {} });
    void h.hub.publish('doc:a', 'cursor_update', { x: 1, y: 2, page: 0 }, { from: 'carol' });
    await h.settle();
    // Ephemeral events go out at once; logged ones once stored, so compare without order.
    expect((all.s.take() as Msg[]).map((m) => m.type).sort()).toEqual([
      'app_event',
      'cursor_update',
      'zone_update',
    ]);
    expect((some.s.take() as Msg[]).map((m) => m.type)).toEqual(['zone_update']);
  });

  it('coalesces ephemeral events per key within a turn: the latest wins', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    alice.s.take();
    for (const x of [1, 2, 3])
      void h.hub.publish('doc:a', 'cursor_update', { x, y: 0, page: 0 }, { from: 'bob' });
    void h.hub.publish('doc:a', 'cursor_update', { x: 9, y: 0, page: 0 }, { from: 'carol' });
    await h.settle();
    const cursors = events(alice.s.take() as Msg[], 'cursor_update');
    expect(cursors.map((m) => [m.from, m.data.x])).toEqual([
      ['bob', 3],
      ['carol', 9],
    ]);
    expect(cursors.every((m) => m.seq === undefined)).toBe(true);
  });

  it('stops delivering a room after leave_room', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    await h.subscribe(alice.s, 'doc:a');
    expect(await h.command(alice.s, { type: 'unsubscribe', room: 'doc:a' })).toMatchObject({ type: 'ack' });
    expect(await h.command(alice.s, { type: 'unsubscribe', room: 'doc:a' })).toMatchObject({
      code: ErrorCode.NotJoined,
    });
    alice.s.take();
    await h.pub('doc:a', 'app_event', { name: 'after' });
    await h.settle();
    expect(names(alice.s.take() as Msg[])).toEqual([]);
  });

  it('refuses another user’s private room and joining (not subscribing to) system', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    expect(await h.subscribe(alice.s, 'user:bob')).toMatchObject({ type: 'nack', code: ErrorCode.Forbidden });
    expect(await h.join(alice.s, 'system')).toMatchObject({ type: 'nack', code: ErrorCode.Forbidden });
    const admin = await h.hello('root;admin');
    expect(await h.subscribe(admin.s, 'user:bob')).toMatchObject({ type: 'ack' });
  });

  it('answers requests with the registered handler and unknown methods with unknown_method', async () => {
    const h = setup();
    h.hub.methods.set('echo', (data, { user }) => ({ data, user: user.userId }));
    const alice = await h.hello('alice');
    expect(await h.command(alice.s, { type: 'request', method: 'echo', data: 7 })).toMatchObject({
      type: 'response',
      data: { data: 7, user: 'alice' },
    });
    expect(await h.command(alice.s, { type: 'request', method: 'nope' })).toMatchObject({
      type: 'nack',
      code: ErrorCode.UnknownMethod,
    });
  });
});

describe('Hub de-duplication', () => {
  it('answers a re-sent request from the stored reply, but runs a read method again', async () => {
    const h = setup();
    let calls = 0;
    h.hub.methods.set('bump', () => ++calls);
    h.hub.methods.set('peek', () => calls);
    h.hub.readMethods.add('peek');
    const alice = await h.hello('alice');
    const send = async (id: string, method: string) => {
      alice.s.write({ type: 'request', id, method });
      await h.settle();
      return (alice.s.take() as Msg[]).filter((m) => m.id === id).map((m) => m.data);
    };
    expect(await send('b1', 'bump')).toEqual([1]);
    expect(await send('p1', 'peek')).toEqual([1]);
    expect(await send('b1', 'bump')).toEqual([1]); // the stored reply: not run twice
    expect(await send('b2', 'bump')).toEqual([2]);
    expect(await send('p1', 'peek')).toEqual([2]); // run again: what is true now
  });

  it('runs a re-sent room.members again: who is present now, not who was at the first ask', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    await h.join(alice.s, 'doc:a');
    const ask = async () => {
      alice.s.write({ type: 'request', id: 'who', method: 'room.members', data: { room: 'doc:a' } });
      await h.settle();
      const [reply] = (alice.s.take() as Msg[]).filter((m) => m.id === 'who');
      return (reply.data as { members: { userId: string }[] }).members.map((m) => m.userId).sort();
    };
    expect(await ask()).toEqual(['alice']);
    const bob = await h.hello('bob');
    await h.join(bob.s, 'doc:a');
    expect(await ask()).toEqual(['alice', 'bob']);
  });

  it('answers a duplicate publish id with the same ack and appends it once', async () => {
    const h = setup();
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    const publish = { type: 'publish', id: 'dup', room: 'doc:a', event: 'app_event', data: { name: 'once' } };
    alice.s.write(publish);
    alice.s.write(publish); // while the first is pending
    await h.settle();
    alice.s.write(publish); // after it was answered
    await h.settle();
    const acks = (alice.s.take() as Msg[]).filter((m) => m.id === 'dup');
    expect(acks).toEqual([
      { type: 'ack', id: 'dup', data: { seq: 1 } },
      { type: 'ack', id: 'dup', data: { seq: 1 } },
    ]);
    expect(names(bob.s.take() as Msg[])).toEqual(['once']);
    expect((await h.store.read('doc:a', 0, 10)).entries).toHaveLength(1);
  });

  it('does not store a refused message’s nack as the reply of a running message with the same id', async () => {
    const h = setup();
    let release!: () => void;
    h.hub.methods.set('slow', () => new Promise<string>((r) => (release = () => r('done'))));
    const alice = await h.hello('alice');
    alice.s.write({ type: 'request', id: 'r1', method: 'slow' });
    await h.settle();
    alice.s.write({ type: 'request', id: 'r1' }); // invalid (no method), while r1 runs
    await h.settle();
    release();
    await h.settle();
    alice.s.write({ type: 'request', id: 'r1', method: 'slow' }); // the real one, re-sent
    await h.settle();
    expect((alice.s.take() as Msg[]).filter((m) => m.id === 'r1').map((m) => m.type)).toEqual([
      'nack', // the invalid one
      'response',
      'response', // from the window: the real reply, not the invalid nack
    ]);
  });

  it('acknowledges a re-sent publish from a new session of the same user with the original seq', async () => {
    const h = setup();
    const first = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const bob = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    const publish = { type: 'publish', id: 'p', room: 'doc:a', event: 'app_event', data: { name: 'x' } };
    first.s.write(publish);
    await h.settle();
    first.s.drop();
    const second = await h.hello('alice', { rooms: [{ room: 'doc:a' }] }); // no resume: a new session
    second.s.write(publish);
    await h.settle();
    expect((second.s.take() as Msg[]).filter((m) => m.id === 'p')).toEqual([
      { type: 'ack', id: 'p', data: { seq: 1 } },
    ]);
    expect(names(bob.s.take() as Msg[])).toEqual(['x']);
  });
});

describe('Hub sessions', () => {
  async function disconnectedAfter(h: ReturnType<typeof setup>, room: string) {
    const alice = await h.hello('alice', { rooms: [{ room }] });
    await h.pub(room, 'app_event', { name: 'seen' });
    await h.settle();
    const seen = events(alice.s.take() as Msg[]).at(-1)!.seq as number;
    alice.s.drop();
    await h.settle();
    return { ...alice, seen };
  }

  it('resumes within the grace period and replays the missed events in order from `since`', async () => {
    const h = setup();
    const alice = await disconnectedAfter(h, 'doc:a');
    for (const name of ['m1', 'm2', 'm3']) await h.pub('doc:a', 'app_event', { name });
    h.clock.advance(5_000);
    const again = await h.hello('alice', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
      rooms: [{ room: 'doc:a', since: alice.seen }],
    });
    expect(again.welcome).toMatchObject({ resumed: true, sessionId: alice.welcome.sessionId });
    expect(again.welcome.rooms).toContainEqual<RoomState>({
      room: 'doc:a',
      seq: alice.seen + 3,
      status: 'resumed',
    });
    const replayed = events(again.rest);
    expect(replayed.map((m) => m.data.name)).toEqual(['m1', 'm2', 'm3']);
    expect(replayed.map((m) => m.seq)).toEqual([alice.seen + 1, alice.seen + 2, alice.seen + 3]);

    await h.pub('doc:a', 'app_event', { name: 'live' });
    await h.settle();
    expect(names(again.s.take() as Msg[])).toEqual(['live']);
  });

  it('resumes the session’s rooms from where it was when hello names none', async () => {
    const h = setup();
    const alice = await disconnectedAfter(h, 'doc:a');
    await h.pub('doc:a', 'app_event', { name: 'missed' });
    const again = await h.hello('alice', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
    });
    expect(again.welcome.resumed).toBe(true);
    expect(names(again.rest)).toEqual(['missed']);
  });

  it('starts a new session when the resume key is wrong', async () => {
    const h = setup();
    const alice = await disconnectedAfter(h, 'doc:a');
    const again = await h.hello('alice', { session: { id: alice.welcome.sessionId, key: 'wrong' } });
    expect(again.welcome.resumed).toBe(false);
    expect(again.welcome.sessionId).not.toBe(alice.welcome.sessionId);
  });

  it('does not resume another user’s session', async () => {
    const h = setup();
    const alice = await disconnectedAfter(h, 'doc:a');
    const mallory = await h.hello('mallory', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
    });
    expect(mallory.welcome.resumed).toBe(false);
  });

  it("keeps at most maxSessionsPerUser of a user's sessions: a new one drops their oldest without a socket", async () => {
    const h = setup({ limits: { maxSessionsPerUser: 3 } });
    const live = await h.hello('alice'); // connected all along: never dropped
    const gone: Welcome[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await h.hello('alice');
      a.s.drop();
      gone.push(a.welcome);
    }
    await h.settle();
    const bob = await h.hello('bob'); // another user's sessions are theirs to count
    const kept = [...h.hub.sessions.keys()];
    expect(kept).toEqual([
      live.welcome.sessionId,
      gone[2].sessionId,
      gone[3].sessionId,
      bob.welcome.sessionId,
    ]);
    // The newest still resumes; a dropped one starts afresh.
    const newest = await h.hello('alice', { session: { id: gone[3].sessionId, key: gone[3].resumeKey } });
    expect(newest.welcome.resumed).toBe(true);
    const oldest = await h.hello('alice', { session: { id: gone[0].sessionId, key: gone[0].resumeKey } });
    expect(oldest.welcome.resumed).toBe(false);
  });

  it('counts closes by code, the codes clients choose themselves as one: other', async () => {
    const h = setup();
    for (const code of [1006, 1000, 3000, 4999, 4321, 1006]) (await h.hello('alice')).s.drop(code);
    await h.settle();
    expect(Object.fromEntries(h.hub.stats.closesByCode)).toEqual({ 1000: 1, 1006: 2, other: 3 });
  });

  it('starts a new session once the grace period is over', async () => {
    const h = setup({ limits: { sessionGraceMs: 10_000 } });
    const alice = await disconnectedAfter(h, 'doc:a');
    h.clock.advance(11_000);
    await h.settle();
    expect(h.hub.sessions.has(alice.welcome.sessionId)).toBe(false);
    const again = await h.hello('alice', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
    });
    expect(again.welcome.resumed).toBe(false);
  });

  it('answers a resume older than retention with status reset and a reset message', async () => {
    const h = setup({ retention: { doc: { maxEvents: 2, maxAgeMs: 86_400_000 } } });
    const alice = await disconnectedAfter(h, 'doc:a');
    for (let i = 0; i < 5; i++) await h.pub('doc:a', 'app_event', { name: `gone${i}` });
    await h.hub.trim();
    const last = alice.seen + 5;
    const again = await h.hello('alice', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
      rooms: [{ room: 'doc:a', since: alice.seen }],
    });
    expect(again.welcome.rooms).toContainEqual({ room: 'doc:a', seq: last, status: 'reset' });
    expect(again.rest).toEqual([{ type: 'reset', room: 'doc:a', seq: last, reason: 'retention' }]);

    await h.pub('doc:a', 'app_event', { name: 'after reset' });
    await h.settle();
    expect(names(again.s.take() as Msg[])).toEqual(['after reset']);
  });

  it('trims every room by its kind’s policy, and rooms of any other kind, even unseen here, by the default', async () => {
    const h = setup({
      retention: {
        doc: { maxEvents: 3, maxAgeMs: 86_400_000 },
        default: { maxEvents: 1, maxAgeMs: 86_400_000 },
      },
    });
    const evs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'app_event', data: { i }, ts: 0, from: 'u' }));
    // Written straight to the store: rooms this node never entered (another node's, or from before a restart).
    const rooms = ['doc:a', 'doc', 'user:u', 'system', 'systems:1', 'board:1', 'zz-invented:2'];
    for (const room of rooms) await h.store.append(room, evs(5));
    await h.hub.trim(0);
    const kept: Record<string, number> = {};
    for (const room of rooms) kept[room] = (await h.store.read(room, 0, 100)).entries.length;
    // user and system keep their own (default) policies: 1,000 and 100 events; `systems:` is a kind of its own.
    expect(kept).toEqual({
      'doc:a': 3,
      doc: 1,
      'user:u': 5,
      system: 5,
      'systems:1': 1,
      'board:1': 1,
      'zz-invented:2': 1,
    });
  });

  it('keeps the system room’s last events whatever their age: the maintenance state a restart restores', async () => {
    const h = setup();
    await h.store.append('system', [{ type: 'maintenance_mode', data: { enabled: true }, ts: 0 }]);
    await h.store.append('user:u', [{ type: 'app_event', data: { name: 'old' }, ts: 0 }]);
    await h.hub.trim(30 * 86_400_000); // a month later
    expect((await h.store.read('system', 0, 10)).entries.map((e) => e.type)).toEqual(['maintenance_mode']);
    expect((await h.store.read('user:u', 0, 10)).entries).toEqual([]);
  });

  it('replays from the log for a join with `since`', async () => {
    const h = setup();
    for (const name of ['a', 'b', 'c']) await h.pub('doc:a', 'app_event', { name });
    const alice = await h.hello('alice');
    expect(await h.subscribe(alice.s, 'doc:a', { since: 1 })).toMatchObject({
      data: { status: 'resumed', seq: 3 },
    });
    expect(names(alice.s.take() as Msg[])).toEqual(['b', 'c']);
  });

  /**
   * A slow store: the next read (a replay page) answers only once the read after it has been issued, as a networked
   * store's earlier query can come back while a later one is in flight.
   */
  function slowNextRead(h: ReturnType<typeof setup>) {
    const read = h.store.read.bind(h.store);
    let answer = (): void => {};
    vi.spyOn(h.store, 'read')
      .mockImplementationOnce(async (room, after, limit) => {
        const page = await read(room, after, limit);
        await new Promise<void>((resolve) => (answer = resolve));
        return page;
      })
      .mockImplementationOnce(async (room, after, limit) => {
        answer();
        await new Promise<void>((resolve) => setImmediate(resolve));
        return read(room, after, limit);
      });
  }

  it('resumes from `since` even when a replay page read for the old socket answers during the resume', async () => {
    const h = setup({ limits: { replayPageSize: 2 } });
    for (let i = 1; i <= 6; i++) await h.pub('doc:a', 'app_event', { name: `e${i}` });
    // The first socket replays from 0 but reads slowly: after the first page the replay waits for its buffer.
    const s1 = h.connect();
    s1.bufferedAmount = h.hub.limits.softBufferBytes + 1;
    s1.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'alice', rooms: [{ room: 'doc:a', since: 0 }] });
    await h.settle();
    const first = s1.take() as Msg[];
    const welcome = first.find((m) => m.type === 'welcome') as Welcome;
    expect(names(first)).toEqual(['e1', 'e2']);
    slowNextRead(h);
    s1.drop();
    await h.settle();
    h.clock.advance(20); // the replay's pacing timer: it reads the page after e2, for a socket that is gone
    await h.settle();
    // The client had processed e1 only (e2 was lost with the socket): it resumes from there.
    const s2 = h.connect();
    s2.write({
      type: 'hello',
      v: PROTOCOL_VERSION,
      token: 'alice',
      session: { id: welcome.sessionId, key: welcome.resumeKey },
      rooms: [{ room: 'doc:a', since: 1 }],
    });
    await h.settle();
    const got = events(s2.take() as Msg[], 'app_event');
    expect(got.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
  });

  it('replays again from a lower `since` even when a page read of the running replay answers meanwhile', async () => {
    const h = setup({ limits: { replayPageSize: 2 } });
    for (let i = 1; i <= 6; i++) await h.pub('doc:a', 'app_event', { name: `e${i}` });
    const alice = await h.hello('alice');
    alice.s.bufferedAmount = h.hub.limits.softBufferBytes + 1;
    await h.subscribe(alice.s, 'doc:a', { since: 0 });
    expect(names(alice.s.take() as Msg[])).toEqual(['e1', 'e2']);
    slowNextRead(h);
    alice.s.bufferedAmount = 0;
    h.clock.advance(20); // the replay goes on: its read of the page after e2 is slow
    await h.settle();
    // The app reloads the room from the start.
    const ack = await h.subscribe(alice.s, 'doc:a', { since: 0 });
    const after = (alice.s.take() as Msg[]).slice();
    const fromAck = after.slice(after.indexOf(ack));
    expect(events(fromAck, 'app_event').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a newer socket resuming the session closes the older one with 4011', async () => {
    const h = setup();
    const first = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const second = await h.hello('alice', {
      session: { id: first.welcome.sessionId, key: first.welcome.resumeKey },
    });
    expect(second.welcome.resumed).toBe(true);
    expect(first.s.closeInfo?.code).toBe(CloseCode.SessionTakenOver.code);
    await h.pub('doc:a', 'app_event', { name: 'to the new one' });
    await h.settle();
    expect(names(second.s.take() as Msg[])).toEqual(['to the new one']);
  });

  it('does not unload a room while a subscription waits for it to load (it would never be delivered to)', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    // The store answers `lastSeq` only when told: the hub's tick runs while the room is loading.
    let answer = (): void => {};
    const lastSeq = h.store.lastSeq.bind(h.store);
    vi.spyOn(h.store, 'lastSeq').mockImplementationOnce(
      (room) => new Promise((resolve) => (answer = () => resolve(lastSeq(room)))),
    );
    const id = h.nextId();
    alice.s.write({ type: 'subscribe', room: 'doc:a', id });
    await h.settle();
    h.clock.advance(1000); // a tick while loading
    answer();
    await h.settle();
    expect((alice.s.take() as Msg[]).find((m) => m.id === id)).toMatchObject({ type: 'ack' });
    expect(h.hub.rooms.get('doc:a')?.subs.size).toBe(1);
    await h.pub('doc:a', 'app_event', { name: 'after the tick' });
    expect(names(alice.s.take() as Msg[])).toEqual(['after the tick']);
  });

  it('resumes a room that was unloaded while the session was away', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    await h.subscribe(alice.s, 'doc:a');
    alice.s.drop();
    await h.settle();
    h.clock.advance(1000); // the tick unloads the idle room
    expect(h.hub.rooms.has('doc:a')).toBe(false);
    await h.pub('doc:a', 'app_event', { name: 'while away' });

    const again = await h.hello('alice', {
      session: { id: alice.welcome.sessionId, key: alice.welcome.resumeKey },
      rooms: [{ room: 'doc:a', since: 0 }],
    });
    expect(again.welcome.resumed).toBe(true);
    expect(names(again.rest)).toEqual(['while away']);

    await h.pub('doc:a', 'app_event', { name: 'live' });
    await h.settle();
    expect(names(again.s.take() as Msg[])).toEqual(['live']);

    expect(await h.command(again.s, { type: 'unsubscribe', room: 'doc:a' })).toMatchObject({ type: 'ack' });
    await h.pub('doc:a', 'app_event', { name: 'after leaving' });
    await h.settle();
    expect(names(again.s.take() as Msg[])).toEqual([]);
  });
});

describe('Hub limits', () => {
  // Limits the `normal` class (app_event publishes); the others stay out of the way.
  const tight = (normal: { ratePerS: number; burst: number }): RateLimitOptions => {
    const big = { ratePerS: 1000, burst: 1000 };
    return {
      connection: { critical: big, normal, ephemeral: big },
      user: { critical: big, normal: big, ephemeral: big },
      abuseRefusals: 5,
      abuseWindowMs: 10_000,
    };
  };
  const zone = (id: string) => ({
    type: 'publish',
    id,
    room: 'doc:a',
    event: 'app_event',
    data: { name: 'z' },
  });

  it('nacks rate_limited with retryAfterMs over the limit, and accepts the same id once it has passed', async () => {
    const h = setup({ rateLimits: tight({ ratePerS: 1, burst: 3 }) });
    const { s } = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    for (const id of ['p1', 'p2', 'p3', 'p4']) s.write(zone(id));
    await h.settle();
    const replies = new Map((s.take() as Msg[]).filter((m) => m.id).map((m) => [m.id, m]));
    expect(['p1', 'p2', 'p3'].map((id) => replies.get(id)?.type)).toEqual(['ack', 'ack', 'ack']);
    expect(replies.get('p4')).toEqual({
      type: 'nack',
      id: 'p4',
      code: ErrorCode.RateLimited,
      message: expect.any(String),
      retryAfterMs: 1000,
    });
    expect(h.hub.stats.rateLimited).toBe(1);

    h.clock.advance(1000);
    s.write(zone('p4'));
    await h.settle();
    expect((s.take() as Msg[]).filter((m) => m.id === 'p4')).toEqual([
      { type: 'ack', id: 'p4', data: { seq: 4 } },
    ]);
    expect(s.closeInfo).toBeNull();
  });

  it('nacks a rate-limited command that is not de-duplicated (join_room, auth) with its id', async () => {
    const big = { ratePerS: 1000, burst: 1000 };
    const h = setup({
      rateLimits: {
        connection: { critical: { ratePerS: 1, burst: 1 }, normal: big, ephemeral: big },
        user: { critical: big, normal: big, ephemeral: big },
        abuseRefusals: 100,
        abuseWindowMs: 10_000,
      },
    });
    const { s } = await h.hello('alice');
    s.write({ type: 'join_room', id: 'j1', room: 'doc:a' });
    s.write({ type: 'join_room', id: 'j2', room: 'doc:b' });
    s.write({ type: 'auth', id: 'a1', token: 'alice' });
    await h.settle();
    const msgs = s.take() as Msg[];
    expect(msgs.find((m) => m.id === 'j1')?.type).toBe('ack');
    for (const id of ['j2', 'a1']) {
      expect(msgs.find((m) => m.id === id)).toEqual({
        type: 'nack',
        id,
        code: ErrorCode.RateLimited,
        message: 'over the critical rate limit',
        retryAfterMs: expect.any(Number),
      });
    }
    expect(msgs.filter((m) => m.type === 'error')).toEqual([]);
  });

  it("answers a hook's refusal of a publish without id with an error (with one, a nack)", async () => {
    const h = setup({
      extensions: [
        {
          onMessage: ({ message }) => {
            if (message.type === 'publish' && message.event === 'cursor_update')
              throw new SynclineError(ErrorCode.Forbidden, 'no cursors here');
          },
        },
      ],
    });
    const { s } = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const cursor = { type: 'publish', room: 'doc:a', event: 'cursor_update', data: { page: 0, x: 0, y: 0 } };
    s.write(cursor);
    s.write({ ...cursor, id: 'c1' });
    await h.settle();
    expect(s.take()).toEqual([
      { type: 'error', code: ErrorCode.Forbidden, message: 'no cursors here' },
      { type: 'nack', id: 'c1', code: ErrorCode.Forbidden, message: 'no cursors here' },
    ]);
  });

  it('charges a re-send of an answered message its token, like any message (no free replies)', async () => {
    const h = setup({ rateLimits: tight({ ratePerS: 1, burst: 2 }) });
    const { s } = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    s.write(zone('p'));
    await h.settle();
    expect((s.take() as Msg[]).find((m) => m.id === 'p')?.type).toBe('ack');
    for (let i = 0; i < 20; i++) s.write(zone('p'));
    await h.settle();
    const msgs = s.take() as Msg[];
    // One more token in the bucket: the first re-send gets the stored ack, then refusals, until the abuse close.
    expect(msgs.filter((m) => m.type === 'ack').length).toBe(1);
    expect(msgs.filter((m) => m.code === ErrorCode.RateLimited).length).toBe(5);
    expect(s.closeInfo?.code).toBe(CloseCode.RateLimited.code);
  });

  it('closes 4006 on sustained traffic over the limit', async () => {
    const h = setup({ rateLimits: tight({ ratePerS: 1, burst: 1 }) });
    const { s } = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    for (let i = 0; i < 20; i++) s.write(zone(`f${i}`));
    await h.settle();
    const msgs = s.take() as Msg[];
    // The first one is accepted (its ack would follow the append, after the close); the next 5 are
    // refused, and the 5th refusal (abuseRefusals) closes the connection: the rest are never read.
    expect(msgs.filter((m) => m.code === ErrorCode.RateLimited).map((m) => m.id)).toEqual([
      'f1',
      'f2',
      'f3',
      'f4',
      'f5',
    ]);
    expect(s.closeInfo?.code).toBe(CloseCode.RateLimited.code);
  });

  it('sends ephemeral traffic at most once per window, the first at once, held ones ahead of later events', async () => {
    const h = setup({ limits: { ephemeralWindowMs: 34 } });
    const watcher = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    watcher.s.take();
    const cursor = (x: number) =>
      void h.hub.publish('doc:a', 'cursor_update', { x, y: 0, page: 0 }, { from: 'carol' });
    const sent = () =>
      (watcher.s.take() as Msg[]).map((m) => `${m.type}:${(m.data as { x?: number }).x ?? ''}`);

    cursor(1);
    await h.settle();
    expect(sent()).toEqual(['cursor_update:1']); // after a pause: at once
    h.clock.advance(10);
    cursor(2);
    await h.settle();
    cursor(3);
    await h.settle();
    expect(sent()).toEqual([]); // within the window: held, coalesced
    h.clock.advance(24);
    await h.settle();
    expect(sent()).toEqual(['cursor_update:3']);

    h.clock.advance(5);
    cursor(4);
    void h.hub.publish('doc:a', 'zone_update', { zoneId: 'z', updates: {} });
    await h.settle();
    // A held ephemeral message was published first: it goes first, with the logged event.
    expect(sent()).toEqual(['cursor_update:4', 'zone_update:']);
    h.clock.advance(100);
    await h.settle();
    expect(sent()).toEqual([]);
  });

  it('batches room events to a busy connection for the window while the server is busy, never when it is idle', async () => {
    const h = setup({ limits: { batchWindowMs: 2 } });
    h.hub.methods.set('echo', (data) => data);
    const watcher = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    watcher.s.take();
    const event = (n: number) => void h.hub.publish('doc:a', 'zone_update', { zoneId: `z${n}`, updates: {} });
    const sent = () =>
      (watcher.s.take() as Msg[]).map((m) => (m.data as { zoneId?: string }).zoneId ?? m.type);
    const frames = () => watcher.s.frames.length;

    // Idle: every event leaves at the end of its turn, however close together.
    event(1);
    await h.settle();
    event(2);
    await h.settle();
    expect(sent()).toEqual(['z1', 'z2']);

    h.clock.utilization = 0.9;
    h.clock.advance(100); // the load gauge's next sample: busy
    expect(h.hub.load.busy).toBe(true);
    event(3);
    await h.settle();
    expect(sent()).toEqual(['z3']); // the first after a pause: at once
    const before = frames();
    event(4);
    await h.settle();
    event(5);
    await h.settle();
    expect(sent()).toEqual([]); // just sent a frame: held
    h.clock.advance(2);
    await h.settle();
    expect(sent()).toEqual(['z4', 'z5']);
    expect(frames()).toBe(before + 1); // in one frame

    // An answer to the connection takes what is held along at once, in the same frame.
    event(6);
    await h.settle();
    expect(sent()).toEqual([]);
    const reply = await h.command(watcher.s, { type: 'request', method: 'echo', data: 1 });
    expect(reply.type).toBe('response');
    expect(sent()).toEqual(['response', 'z6']);

    // Still busy, but after a pause longer than the window: at once.
    h.clock.advance(10);
    event(7);
    await h.settle();
    expect(sent()).toEqual(['z7']);

    // Idle again: nothing waits.
    h.clock.utilization = 0.1;
    h.clock.advance(100);
    event(8);
    await h.settle();
    expect(sent()).toEqual(['z8']);
  });

  it('drops ephemeral traffic above the soft buffer limit and closes 4007 above the hard one', async () => {
    const h = setup({ limits: { softBufferBytes: 1000, hardBufferBytes: 5000 } });
    const slow = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    const fast = await h.hello('bob', { rooms: [{ room: 'doc:a' }] });
    slow.s.take();
    fast.s.take();
    const burst = () => {
      void h.hub.publish('doc:a', 'cursor_update', { x: 1, y: 1, page: 0 }, { from: 'carol' });
      void h.hub.publish('doc:a', 'zone_update', { zoneId: 'z', updates: {} });
    };

    slow.s.bufferedAmount = 2000;
    burst();
    await h.settle();
    expect((slow.s.take() as Msg[]).map((m) => m.type)).toEqual(['zone_update']);
    expect(h.hub.stats.droppedEphemeral).toBe(1);
    expect(slow.s.closeInfo).toBeNull();

    slow.s.bufferedAmount = 6000;
    const framesBefore = slow.s.frames.length;
    burst();
    await h.settle();
    expect(slow.s.closeInfo?.code).toBe(CloseCode.SlowConsumer.code);
    expect(slow.s.frames.length).toBe(framesBefore);
    expect(h.hub.stats.slowConsumerCloses).toBe(1);
    const fastTypes = (fast.s.take() as Msg[]).map((m) => m.type);
    expect(fastTypes.filter((t) => t === 'zone_update')).toHaveLength(2);
    expect(fastTypes.filter((t) => t === 'cursor_update')).toHaveLength(2);
  });

  it('counts the hard buffer limit on top of a large reply still draining, not through it', async () => {
    const h = setup({ limits: { softBufferBytes: 1000, hardBufferBytes: 5000 } });
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    alice.s.take();
    // One frame larger than the hard limit by itself (a big document's snapshot): sent, as asked for.
    await h.pub('doc:a', 'app_event', { name: 'big', pad: 'x'.repeat(8000) });
    await h.settle();
    expect((alice.s.take() as Msg[]).map((m) => m.type)).toEqual(['app_event']);
    // While it drains, an event is sent too: the buffer holds what was asked for, not a backlog.
    alice.s.bufferedAmount = 7000;
    await h.pub('doc:a', 'app_event', { name: 'during' });
    await h.settle();
    expect(alice.s.closeInfo).toBeNull();
    expect((alice.s.take() as Msg[]).map((m) => m.type)).toEqual(['app_event']);
    // The allowance is one such frame, not the sum of them: a second large one does not raise it further.
    await h.pub('doc:a', 'app_event', { name: 'big2', pad: 'x'.repeat(8000) });
    await h.settle();
    alice.s.take();
    alice.s.bufferedAmount = 14_000;
    await h.pub('doc:a', 'app_event', { name: 'past' });
    await h.settle();
    expect(alice.s.closeInfo?.code).toBe(CloseCode.SlowConsumer.code);
  });

  it('closes 4007 once a drained large reply no longer counts', async () => {
    const h = setup({ limits: { softBufferBytes: 1000, hardBufferBytes: 5000 } });
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    alice.s.take();
    await h.pub('doc:a', 'app_event', { name: 'big', pad: 'x'.repeat(8000) });
    await h.settle();
    // Once drained below the soft limit the allowance is gone: a backlog past the hard limit closes 4007.
    alice.s.bufferedAmount = 500;
    await h.pub('doc:a', 'app_event', { name: 'drained' });
    await h.settle();
    alice.s.bufferedAmount = 6000;
    await h.pub('doc:a', 'app_event', { name: 'behind' });
    await h.settle();
    expect(alice.s.closeInfo?.code).toBe(CloseCode.SlowConsumer.code);
  });

  it('cuts a slow consumer at once, though it never answers the close, and counts it once', async () => {
    const h = setup({ limits: { softBufferBytes: 1000, hardBufferBytes: 5000 } });
    const slow = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    slow.s.holdClose = true; // it does not read, so it would never answer the close
    slow.s.bufferedAmount = 6000;
    await h.pub('doc:a', 'app_event', { name: 'trigger' });
    await h.settle();
    expect(slow.s.closeInfo?.code).toBe(4007);
    for (let i = 0; i < 5; i++) await h.pub('doc:a', 'app_event', { name: `more${i}` });
    await h.settle();
    expect(h.hub.stats.slowConsumerCloses).toBe(1);
    // Cut a second later: what it buffered is let go then, not after the close timeout.
    expect(slow.s.terminated).toBe(false);
    h.clock.advance(SLOW_CONSUMER_CUT_MS);
    await h.settle();
    expect(slow.s.terminated).toBe(true);
    expect(h.hub.connections.size).toBe(0);
  });

  it('cuts a slow consumer whose one turn of replies passes the hard limit, after the frame that passed it', async () => {
    const h = setup({ limits: { softBufferBytes: 1000, hardBufferBytes: 5000 } });
    const slow = await h.hello('alice', { rooms: [{ room: 'doc:a' }] });
    slow.s.take();
    // The socket keeps every byte it is given (the client reads nothing).
    const send = slow.s.send.bind(slow.s);
    slow.s.send = (frame) => {
      send(frame);
      slow.s.bufferedAmount += typeof frame === 'string' ? frame.length : frame.byteLength;
    };
    for (let i = 0; i < 10; i++)
      void h.hub.publish('doc:a', 'app_event', { name: `e${i}`, pad: 'x'.repeat(1500) });
    await h.settle();
    expect(slow.s.closeInfo?.code).toBe(4007);
    expect(h.hub.stats.slowConsumerCloses).toBe(1);
    expect(slow.s.bufferedAmount).toBeLessThan(5000 + 2 * 1700);
  });

  it('terminates a silent peer with 4010 after heartbeatMs + heartbeatTimeoutMs', async () => {
    const h = setup({ limits: { heartbeatMs: 2000, heartbeatTimeoutMs: 1000 } });
    const silent = await h.hello('alice');
    const live = await h.hello('bob');
    const answer = () => {
      for (const m of live.s.take() as Msg[]) if (m.type === 'ping') live.s.write({ type: 'pong', ts: m.ts });
    };
    h.clock.advance(2000);
    await h.settle();
    expect(silent.s.pings).toBe(1);
    expect((silent.s.take() as Msg[]).map((m) => m.type)).toEqual(['ping']);
    answer();
    h.clock.advance(1000);
    await h.settle();
    expect(silent.s.closeInfo).toBeNull(); // exactly heartbeatMs + timeout: not yet
    h.clock.advance(1000);
    await h.settle();
    expect(silent.s.closeInfo?.code).toBe(CloseCode.HeartbeatTimeout.code);
    expect(silent.s.terminated).toBe(true);
    for (let i = 0; i < 10; i++) {
      answer();
      h.clock.advance(1000);
      await h.settle();
    }
    expect(live.s.closeInfo).toBeNull();
    expect(h.hub.connections.size).toBe(1);
  });

  it('counts a transport-level pong as a sign of life', async () => {
    const h = setup({ limits: { heartbeatMs: 2000, heartbeatTimeoutMs: 1000 } });
    const alice = await h.hello('alice');
    for (let i = 0; i < 10; i++) {
      h.clock.advance(1000);
      alice.s.pong();
    }
    await h.settle();
    expect(alice.s.closeInfo).toBeNull();
  });

  it('closes 4002 when the token expires (after the clock-skew tolerance)', async () => {
    const h = setup();
    const exp = Math.floor(h.clock.now() / 1000) + 10;
    const alice = await h.hello(`alice;exp=${exp}`);
    expect(alice.welcome.tokenExp).toBe(exp);
    h.clock.advance(9000 + DEFAULT_LIMITS.tokenToleranceS * 1000);
    await h.settle();
    expect(alice.s.closeInfo).toBeNull();
    h.clock.advance(2000);
    await h.settle();
    expect(alice.s.take()).toEqual([
      expect.objectContaining({ type: 'error', code: ErrorCode.TokenExpired }),
    ]);
    expect(alice.s.closeInfo?.code).toBe(CloseCode.TokenExpired.code);
  });

  it('keeps a connection whose token was refreshed with auth before it expired', async () => {
    const h = setup();
    const nowS = Math.floor(h.clock.now() / 1000);
    const alice = await h.hello(`alice;exp=${nowS + 10}`);
    h.clock.advance(5000);
    expect(await h.command(alice.s, { type: 'auth', token: `alice;exp=${nowS + 100}` })).toMatchObject({
      type: 'ack',
      data: { tokenExp: nowS + 100 },
    });
    h.clock.advance(20_000);
    await h.settle();
    expect(alice.s.closeInfo).toBeNull();
  });

  it('nacks forbidden an auth refresh for another user and keeps the identity', async () => {
    const h = setup();
    const alice = await h.hello('alice');
    expect(await h.command(alice.s, { type: 'auth', token: 'bob' })).toMatchObject({
      type: 'nack',
      code: ErrorCode.Forbidden,
    });
    expect(await h.command(alice.s, { type: 'auth', token: 'bad' })).toMatchObject({
      type: 'nack',
      code: ErrorCode.Unauthorized,
    });
    expect([...h.hub.sessions.values()][0].userId).toBe('alice');
    expect(await h.subscribe(alice.s, 'user:bob')).toMatchObject({ code: ErrorCode.Forbidden });
  });

  it("does not tell the client what an authenticate hook's own failure said, at a refresh as at hello", async () => {
    const h = setup({
      authenticate: async (token: string) => {
        if (token === 'boom') throw new Error('connection to the user database refused (10.0.0.7:5432)');
        return { userId: token, roles: [], claims: {} };
      },
    });
    const alice = await h.hello('alice');
    expect(await h.command(alice.s, { type: 'auth', token: 'boom' })).toMatchObject({
      type: 'nack',
      code: ErrorCode.Unauthorized,
      message: 'invalid token',
    });
  });

  it('leaves the rooms a refreshed token no longer allows, naming them in the answer', async () => {
    const h = setup();
    const alice = await h.hello('alice;admin');
    expect(await h.subscribe(alice.s, 'user:bob')).toMatchObject({ type: 'ack' });
    expect(await h.join(alice.s, 'doc:a')).toMatchObject({ type: 'ack' });
    // The same user, the admin role taken away.
    expect(await h.command(alice.s, { type: 'auth', token: 'alice' })).toMatchObject({
      type: 'ack',
      data: {
        tokenExp: null,
        left: [
          { room: 'user:bob', code: ErrorCode.Forbidden, message: "user:bob is another user's private room" },
        ],
      },
    });
    alice.s.take();
    await h.pub('user:bob', 'app_event', { name: 'for-bob' });
    await h.pub('doc:a', 'app_event', { name: 'for-doc' });
    expect(names(alice.s.take() as Msg[])).toEqual(['for-doc']);
    // A refresh that changes nothing answers as before.
    expect(await h.command(alice.s, { type: 'auth', token: 'alice' })).toEqual(
      expect.objectContaining({ type: 'ack', data: { tokenExp: null } }),
    );
  });
});

describe('Hub close in a turn with writes not committed yet', () => {
  /** A connection with an ack queued (as for a publish stored this turn) and a commit to come in this turn. */
  async function queuedBeforeCommit(commits: boolean) {
    const h = setup();
    const { s } = await h.hello('alice');
    const conn = [...h.hub.connections][0];
    h.hub.flusher.atTurnCommit(() => commits);
    conn.send({ type: 'ack', id: 'p1', data: { seq: 1 } });
    // Closed meanwhile (a protocol error, the abuse limit, a heartbeat timeout in the tick).
    conn.close(CloseCode.ProtocolError);
    return { h, s, conn };
  }

  it('sends what is queued after the commit, then closes', async () => {
    const { h, s } = await queuedBeforeCommit(true);
    expect(s.take()).toEqual([]);
    expect(s.closeInfo).toBeNull();
    h.hub.flusher.flushNow();
    expect(s.take()).toEqual([{ type: 'ack', id: 'p1', data: { seq: 1 } }]);
    expect(s.closeInfo?.code).toBe(CloseCode.ProtocolError.code);
  });

  it('never sends it when the commit fails (the ack would speak of a write that is not stored)', async () => {
    const { h, s, conn } = await queuedBeforeCommit(false);
    h.hub.flusher.flushNow();
    expect(s.take()).toEqual([]);
    // Nothing more is read meanwhile; the fail-stop drops the socket.
    expect(conn.open).toBe(false);
    h.hub.abort('storage failure');
    expect(s.take()).toEqual([]);
  });
});

describe('Hub presence', () => {
  const presence = (msgs: Msg[]) =>
    msgs.filter((m) => m.type === 'user_join' || m.type === 'user_leave').map((m) => [m.type, m.data.userId]);

  it('announces a user once for two sessions, and leaves after the last one leaves', async () => {
    const h = setup();
    const watcher = await h.hello('carol');
    await h.subscribe(watcher.s, 'doc:a');
    const one = await h.hello('alice');
    const two = await h.hello('alice');
    watcher.s.take();

    await h.join(one.s, 'doc:a');
    await h.join(two.s, 'doc:a');
    expect(presence(watcher.s.take() as Msg[])).toEqual([['user_join', 'alice']]);

    await h.command(one.s, { type: 'leave_room', room: 'doc:a' });
    expect(presence(watcher.s.take() as Msg[])).toEqual([]);
    await h.command(two.s, { type: 'leave_room', room: 'doc:a' });
    expect(presence(watcher.s.take() as Msg[])).toEqual([['user_leave', 'alice']]);
  });

  it('carries the user’s name and the document id in user_join', async () => {
    const h = setup();
    const watcher = await h.hello('carol', { rooms: [{ room: 'doc:a' }] });
    const alice = await h.hello('alice');
    await h.join(alice.s, 'doc:a');
    expect(events(watcher.s.take() as Msg[], 'user_join')[0].data).toEqual({
      userId: 'alice',
      userName: 'User alice',
      documentId: 'a',
    });
  });

  it('keeps a disconnected user present for presenceGraceMs, then announces the leave', async () => {
    const h = setup({ limits: { presenceGraceMs: 5000 } });
    const watcher = await h.hello('carol', { rooms: [{ room: 'doc:a' }] });
    const alice = await h.hello('alice', { rooms: [{ room: 'doc:a', mode: 'join' }] });
    alice.s.drop();
    await h.settle();
    watcher.s.take();
    h.clock.advance(5000);
    await h.settle();
    expect(presence(watcher.s.take() as Msg[])).toEqual([]);
    h.clock.advance(1000);
    await h.settle();
    expect(presence(watcher.s.take() as Msg[])).toEqual([['user_leave', 'alice']]);
  });
});
