import { PROTOCOL_VERSION, type ServerMessage, type Welcome } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import type { Broker, BrokerHandler } from './broker.js';
import { LocalBroker, LocalBus } from './local-broker.js';

// biome-ignore lint/suspicious/noExplicitAny: test messages are read loosely
type Msg = ServerMessage & Record<string, any>;

const authenticate = async (token: string): Promise<Identity> => ({
  userId: token,
  name: `User ${token}`,
  roles: [],
  claims: { sub: token },
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Several hubs in one process sharing one log and one `LocalBus`: the cross-node logic without Redis. */
function cluster(n: number) {
  const clock = new FakeClock();
  const store = new MemoryLogStore();
  const bus = new LocalBus(() => clock.now());
  const brokers = Array.from({ length: n }, () => new LocalBroker(bus));
  const hubs = brokers.map((broker) => new Hub({ store, broker, authenticate, clock, logger: silentLogger }));
  for (const h of hubs) h.start();
  closers.push(async () => {
    for (const b of brokers) await b.close();
    await store.close();
  });
  const settle = () => clock.settle();
  let ids = 0;

  async function hello(hub: Hub, token: string, extra: Record<string, unknown> = {}) {
    const s = new MemorySocket();
    s.attach(hub.open(s, { ip: '127.0.0.1' }));
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token, ...extra });
    await settle();
    const all = s.take() as Msg[];
    const welcome = all.find((m) => m.type === 'welcome') as Welcome | undefined;
    if (!welcome) throw new Error(`no welcome: ${JSON.stringify(all)}`);
    return { s, welcome };
  }

  async function command(s: MemorySocket, message: Record<string, unknown>): Promise<Msg> {
    const id = `m${++ids}`;
    s.write({ ...message, id });
    await settle();
    const reply = (s.messages() as Msg[]).find((m) => m.id === id);
    if (!reply) throw new Error(`no reply to ${JSON.stringify(message)}`);
    return reply;
  }

  return { clock, store, bus, brokers, hubs, settle, hello, command };
}

/**
 * Two nodes; a subscriber on node 1 has seen entry 1 ('a', published on node 0); then two entries reach the
 * log whose broker messages never arrive (another node, a Redis outage): only the log has them.
 */
async function lostEntries(room: string) {
  const c = cluster(2);
  const { s } = await c.hello(c.hubs[1], 'u1');
  await c.command(s, { type: 'subscribe', room });
  s.take();
  void c.hubs[0].publish(room, 'app_event', { name: 'a' });
  await c.settle();
  await c.store.append(room, [
    { type: 'app_event', data: { name: 'lost-1' }, ts: 1 },
    { type: 'app_event', data: { name: 'lost-2' }, ts: 2 },
  ]);
  return { c, s, room };
}

/** The presence events `s` received since the last take: `user_join ann`, `user_status ann on 2`, ... */
const presenceEvents = (s: MemorySocket) =>
  (s.take() as Msg[])
    .filter((m) => m.type.startsWith('user_'))
    .map((m) => `${m.type} ${m.data.userId}${m.data.connections ? ` on ${m.data.connections}` : ''}`);

const appEvents = (s: MemorySocket, room: string) =>
  (s.messages() as Msg[]).filter((m) => m.type === 'app_event' && m.room === room);

describe('hubs on a shared log and broker', () => {
  it('deliver every room event to every node’s subscribers once, in seq order', async () => {
    const c = cluster(3);
    const room = 'doc:r1';
    const subs = [];
    for (const [i, hub] of c.hubs.entries()) {
      const { s } = await c.hello(hub, `u${i}`);
      await c.command(s, { type: 'subscribe', room });
      s.take();
      subs.push(s);
    }
    // Publishes interleaved across the three nodes in the same turns.
    for (let round = 0; round < 10; round++) {
      for (const [i, hub] of c.hubs.entries()) {
        void hub.publish(room, 'app_event', { name: `n${i}-${round}` });
      }
      if (round % 3 === 0) await c.settle();
    }
    await c.settle();
    const expected = Array.from({ length: 30 }, (_, k) => k + 1);
    for (const s of subs) expect(appEvents(s, room).map((m) => m.seq)).toEqual(expected);
    // The same event under the same seq everywhere.
    const bySeq = appEvents(subs[0], room).map((m) => m.data.name);
    for (const s of subs.slice(1)) expect(appEvents(s, room).map((m) => m.data.name)).toEqual(bySeq);
  });

  it('fill a gap from the log before delivering what follows it (a lost broker message)', async () => {
    const { c, s, room } = await lostEntries('doc:gap');
    void c.hubs[0].publish(room, 'app_event', { name: 'b' });
    await c.settle();
    expect(appEvents(s, room).map((m) => [m.seq, m.data.name])).toEqual([
      [1, 'a'],
      [2, 'lost-1'],
      [3, 'lost-2'],
      [4, 'b'],
    ]);
  });

  it('fill a lost tail from the log once the room goes quiet (no later entry reveals it)', async () => {
    // The last entries of a burst are lost, and nothing follows them.
    const { c, s, room } = await lostEntries('doc:tail');
    await c.settle();
    expect(appEvents(s, room).map((m) => m.data.name)).toEqual(['a']);
    c.clock.advance(2_000); // two ticks: traffic paused, the room is compared with the log's head
    await c.settle();
    expect(appEvents(s, room).map((m) => [m.seq, m.data.name])).toEqual([
      [1, 'a'],
      [2, 'lost-1'],
      [3, 'lost-2'],
    ]);
  });

  it('carry ephemeral events across nodes, and not back to the sender', async () => {
    const c = cluster(2);
    const room = 'doc:eph';
    const a = await c.hello(c.hubs[0], 'ua');
    const b = await c.hello(c.hubs[1], 'ub');
    await c.command(a.s, { type: 'join_room', room });
    await c.command(b.s, { type: 'join_room', room });
    a.s.take();
    b.s.take();
    a.s.write({ type: 'publish', room, event: 'cursor_update', data: { x: 3, y: 4, page: 0 }, echo: false });
    await c.settle();
    const got = (b.s.take() as Msg[]).filter((m) => m.type === 'cursor_update');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ room, from: 'ua', data: { x: 3, y: 4, userId: 'ua' } });
    expect((a.s.take() as Msg[]).filter((m) => m.type === 'cursor_update')).toEqual([]);
  });

  it('announce user_join / user_leave once per user for the cluster, and list members cluster-wide', async () => {
    const c = cluster(2);
    const room = 'doc:p';
    const watcher = await c.hello(c.hubs[0], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const a = await c.hello(c.hubs[0], 'ann');
    const b = await c.hello(c.hubs[1], 'ann');
    await c.command(a.s, { type: 'join_room', room });
    await c.command(b.s, { type: 'join_room', room });
    const bob = await c.hello(c.hubs[1], 'bob');
    await c.command(bob.s, { type: 'join_room', room });
    await c.settle();
    const joins = () =>
      (watcher.s.messages() as Msg[]).filter((m) => m.type === 'user_join').map((m) => m.data.userId);
    const leaves = () =>
      (watcher.s.messages() as Msg[]).filter((m) => m.type === 'user_leave').map((m) => m.data.userId);
    expect(joins()).toEqual(['watcher', 'ann', 'bob']);
    for (const s of [a.s, bob.s]) {
      const r = await c.command(s, { type: 'request', method: 'room.members', data: { room } });
      const members = (r.data.members as { userId: string; connections: number }[])
        .map((m) => `${m.userId}:${m.connections}`)
        .sort();
      expect(members).toEqual(['ann:2', 'bob:1', 'watcher:1']);
    }
    await c.command(a.s, { type: 'leave_room', room });
    await c.settle();
    expect(leaves()).toEqual([]); // still there on the other node
    await c.command(b.s, { type: 'leave_room', room });
    await c.settle();
    expect(leaves()).toEqual(['ann']);
  });

  it('answer room.members and doc.open with every node’s users while a node reads their presence again', async () => {
    const c = cluster(2);
    const docs = new MemoryDocStore();
    const seqs = c.hubs.map((hub) => new DocumentSequencer(hub, docs));
    closers.push(async () => {
      for (const s of seqs) s.stop();
    });
    const room = 'doc:reread';
    const ann = await c.hello(c.hubs[0], 'ann');
    await c.command(ann.s, { type: 'join_room', room });
    const bob = await c.hello(c.hubs[1], 'bob');
    await c.command(bob.s, { type: 'join_room', room });
    await c.settle();
    // Node 1 reads the other nodes' presence again (its broker reconnected, or it found itself reaped), slowly.
    const handlerOf = (b: LocalBroker) => (b as unknown as { handler: BrokerHandler }).handler;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const presenceOf = c.brokers[1].presenceOf.bind(c.brokers[1]);
    c.brokers[1].presenceOf = async (r) => {
      await gate;
      return presenceOf(r);
    };
    handlerOf(c.brokers[1]).reconnected();
    await c.settle();
    expect(c.hubs[1].members(room).map((m) => m.userId)).toEqual(['bob']); // what node 1 knows meanwhile
    bob.s.write({ type: 'request', id: 'members', method: 'room.members', data: { room } });
    bob.s.write({ type: 'request', id: 'open', method: 'doc.open', data: { documentId: 'reread' } });
    await c.settle();
    const reply = (id: string) => (bob.s.messages() as Msg[]).find((m) => m.id === id);
    expect(reply('members')).toBeUndefined(); // not this node's users alone: it waits for the read
    release();
    await c.settle();
    const users = (members: { userId: string }[]) => members.map((m) => m.userId).sort();
    expect(users(reply('members')?.data.members)).toEqual(['ann', 'bob']);
    expect(users(reply('open')?.data.members)).toEqual(['ann', 'bob']);
  });

  it('resume a session on another node: resumed, with every event it missed', async () => {
    const c = cluster(2);
    const room = 'doc:resume';
    const first = await c.hello(c.hubs[0], 'ann');
    await c.command(first.s, { type: 'join_room', room });
    void c.hubs[0].publish(room, 'app_event', { name: 'seen' });
    await c.settle();
    first.s.drop();
    await c.settle();
    for (const name of ['m1', 'm2']) void c.hubs[1].publish(room, 'app_event', { name });
    await c.settle();
    const second = await c.hello(c.hubs[1], 'ann', {
      session: { id: first.welcome.sessionId, key: first.welcome.resumeKey },
      rooms: [{ room, mode: 'join', since: 2 }], // 1 = user_join, 2 = seen
    });
    expect(second.welcome.resumed).toBe(true);
    expect(second.welcome.sessionId).toBe(first.welcome.sessionId);
    expect(second.welcome.rooms.find((r) => r.room === room)?.status).toBe('resumed');
    await c.settle();
    expect(appEvents(second.s, room).map((m) => m.data.name)).toEqual(['m1', 'm2']);
    // A wrong key is a new session, not someone else's.
    const thief = await c.hello(c.hubs[1], 'ann', {
      session: { id: first.welcome.sessionId, key: 'x'.repeat(32) },
    });
    expect(thief.welcome.resumed).toBe(false);
  });

  it('close the socket a session left with 4011 when it resumes on another node, and keep that node’s record', async () => {
    const c = cluster(2);
    const room = 'doc:taken';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const tab = await c.hello(c.hubs[0], 'ann');
    await c.command(tab.s, { type: 'join_room', room });
    await c.settle();
    expect(presenceEvents(watcher.s)).toEqual(['user_join watcher', 'user_join ann']);
    const { sessionId: id, resumeKey: key } = tab.welcome;
    // Her network changes: node 0 still thinks her old socket open (half-open), her tab resumes through node 1.
    const moved = await c.hello(c.hubs[1], 'ann', { session: { id, key }, rooms: [{ room, mode: 'join' }] });
    expect(moved.welcome.resumed).toBe(true);
    await c.settle();
    expect(tab.s.closeInfo?.code).toBe(4011);
    // There she enters another room; node 0, having closed her old socket, never writes its stale record over it.
    await c.command(moved.s, { type: 'join_room', room: 'doc:other' });
    c.clock.advance(15_000); // past the presence grace of the session node 0 keeps
    await c.settle();
    expect(presenceEvents(watcher.s)).toEqual([]); // no leave and join again
    expect(c.hubs[1].members(room).find((m) => m.userId === 'ann')?.connections).toBe(1);
    const record = await c.brokers[0].loadSession(id);
    expect(record?.node).toBe(c.brokers[1].nodeId);
    expect(record?.rooms.map((r) => r.room).sort()).toEqual(['doc:other', room, 'system', 'user:ann']);
    // Back through node 0 without naming rooms (a raw client): the rooms node 1 saved, and node 1's socket goes.
    void c.hubs[1].publish('doc:other', 'app_event', { name: 'missed' });
    await c.settle();
    const back = await c.hello(c.hubs[0], 'ann', { session: { id, key } });
    expect(back.welcome.resumed).toBe(true);
    expect(back.welcome.rooms.map((r) => r.room).sort()).toEqual(['doc:other', room, 'system', 'user:ann']);
    await c.settle();
    expect(moved.s.closeInfo?.code).toBe(4011);
    expect(appEvents(back.s, 'doc:other').map((m) => m.data.name)).toEqual(['missed']);
    expect((await c.brokers[1].loadSession(id))?.node).toBe(c.brokers[0].nodeId);
    expect(presenceEvents(watcher.s)).toEqual([]);
  });

  it('have another node announce the users of a node that is gone', async () => {
    const c = cluster(2);
    const room = 'doc:dead';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const a = await c.hello(c.hubs[0], 'ann');
    await c.command(a.s, { type: 'join_room', room });
    await c.settle();
    await c.brokers[0].close(); // node 0 is gone
    await c.settle();
    const leaves = (watcher.s.messages() as Msg[]).filter((m) => m.type === 'user_leave');
    expect(leaves.map((m) => m.data.userId)).toEqual(['ann']);
    expect(c.hubs[1].members(room).map((m) => m.userId)).toEqual(['watcher']);
  });

  it('announce user_join again, once per user, when a reaped node restores its presence', async () => {
    const c = cluster(2);
    const room = 'doc:reaped';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const tabs = [await c.hello(c.hubs[0], 'ann'), await c.hello(c.hubs[0], 'ann')];
    for (const t of tabs) await c.command(t.s, { type: 'join_room', room });
    const bob = await c.hello(c.hubs[0], 'bob');
    await c.command(bob.s, { type: 'join_room', room });
    await c.command(bob.s, { type: 'request', method: 'presence.status', data: { status: 'idle' } });
    await c.settle();
    watcher.s.take();
    // Node 0 is reaped as dead while it lives (its heartbeats stalled): what the reaper does to it.
    const node0 = c.brokers[0].nodeId;
    const handlerOf = (b: LocalBroker) => (b as unknown as { handler: BrokerHandler }).handler;
    const byNode = c.bus.presence.get(room)!;
    const users = [...byNode.get(node0)!.keys()];
    byNode.delete(node0);
    handlerOf(c.brokers[1]).presence(room, node0, null, null);
    for (const u of users) handlerOf(c.brokers[1]).userGone(room, u);
    await c.settle();
    const presenceEvents = () =>
      (watcher.s.take() as Msg[])
        .filter((m) => m.type.startsWith('user_'))
        .map(
          (m) =>
            `${m.type} ${m.data.userId}${m.data.status ? ` ${m.data.status}` : ''}${m.data.connections ? ` on ${m.data.connections}` : ''}`,
        );
    expect(presenceEvents()).toEqual(['user_leave ann', 'user_leave bob']);
    // Node 0 finds out (its next heartbeat) and writes its presence again.
    handlerOf(c.brokers[0]).reconnected();
    await c.settle();
    // Ann's join says one connection; she has two tabs, which her status says (once the node has read the others'
    // presence back: then the statuses of all).
    expect(presenceEvents()).toEqual([
      'user_join ann',
      'user_join bob',
      'user_status ann active on 2',
      'user_status bob idle on 1',
    ]);
    const members = c.hubs[1].members(room).map((m) => `${m.userId}:${m.connections}${m.status ?? ''}`);
    expect(members.sort()).toEqual(['ann:2', 'bob:1idle', 'watcher:1']);
    // A reconnect that lost nothing announces nothing.
    handlerOf(c.brokers[0]).reconnected();
    await c.settle();
    expect(presenceEvents()).toEqual([]);
  });

  it('restore a user kept present by a disconnected session (presence grace) with their name', async () => {
    const c = cluster(2);
    const room = 'doc:grace';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const ann = await c.hello(c.hubs[0], 'ann');
    await c.command(ann.s, { type: 'join_room', room });
    ann.s.drop(); // her tab reconnects: within the presence grace she is still in the room
    await c.settle();
    watcher.s.take();
    // Node 0 is reaped while it lives, then writes its presence again (as in the test above).
    const node0 = c.brokers[0].nodeId;
    const handlerOf = (b: LocalBroker) => (b as unknown as { handler: BrokerHandler }).handler;
    c.bus.presence.get(room)!.delete(node0);
    handlerOf(c.brokers[1]).presence(room, node0, null, null);
    handlerOf(c.brokers[1]).userGone(room, 'ann');
    await c.settle();
    handlerOf(c.brokers[0]).reconnected();
    await c.settle();
    const events = (watcher.s.take() as Msg[]).filter((m) => m.type.startsWith('user_'));
    expect(events.map((m) => [m.type, m.data])).toEqual([
      ['user_leave', { userId: 'ann', documentId: 'grace' }],
      ['user_join', { userId: 'ann', userName: 'User ann', documentId: 'grace' }],
    ]);
    const members = (hub: Hub) => hub.members(room).find((m) => m.userId === 'ann');
    // Present, on no connection (the grace keeps her): so every node says.
    expect(members(c.hubs[1])).toEqual({ userId: 'ann', userName: 'User ann', connections: 0 });
    expect(members(c.hubs[0])).toEqual({ userId: 'ann', userName: 'User ann', connections: 0 });
  });

  it('announce how many tabs a user has in a room across nodes, once per change', async () => {
    const c = cluster(2);
    const room = 'doc:tabs';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const first = await c.hello(c.hubs[0], 'ann');
    await c.command(first.s, { type: 'join_room', room });
    await c.settle();
    const events = () => presenceEvents(watcher.s);
    expect(events()).toEqual(['user_join watcher', 'user_join ann']);
    const ann = () => c.hubs.map((h) => h.members(room).find((m) => m.userId === 'ann')?.connections);
    const second = await c.hello(c.hubs[1], 'ann'); // another tab, through the other node
    await c.command(second.s, { type: 'join_room', room });
    await c.settle();
    expect(events()).toEqual(['user_status ann on 2']);
    expect(ann()).toEqual([2, 2]);
    first.s.drop(); // the first tab closes: within the presence grace she is in the room, on one tab
    await c.settle();
    expect(ann()).toEqual([1, 1]);
    expect(events()).toEqual([]); // said once it has lasted (a blip would be over by then)
    c.clock.advance(2_000); // the tick after presenceCountSettleMs
    await c.settle();
    expect(events()).toEqual(['user_status ann on 1']);
    second.s.drop(); // her last tab: no connection, still present (a reload would come back): nothing announced
    await c.settle();
    expect(events()).toEqual([]);
    expect(ann()).toEqual([0, 0]);
  });

  it('not bring back the users of a node reaped while its presence was being read', async () => {
    const c = cluster(2);
    const room = 'doc:reaped-mid-read';
    const tab = await c.hello(c.hubs[0], 'ann');
    await c.command(tab.s, { type: 'join_room', room });
    await c.settle();
    // Node 1's read of the room's presence is answered (ann on node 0) but applied only after node 0 is reaped.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const broker1 = c.brokers[1];
    const read = broker1.presenceOf.bind(broker1);
    broker1.presenceOf = async (name: string) => {
      const answer = await read(name);
      await held;
      return answer;
    };
    const watcher = await c.hello(c.hubs[1], 'watcher', { rooms: [{ room, mode: 'join' }] });
    const node0 = c.brokers[0].nodeId;
    c.bus.presence.get(room)?.delete(node0);
    (broker1 as unknown as { handler: BrokerHandler }).handler.presence(room, node0, null, null);
    release();
    await c.settle();
    c.clock.advance(3_000);
    await c.settle();
    expect(c.hubs[1].members(room).map((m) => m.userId)).toEqual(['watcher']);
    watcher.s.take();
  });

  it('count a tab resumed on another node once while the node it left still lists it (dead, not reaped yet)', async () => {
    const c = cluster(2);
    const room = 'doc:moved-tab';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const tab = await c.hello(c.hubs[0], 'ann');
    await c.command(tab.s, { type: 'join_room', room });
    await c.settle();
    const events = () => presenceEvents(watcher.s);
    expect(events()).toEqual(['user_join watcher', 'user_join ann']);
    const ann = () => c.hubs.map((h) => h.members(room).find((m) => m.userId === 'ann')?.connections);
    // Node 0 stops answering (its socket to her is not closed, its presence not reaped yet): her tab reconnects
    // through node 1 and resumes its session there.
    const moved = await c.hello(c.hubs[1], 'ann', {
      session: { id: tab.welcome.sessionId, key: tab.welcome.resumeKey },
      rooms: [{ room, mode: 'join' }],
    });
    expect(moved.welcome.resumed).toBe(true);
    await c.settle();
    c.clock.advance(3_000);
    await c.settle();
    expect(ann()).toEqual([1, 1]); // one tab, not "in 2 tabs" until node 0 is reaped
    expect(events()).toEqual([]);
    // Node 0 is reaped: still one tab, nothing to say.
    const node0 = c.brokers[0].nodeId;
    c.bus.presence.get(room)?.delete(node0);
    (c.brokers[1] as unknown as { handler: BrokerHandler }).handler.presence(room, node0, null, null);
    c.clock.advance(3_000);
    await c.settle();
    expect(ann()[1]).toBe(1);
    expect(events()).toEqual([]);
  });

  it.each([
    ['on another node than her idle tab', 0, 1],
    ['on the node of her idle tab, watched from another', 0, 0],
  ])('say a user idle once her active tab closed (%s), not after the presence grace', async (_, a, b) => {
    const c = cluster(2);
    const room = 'doc:idle-tabs';
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const active = await c.hello(c.hubs[a], 'ann');
    await c.command(active.s, { type: 'join_room', room });
    const idle = await c.hello(c.hubs[b], 'ann');
    await c.command(idle.s, { type: 'join_room', room });
    await c.command(idle.s, { type: 'request', method: 'presence.status', data: { status: 'idle' } });
    await c.settle();
    const events = () =>
      (watcher.s.take() as Msg[])
        .filter((m) => m.type === 'user_status')
        .map((m) => `${m.data.userId} ${m.data.status} on ${m.data.connections}`);
    expect(events()).toEqual(['ann active on 2']);
    const status = () =>
      c.hubs.map((h) => h.members(room).find((m) => m.userId === 'ann')?.status ?? 'active');
    active.s.drop(); // her active tab closes: the grace (10 s) keeps its session, which said active
    await c.settle();
    expect(events()).toEqual([]); // a reload would be back by then: nothing yet
    c.clock.advance(2_000); // the tick after presenceCountSettleMs
    await c.settle();
    expect(events()).toEqual(['ann idle on 1']);
    expect(status()).toEqual(['idle', 'idle']);
  });

  it('say a status change made while the node that led the user was dead, once that node is reaped', async () => {
    const c = cluster(2);
    const room = 'doc:dead-leader';
    const [lead, other] = c.brokers[0].nodeId < c.brokers[1].nodeId ? [0, 1] : [1, 0];
    const watcher = await c.hello(c.hubs[other], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const tab = await c.hello(c.hubs[lead], 'ann');
    await c.command(tab.s, { type: 'join_room', room });
    await c.command(tab.s, { type: 'request', method: 'presence.status', data: { status: 'idle' } });
    await c.settle();
    const statuses = () =>
      (watcher.s.take() as Msg[])
        .filter((m) => m.type === 'user_status')
        .map((m) => `${m.data.userId} ${m.data.status}`);
    expect(statuses()).toEqual(['ann idle']);
    // The leading node dies (it hears nothing more, and is not reaped yet); her tab resumes on the other, active.
    (c.brokers[lead] as unknown as { handler: BrokerHandler | null }).handler = null;
    const back = await c.hello(c.hubs[other], 'ann', {
      session: { id: tab.welcome.sessionId, key: tab.welcome.resumeKey },
      rooms: [{ room, mode: 'join' }],
    });
    expect(back.welcome.resumed).toBe(true);
    await c.settle();
    expect(statuses()).toEqual([]); // recorded on this node, but the (dead) leader says it
    // The dead node is reaped: this node leads her now, and says what was never said.
    const node = c.brokers[lead].nodeId;
    c.bus.presence.get(room)?.delete(node);
    (c.brokers[other] as unknown as { handler: BrokerHandler }).handler.presence(room, node, null, null);
    await c.settle();
    expect(statuses()).toEqual(['ann active']);
  });

  it('announce nothing for a tab whose socket drops and comes back within presenceCountSettleMs (a blip)', async () => {
    const c = cluster(1);
    const room = 'doc:blip';
    const watcher = await c.hello(c.hubs[0], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const tabs = [await c.hello(c.hubs[0], 'ann'), await c.hello(c.hubs[0], 'ann')];
    for (const t of tabs) await c.command(t.s, { type: 'join_room', room });
    await c.settle();
    const statuses = () =>
      (watcher.s.take() as Msg[]).filter((m) => m.type === 'user_status').map((m) => m.data.connections);
    expect(statuses()).toEqual([2]);
    tabs[1].s.drop(); // its socket drops...
    await c.settle();
    c.clock.advance(1_000);
    await c.settle();
    const back = await c.hello(c.hubs[0], 'ann', {
      session: { id: tabs[1].welcome.sessionId, key: tabs[1].welcome.resumeKey },
    });
    expect(back.welcome.resumed).toBe(true); // ...and is resumed a second later
    c.clock.advance(3_000);
    await c.settle();
    expect(statuses()).toEqual([]);
  });

  it('keep a user’s tab count across a broker reconnect, and correct it when a node with some of them goes', async () => {
    const c = cluster(2);
    const room = 'doc:recount';
    const handlerOf = (b: LocalBroker) => (b as unknown as { handler: BrokerHandler }).handler;
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    for (const hub of c.hubs) {
      const tab = await c.hello(hub, 'ann'); // a tab of Ann's through each node
      await c.command(tab.s, { type: 'join_room', room });
    }
    await c.settle();
    const events = () => presenceEvents(watcher.s);
    expect(events()).toEqual(['user_join watcher', 'user_join ann', 'user_status ann on 2']);
    const ann = () => c.hubs.map((h) => h.members(room).find((m) => m.userId === 'ann')?.connections);
    // A broker reconnect on either node loses nothing: it announces nothing (it used to say "on 1" until the other
    // node's presence was read back, and then nothing corrected it).
    for (const broker of c.brokers) {
      handlerOf(broker).reconnected();
      await c.settle();
      expect(events()).toEqual([]);
      expect(ann()).toEqual([2, 2]);
    }
    // Node 0 goes (its presence dropped, as when it closes or is reaped): Ann is on one tab, which is said.
    const node0 = c.brokers[0].nodeId;
    c.bus.presence.get(room)?.delete(node0);
    handlerOf(c.brokers[1]).presence(room, node0, null, null);
    await c.settle();
    expect(ann()[1]).toBe(1);
    c.clock.advance(2_000);
    await c.settle();
    expect(events()).toEqual(['user_status ann on 1']);
  });

  it('write a presence change lost with the broker’s command connection again once it is back', async () => {
    const c = cluster(2);
    const room = 'doc:lostleave';
    const flaky: Broker = c.brokers[0];
    let down = false;
    const setPresence = flaky.setPresence.bind(flaky);
    // While `down`, writes fail as ioredis fails them when it gives up on its queue.
    flaky.setPresence = (...args) =>
      down ? Promise.reject(new Error('connection lost')) : setPresence(...args);
    const watcher = await c.hello(c.hubs[1], 'watcher');
    await c.command(watcher.s, { type: 'join_room', room });
    const ann = await c.hello(c.hubs[0], 'ann');
    await c.command(ann.s, { type: 'join_room', room });
    await c.settle();
    down = true;
    await c.command(ann.s, { type: 'leave_room', room }); // the leave's write is lost
    const bob = await c.hello(c.hubs[0], 'bob');
    await c.command(bob.s, { type: 'join_room', room }); // and so is this join's
    await c.settle();
    const presenceEvents = () =>
      (watcher.s.messages() as Msg[])
        .filter((m) => m.type === 'user_join' || m.type === 'user_leave')
        .map((m) => `${m.type} ${m.data.userId}`);
    expect(presenceEvents()).toEqual(['user_join watcher', 'user_join ann']);
    down = false;
    (flaky as unknown as { handler: BrokerHandler }).handler.commandsReady();
    await c.settle();
    expect(presenceEvents()).toEqual([
      'user_join watcher',
      'user_join ann',
      'user_leave ann',
      'user_join bob',
    ]);
    expect(
      c.hubs[1]
        .members(room)
        .map((m) => m.userId)
        .sort(),
    ).toEqual(['bob', 'watcher']);
    // Nothing left to write: once more changes nothing.
    (flaky as unknown as { handler: BrokerHandler }).handler.commandsReady();
    await c.settle();
    expect(presenceEvents()).toHaveLength(4);
  });

  it('share zone locks: a lock taken on one node refuses the zone on another until released', async () => {
    const c = cluster(2);
    const docs = new MemoryDocStore();
    const seqs = c.hubs.map((hub) => new DocumentSequencer(hub, docs));
    closers.push(async () => {
      for (const s of seqs) s.stop();
    });
    const room = 'doc:locked';
    const a = await c.hello(c.hubs[0], 'ann');
    const b = await c.hello(c.hubs[1], 'ben');
    for (const x of [a, b]) await c.command(x.s, { type: 'join_room', room });
    const lock = (s: MemorySocket) =>
      c.command(s, { type: 'request', method: 'doc.lock', data: { documentId: 'locked', zoneId: 'z1' } });
    expect((await lock(a.s)).type).toBe('response');
    expect(await lock(b.s)).toMatchObject({ type: 'nack', code: 'zone_locked' });
    await c.command(a.s, {
      type: 'request',
      method: 'doc.unlock',
      data: { documentId: 'locked', zoneId: 'z1' },
    });
    expect((await lock(b.s)).type).toBe('response');
  });
});
