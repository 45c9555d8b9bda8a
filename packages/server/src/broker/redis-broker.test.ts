import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type ServerMessage } from '@syncline/protocol';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { needService, REDIS_URL } from '../../../../test/services.js';
import { systemClock } from '../core/clock.js';
import { Hub } from '../core/hub.js';
import { silentLogger } from '../core/logger.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { TcpProxy } from '../storage/testing/postgres-test-proxy.js';
import { describeBrokerContract, RecordingHandler } from './broker.contract.js';
import type { NodePresence } from './broker.js';
import { RedisBroker } from './redis-broker.js';
import { REAP_NODES } from './redis-scripts.js';

const hasRedis = await needService('redis');
const prefixes: string[] = [];
const freshPrefix = () => {
  const p = `syncline-test:${randomBytes(4).toString('hex')}:`;
  prefixes.push(p);
  return p;
};

/** Deletes every key the tests made. */
afterAll(async () => {
  if (!hasRedis) return;
  const redis = new Redis(REDIS_URL);
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

/** Polls `ok` every 10 ms until it holds, or fails naming `what` after `ms`. */
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A client of `hub` on an in-memory socket, signed in as `user` (its token is its user id). */
async function connect(hub: Hub, user: string): Promise<MemorySocket> {
  const s = new MemorySocket();
  s.attach(hub.open(s, { ip: '127.0.0.1' }));
  s.write({ type: 'hello', v: PROTOCOL_VERSION, token: user });
  await until('welcome', () => s.messages().some((m) => m.type === 'welcome'));
  return s;
}

describe.skipIf(!hasRedis)('on Redis', () => {
  describeBrokerContract('RedisBroker', () => {
    const prefix = freshPrefix();
    return { node: () => new RedisBroker({ url: REDIS_URL, prefix, heartbeatMs: 200, nodeTtlMs: 1000 }) };
  });

  describe('RedisBroker', () => {
    it('refuses a missing url', () => {
      expect(() => new RedisBroker({ url: '' })).toThrow(/url/);
    });

    it('reaps a node that stopped heartbeating without closing (a killed process)', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 200, nodeTtlMs: 1000 };
      const a = new RedisBroker(opts);
      const dead = new RedisBroker(opts);
      const h = new RecordingHandler();
      a.start(h);
      dead.start(new RecordingHandler());
      try {
        await a.subscribe('doc:k');
        await dead.setPresence('doc:k', 'u9', { connections: 1 });
        expect((await a.presenceOf('doc:k')).has(dead.nodeId)).toBe(true);
        // Kill: the connections drop without the goodbye close() writes, and no heartbeat follows.
        (dead as unknown as { timer: NodeJS.Timeout }).timer.close();
        (dead as unknown as { closed: boolean }).closed = true;
        dead.simulateDisconnect();
        const started = Date.now();
        for (;;) {
          if (h.gone.length > 0) break;
          if (Date.now() - started > 9000) throw new Error('the dead node was not reaped');
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(h.gone).toEqual([{ room: 'doc:k', userId: 'u9' }]);
        expect((await a.presenceOf('doc:k')).size).toBe(0);
      } finally {
        await a.close();
        await dead.close();
      }
    });

    it('has another node say the leaves of a reap whose reply was lost with its connection', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 100, nodeTtlMs: 500 };
      const dead = new RedisBroker(opts);
      const unlucky = new RedisBroker(opts);
      const hu = new RecordingHandler();
      dead.start(new RecordingHandler());
      unlucky.start(hu);
      // The reap of `unlucky` that finds the dead node runs in Redis, and its reply is lost (the connection drops
      // before it arrives). Its later reaps go through: whichever node's reap comes first once the owed list is older
      // than the node TTL says the leave (losing every reply of one node made a race the other node could lose
      // several times in a row on a loaded machine).
      const pub = (unlucky as unknown as { pub: Redis }).pub;
      const evaluate = pub.eval.bind(pub) as (...args: unknown[]) => Promise<unknown>;
      let reapsLost = 0;
      (pub as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = (...args) => {
        const run = evaluate(...args);
        if (args[0] !== REAP_NODES || reapsLost > 0) return run;
        return run.then((gone) => {
          if ((gone as string[]).length === 0) return gone;
          reapsLost++;
          throw new Error('Connection is closed.');
        });
      };
      let a: RedisBroker | undefined;
      try {
        await dead.setPresence('doc:k', 'u9', { connections: 1 });
        await dead.setPresence('doc:k', 'u8', { connections: 1 });
        await unlucky.setPresence('doc:k', 'u8', { connections: 1 }); // still here: no leave owed for u8
        (dead as unknown as { timer: NodeJS.Timeout }).timer.close();
        (dead as unknown as { closed: boolean }).closed = true;
        dead.simulateDisconnect();
        await until('the dead node reaped', () => reapsLost > 0, 5000);
        expect(hu.gone).toEqual([]);
        // A later reap, of another node or of the same, says the leave the lost reply owed, once.
        const h = new RecordingHandler();
        a = new RedisBroker(opts);
        a.start(h);
        const said = () => [...h.gone, ...hu.gone];
        await until('the owed leave said', () => said().length > 0, 5000);
        await new Promise((r) => setTimeout(r, 700));
        expect(said()).toEqual([{ room: 'doc:k', userId: 'u9' }]);
      } finally {
        await a?.close();
        await unlucky.close();
        await dead.close();
      }
    });

    it('never reaps a live node whose clock is behind the others (heartbeats are dated by Redis)', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 100, nodeTtlMs: 1000 };
      const a = new RedisBroker(opts);
      const behind = new RedisBroker(opts);
      const h = new RecordingHandler();
      a.start(h);
      const hb = new RecordingHandler();
      behind.start(hb);
      // Every heartbeat of `behind` runs with its clock 6 s behind (more than nodeTtlMs).
      const late = behind as unknown as { heartbeat(): void };
      const heartbeat = late.heartbeat.bind(behind);
      late.heartbeat = () => {
        const real = Date.now;
        Date.now = () => real() - 6000;
        try {
          heartbeat();
        } finally {
          Date.now = real;
        }
      };
      try {
        await a.subscribe('doc:k');
        await behind.setPresence('doc:k', 'u9', { connections: 1 });
        await new Promise((r) => setTimeout(r, 1500));
        expect(h.gone).toEqual([]);
        expect(hb.reconnects).toBe(0);
        expect((await a.presenceOf('doc:k')).has(behind.nodeId)).toBe(true);
      } finally {
        await a.close();
        await behind.close();
      }
    });

    it('keeps a closing node’s presence for the grace it is given (a rolling restart), then reaps it', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 100, nodeTtlMs: 500 };
      const a = new RedisBroker(opts);
      const leaving = new RedisBroker(opts);
      const h = new RecordingHandler();
      a.start(h);
      leaving.start(new RecordingHandler());
      try {
        await a.subscribe('doc:k');
        await leaving.setPresence('doc:k', 'u9', { connections: 1 });
        const closedAt = Date.now();
        await leaving.close({ presenceGraceMs: 1500 });
        // Several reaps pass (a heartbeats every 100 ms) and leave it: its clients have the grace to come back elsewhere.
        await new Promise((r) => setTimeout(r, 900));
        expect(h.gone).toEqual([]);
        expect((await a.presenceOf('doc:k')).has(leaving.nodeId)).toBe(true);
        await until('the closed node reaped after its grace', () => h.gone.length > 0);
        expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1400);
        expect(h.gone).toEqual([{ room: 'doc:k', userId: 'u9' }]);
      } finally {
        await a.close();
        await leaving.close();
      }
    });

    it('publishes a room’s entry again when it was lost with this node’s connection alone', async () => {
      const prefix = freshPrefix();
      // Only the publisher's connections go through the proxy: the receiver never loses its own.
      const proxy = await TcpProxy.start(new URL(REDIS_URL));
      const a = new RedisBroker({ url: proxy.url(REDIS_URL), prefix });
      const b = new RedisBroker({ url: REDIS_URL, prefix });
      const hb = new RecordingHandler();
      a.start(new RecordingHandler());
      b.start(hb);
      try {
        await b.subscribe('doc:lost');
        for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        await proxy.stop();
        const pub = (a as unknown as { pub: Redis }).pub;
        for (let i = 0; pub.status === 'ready' && i < 250; i++) await new Promise((r) => setTimeout(r, 20));
        a.publishEntry({ room: 'doc:lost', seq: 1, type: 'chat_message', data: { n: 1 }, ts: 1 });
        // Wait until ioredis gives the queued publish up (maxRetriesPerRequest), as in an outage of a few seconds.
        const queued = () => (pub as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
        for (let i = 0; queued() === 0 && i < 50; i++) await new Promise((r) => setTimeout(r, 5));
        for (let i = 0; queued() > 0 && i < 250; i++) await new Promise((r) => setTimeout(r, 20));
        expect(queued()).toBe(0);
        await proxy.resume();
        for (let i = 0; hb.entries.length === 0 && i < 250; i++) await new Promise((r) => setTimeout(r, 20));
        expect(hb.entries.map((e) => [e.seq, e.data])).toEqual([[1, { n: 1 }]]);
      } finally {
        await a.close();
        await b.close();
        await proxy.close();
      }
    });

    it('writes a user’s leave again when it was lost with this node’s connection (two hubs)', async () => {
      const prefix = freshPrefix();
      const proxy = await TcpProxy.start(new URL(REDIS_URL));
      const store = new MemoryLogStore();
      const a = new RedisBroker({ url: proxy.url(REDIS_URL), prefix });
      const b = new RedisBroker({ url: REDIS_URL, prefix });
      const authenticate = async (token: string) => ({ userId: token, roles: [], claims: {} });
      const hubs = [a, b].map(
        (broker) => new Hub({ store, broker, authenticate, clock: systemClock, logger: silentLogger }),
      );
      const room = 'doc:lost-leave';
      try {
        for (const x of [a, b]) await until('redis', () => x.ready());
        const watcher = await connect(hubs[1], 'watcher');
        watcher.write({ type: 'join_room', id: 'j', room });
        const ann = await connect(hubs[0], 'ann');
        ann.write({ type: 'join_room', id: 'j', room });
        const userEvents = () =>
          (watcher.messages() as (ServerMessage & { data?: { userId: string } })[])
            .filter((m) => m.type === 'user_join' || m.type === 'user_leave')
            .map((m) => `${m.type} ${m.data?.userId}`);
        await until('ann’s join', () => userEvents().includes('user_join ann'));
        await proxy.stop();
        const pub = (a as unknown as { pub: Redis }).pub;
        await until('the lost connection', () => pub.status !== 'ready');
        ann.write({ type: 'leave_room', id: 'l', room });
        // ioredis gives the queued write up (maxRetriesPerRequest), as in an outage of a few seconds.
        const queued = () => (pub as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
        await until('the write queued', () => queued() > 0);
        await until('the write given up', () => queued() === 0);
        await proxy.resume();
        await until('ann’s leave', () => userEvents().includes('user_leave ann'));
        expect(userEvents()).toEqual(['user_join watcher', 'user_join ann', 'user_leave ann']);
        expect(hubs[1].members(room).map((m) => m.userId)).toEqual(['watcher']);
        expect([...(await b.presenceOf(room)).keys()]).toEqual([]);
      } finally {
        for (const hub of hubs) await hub.shutdown({ timeoutMs: 100 });
        await a.close();
        await b.close();
        await proxy.close();
        await store.close();
      }
    });

    describe('a presence write that ran but whose reply was lost', () => {
      const room = 'doc:lost-reply';
      const setup = async () => {
        const prefix = freshPrefix();
        const proxy = await TcpProxy.start(new URL(REDIS_URL));
        // No heartbeat meanwhile: a command sent while replies are dropped would hold the ones after it.
        const a = new RedisBroker({
          url: proxy.url(REDIS_URL),
          prefix,
          heartbeatMs: 60_000,
          nodeTtlMs: 120_000,
        });
        a.start(new RecordingHandler());
        const redis = new Redis(REDIS_URL);
        const ready = async () => {
          for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
          return a.ready();
        };
        await ready();
        const field = `${a.nodeId}|u1`;
        /** Makes a write whose command runs in Redis while its reply is lost on the way back. */
        const lostReply = async (presence: NodePresence | null) => {
          // Every earlier command answered (auto-pipelining sends nothing more while a pipeline awaits its replies),
          // and both connections back after a cut (the subscriber's may come back after the write was answered).
          expect(await ready()).toBe(true);
          proxy.dropReplies(true);
          const write = a.setPresence(room, 'u1', presence);
          write.catch(() => {}); // looked at by the caller
          const ran = async () => (await redis.hexists(`${prefix}p:${room}`, field)) === (presence ? 1 : 0);
          for (let i = 0; !(await ran()) && i < 250; i++) await new Promise((r) => setTimeout(r, 10));
          expect(await ran()).toBe(true);
          return { write }; // not the promise itself: an async function's result would wait for it
        };
        const close = async () => {
          await proxy.close(); // first: a reply it dropped would hold every later command of `a`
          proxy.dropReplies(false);
          await a.close();
          redis.disconnect();
        };
        return { a, proxy, lostReply, close };
      };
      const ann: NodePresence = { connections: 1, name: 'Ann' };

      it('reports its change when ioredis sends it again on the next connection', async () => {
        const { proxy, lostReply, close } = await setup();
        try {
          for (const [presence, change] of [
            [ann, 'join'],
            [null, 'leave'],
          ] as const) {
            const { write } = await lostReply(presence);
            proxy.cut(); // the connection drops after the command ran; ioredis resends what it had not heard of
            proxy.dropReplies(false);
            expect(await write).toBe(change);
          }
        } finally {
          await close();
        }
      });

      it('reports its change when written again after ioredis gave the write up', async () => {
        const { a, proxy, lostReply, close } = await setup();
        try {
          for (const [presence, change] of [
            [ann, 'join'],
            [null, 'leave'],
          ] as const) {
            const { write } = await lostReply(presence);
            await proxy.stop(); // down for a while: ioredis fails its queue (maxRetriesPerRequest)
            proxy.dropReplies(false);
            await expect(write).rejects.toThrow();
            await proxy.resume();
            for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
            expect(await a.setPresence(room, 'u1', presence)).toBe(change); // what the hub does (`commandsReady`)
            expect(await a.setPresence(room, 'u1', presence)).toBe(null); // and once only
          }
        } finally {
          await close();
        }
      });

      it('is settled by the next write: answered whatever that write does, or cancelled when it undoes it', async () => {
        const { a, proxy, lostReply, close } = await setup();
        const b = new RedisBroker({ url: REDIS_URL, prefix: (a as unknown as { prefix: string }).prefix });
        b.start(new RecordingHandler());
        const loseForGood = async (presence: NodePresence | null) => {
          const { write } = await lostReply(presence);
          await proxy.stop();
          proxy.dropReplies(false);
          await expect(write).rejects.toThrow();
          await proxy.resume();
          for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        };
        try {
          // A lost join, undone by a's leave before anyone heard of it: nothing to announce, then or later.
          await loseForGood(ann);
          expect(await a.setPresence(room, 'u1', null)).toBe(null);
          expect(await b.setPresence(room, 'u1', ann)).toBe('join');
          expect(await b.setPresence(room, 'u1', null)).toBe('leave');
          // A lost join, then b has the user too (not a change), then a leaves: the join is what is still owed.
          await loseForGood(ann);
          expect(await b.setPresence(room, 'u1', ann)).toBe(null);
          expect(await a.setPresence(room, 'u1', null)).toBe('join');
          expect(await b.setPresence(room, 'u1', null)).toBe('leave');
        } finally {
          await close();
          await b.close();
        }
      });

      it('is announced once, with the user’s name, by two hubs', async () => {
        const prefix = freshPrefix();
        const proxy = await TcpProxy.start(new URL(REDIS_URL));
        const store = new MemoryLogStore();
        // No heartbeat meanwhile: a command sent while replies are dropped would hold the ones after it.
        const quiet = { heartbeatMs: 60_000, nodeTtlMs: 120_000 };
        const a = new RedisBroker({ url: proxy.url(REDIS_URL), prefix, ...quiet });
        const b = new RedisBroker({ url: REDIS_URL, prefix, ...quiet });
        const authenticate = async (token: string) => ({
          userId: token,
          name: `User ${token}`,
          roles: [],
          claims: {},
        });
        const hubs = [a, b].map(
          (broker) => new Hub({ store, broker, authenticate, clock: systemClock, logger: silentLogger }),
        );
        const redis = new Redis(REDIS_URL);
        const room = 'doc:lost-reply-hubs';
        try {
          for (const x of [a, b]) await until('redis', () => x.ready());
          const watcher = await connect(hubs[1], 'watcher');
          watcher.write({ type: 'join_room', id: 'j', room });
          const userEvents = () =>
            (watcher.messages() as (ServerMessage & { data?: { userId: string; userName?: string } })[])
              .filter((m) => m.type === 'user_join' || m.type === 'user_leave')
              .map((m) => `${m.type} ${m.data?.userId}${m.data?.userName ? ` (${m.data.userName})` : ''}`);
          // Someone on node a in the room first: the room's SUBSCRIBE there is done before replies are dropped.
          const keeper = await connect(hubs[0], 'keeper');
          keeper.write({ type: 'join_room', id: 'j', room });
          await until('the first joins', () => userEvents().length === 2);
          const ann = await connect(hubs[0], 'ann');
          const written = async (present: boolean) =>
            (await redis.hexists(`${prefix}p:${room}`, `${a.nodeId}|ann`)) === (present ? 1 : 0);
          // Every earlier command of node a answered (auto-pipelining sends nothing more while a pipeline awaits).
          expect(await a.ready()).toBe(true);
          proxy.dropReplies(true);
          ann.write({ type: 'join_room', id: 'j', room });
          await until('ann’s presence written', () => written(true));
          proxy.cut();
          proxy.dropReplies(false);
          await until('ann’s join', () => userEvents().length === 3);
          expect(await a.ready()).toBe(true);
          proxy.dropReplies(true);
          ann.write({ type: 'leave_room', id: 'l', room });
          await until('ann’s leave written', () => written(false));
          await proxy.stop();
          proxy.dropReplies(false);
          // ioredis fails the write (maxRetriesPerRequest): the hub keeps it to write again (`Presence.unsent`).
          await until(
            'the write given up',
            () => (hubs[0].presence as unknown as { unsent: unknown }).unsent !== null,
          );
          await proxy.resume();
          await until('ann’s leave', () => userEvents().length === 4);
          // A barrier: a user joining on node a after all that is announced after anything it still had to say.
          const bob = await connect(hubs[0], 'bob');
          bob.write({ type: 'join_room', id: 'j', room });
          await until('bob’s join', () => userEvents().length >= 5);
          expect(userEvents()).toEqual([
            'user_join watcher (User watcher)',
            'user_join keeper (User keeper)',
            'user_join ann (User ann)',
            'user_leave ann',
            'user_join bob (User bob)',
          ]);
        } finally {
          await proxy.close(); // first: a reply it dropped would hold every later command of node a
          proxy.dropReplies(false);
          for (const hub of hubs) await hub.shutdown({ timeoutMs: 100 });
          await a.close();
          await b.close();
          redis.disconnect();
          await store.close();
        }
      });
    });

    it('restores a node’s presence when it was reaped while alive (its heartbeats stalled)', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 200, nodeTtlMs: 1000 };
      const a = new RedisBroker(opts);
      const b = new RedisBroker(opts);
      const ha = new RecordingHandler();
      // What the hub does on reconnected(): write this node's presence again.
      const hb = new (class extends RecordingHandler {
        override reconnected(): void {
          super.reconnected();
          void b.setPresence('doc:s', 'u1', { connections: 1 });
        }
      })();
      a.start(ha);
      b.start(hb);
      const timerOf = (x: RedisBroker) => x as unknown as { timer: NodeJS.Timeout | null };
      try {
        await a.subscribe('doc:s');
        for (let i = 0; !(await b.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        await b.setPresence('doc:s', 'u1', { connections: 1 });
        await new Promise((r) => setTimeout(r, 300)); // b's heartbeat written at least once more
        // b stalls (a blocked event loop): no heartbeat for longer than nodeTtlMs, so a reaps it.
        clearInterval(timerOf(b).timer as NodeJS.Timeout);
        timerOf(b).timer = null;
        for (let i = 0; ha.gone.length === 0 && i < 300; i++) await new Promise((r) => setTimeout(r, 20));
        expect(ha.gone).toEqual([{ room: 'doc:s', userId: 'u1' }]);
        expect((await a.presenceOf('doc:s')).has(b.nodeId)).toBe(false);
        // b wakes up and heartbeats again: it must find out that it was reaped.
        b.start(hb);
        for (let i = 0; hb.reconnects === 0 && i < 150; i++) await new Promise((r) => setTimeout(r, 20));
        expect(hb.reconnects).toBe(1);
        for (let i = 0; !(await a.presenceOf('doc:s')).has(b.nodeId) && i < 100; i++)
          await new Promise((r) => setTimeout(r, 20));
        expect((await a.presenceOf('doc:s')).get(b.nodeId)?.get('u1')).toEqual({ connections: 1 });
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('lets in the backlog a reaped node wakes to before the hub reads presence again', async () => {
      // The hub resets its copy of the other nodes' presence on reconnected() and reads it again; an update that
      // arrives after that wins over the read, so a stale one from the backlog must not arrive after it.
      const prefix = freshPrefix();
      const b = new RedisBroker({ url: REDIS_URL, prefix, heartbeatMs: 50, nodeTtlMs: 60_000 });
      const internals = b as unknown as { timer: NodeJS.Timeout | null; heartbeat(): void };
      const BACKLOG = 9000;
      let heardAtReconnect = -1;
      const hb = new (class extends RecordingHandler {
        override presence(...args: Parameters<RecordingHandler['presence']>): void {
          super.presence(...args);
          // b wakes and heartbeats while it reads the backlog (a few MB: several turns of its event loop).
          if (this.presences.length === 100) internals.heartbeat();
        }
        override reconnected(): void {
          super.reconnected();
          heardAtReconnect = this.presences.length;
        }
      })();
      b.start(hb);
      const redis = new Redis(REDIS_URL);
      try {
        await b.subscribe('doc:w');
        for (let i = 0; !(await b.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 150)); // b's heartbeat written
        // b stalls: no heartbeat, and meanwhile it is reaped (what the reaper does to the nodes set; b has no
        // presence) and 6 MB of presence updates reach its room's channel.
        clearInterval(internals.timer as NodeJS.Timeout);
        internals.timer = null;
        // A heartbeat still on its way would land after the reaping and wake b before the backlog is sent: a PING
        // on b's command connection answers after it.
        expect(await b.ready()).toBe(true);
        await redis.zrem(`${prefix}nodes`, b.nodeId);
        const update = JSON.stringify(['p', 'other', 'u1', { c: 1, n: 'x'.repeat(700) }]);
        const sent = Array.from({ length: BACKLOG }, () => redis.publish(`${prefix}r:doc:w`, update));
        for (const stop = Date.now() + 400; Date.now() < stop; ) {
          // a blocked event loop: the publishes went out, Redis fills b's socket meanwhile
        }
        await Promise.all(sent);
        await until('reconnected', () => hb.reconnects === 1, 10_000);
        expect(heardAtReconnect).toBe(BACKLOG);
      } finally {
        redis.disconnect();
        await b.close();
      }
    });

    it('tells the hub after a lost connection comes back, subscribed again', async () => {
      const prefix = freshPrefix();
      const a = new RedisBroker({ url: REDIS_URL, prefix });
      const b = new RedisBroker({ url: REDIS_URL, prefix });
      const h = new RecordingHandler();
      a.start(h);
      b.start(new RecordingHandler());
      try {
        await a.subscribe('doc:r');
        for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        a.simulateDisconnect();
        for (let i = 0; h.reconnects === 0 && i < 250; i++) await new Promise((r) => setTimeout(r, 20));
        expect(h.reconnects).toBe(1);
        b.publishEntry({ room: 'doc:r', seq: 1, type: 'chat_message', data: {}, ts: 1 });
        for (let i = 0; h.entries.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        expect(h.entries.map((e) => e.seq)).toEqual([1]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
