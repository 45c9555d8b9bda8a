/**
 * The behaviour every `Broker` must have, as a vitest suite run against each implementation with a factory of
 * "clusters": brokers that see each other (a shared `LocalBus`, or one Redis with a fresh key prefix). Nothing here
 * may depend on one implementation.
 *
 * @example
 * describeBrokerContract('LocalBroker', () => { const bus = new LocalBus(); return { node: () => new LocalBroker(bus) }; });
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../storage/log-store.js';
import type { Broker, BrokerHandler, EphemeralEvent, NodePresence } from './broker.js';

export interface BrokerCluster {
  /** A new node of this cluster. */
  node(): Broker;
  /** Runs after each test, once every node is closed. */
  cleanup?(): Promise<void> | void;
}

/** Everything a broker told one node. */
export class RecordingHandler implements BrokerHandler {
  readonly entries: LogEntry[] = [];
  readonly ephemerals: EphemeralEvent[] = [];
  readonly presences: { room: string; node: string; userId: string | null; presence: NodePresence | null }[] =
    [];
  readonly gone: { room: string; userId: string }[] = [];
  reconnects = 0;
  commandsReadies = 0;

  entry(entry: LogEntry): void {
    this.entries.push(entry);
  }
  ephemeral(event: EphemeralEvent): void {
    this.ephemerals.push(event);
  }
  presence(room: string, node: string, userId: string | null, presence: NodePresence | null): void {
    this.presences.push({ room, node, userId, presence });
  }
  userGone(room: string, userId: string): void {
    this.gone.push({ room, userId });
  }
  reconnected(): void {
    this.reconnects++;
  }
  commandsReady(): void {
    this.commandsReadies++;
  }
}

async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const settle = () => new Promise((r) => setTimeout(r, 100));

export function describeBrokerContract(name: string, makeCluster: () => BrokerCluster): void {
  describe(`${name} (Broker contract)`, () => {
    let cluster: BrokerCluster;
    let nodes: Broker[];
    let handlers: Map<Broker, RecordingHandler>;

    const node = (): [Broker, RecordingHandler] => {
      const b = cluster.node();
      const h = new RecordingHandler();
      b.start(h);
      nodes.push(b);
      handlers.set(b, h);
      return [b, h];
    };

    beforeEach(() => {
      cluster = makeCluster();
      nodes = [];
      handlers = new Map();
    });

    afterEach(async () => {
      for (const b of nodes) await b.close();
      await cluster.cleanup?.();
    });

    const entry = (room: string, seq: number, extra: Partial<LogEntry> = {}): LogEntry => ({
      room,
      seq,
      type: 'chat_message',
      data: { text: `m${seq}`, nested: { list: [1, 2, 3] } },
      ts: 1_700_000_000_000 + seq,
      ...extra,
    });

    it('gives each node its own id and counts as distributed with two nodes', () => {
      const [a] = node();
      const [b] = node();
      expect(a.nodeId).not.toBe(b.nodeId);
      expect(a.distributed).toBe(true);
      expect(b.distributed).toBe(true);
    });

    it('delivers stored entries to the other nodes subscribed to the room, in order, with every field', async () => {
      const [a, ha] = node();
      const [b, hb] = node();
      const [, hc] = node();
      await b.subscribe('doc:1');
      await a.subscribe('doc:1');
      const sent = Array.from({ length: 50 }, (_, i) =>
        entry('doc:1', i + 1, i % 2 ? { from: `u${i}` } : {}),
      );
      for (const e of sent) a.publishEntry(e);
      await eventually(() => expect(hb.entries).toHaveLength(50));
      expect(hb.entries).toEqual(sent);
      await settle();
      expect(ha.entries).toEqual([]); // not back to the publisher
      expect(hc.entries).toEqual([]); // not to a node without interest
    });

    it('stops delivering a room after unsubscribe, and only that room', async () => {
      const [a] = node();
      const [b, hb] = node();
      await b.subscribe('doc:1');
      await b.subscribe('doc:2');
      b.unsubscribe('doc:1');
      await settle();
      a.publishEntry(entry('doc:1', 1));
      a.publishEntry(entry('doc:2', 1));
      await eventually(() => expect(hb.entries.map((e) => e.room)).toEqual(['doc:2']));
      await settle();
      expect(hb.entries.map((e) => e.room)).toEqual(['doc:2']);
    });

    it('carries ephemeral events with their coalescing key', async () => {
      const [a] = node();
      const [b, hb] = node();
      await b.subscribe('doc:1');
      const ev: EphemeralEvent = {
        room: 'doc:1',
        type: 'cursor_update',
        data: { x: 1, y: 2 },
        key: 'cursor_update|u1',
        ts: 5,
        from: 'u1',
      };
      a.publishEphemeral(ev);
      a.publishEphemeral({ ...ev, from: undefined, key: 'k2' });
      await eventually(() => expect(hb.ephemerals).toHaveLength(2));
      expect(hb.ephemerals[0]).toEqual(ev);
      expect(hb.ephemerals[1].from).toBeUndefined();
    });

    it('broadcasts to every other node, whatever rooms it serves, until the listener is disposed', async () => {
      const [a] = node();
      const [b] = node();
      const [c] = node();
      const heard = new Map<Broker, [string, unknown, string][]>([
        [a, []],
        [b, []],
        [c, []],
      ]);
      const stop = new Map<Broker, () => void>();
      for (const [n, got] of heard) stop.set(n, await n.onBroadcast((t, d, from) => got.push([t, d, from])));
      a.broadcast('job.cancel', { jobId: 'j1', nested: [1, { x: null }] });
      await eventually(() => {
        for (const n of [b, c]) {
          expect(heard.get(n)).toEqual([['job.cancel', { jobId: 'j1', nested: [1, { x: null }] }, a.nodeId]]);
        }
      });
      await settle();
      expect(heard.get(a)).toEqual([]); // not back to the sender
      stop.get(c)?.();
      b.broadcast('job.cancel', { jobId: 'j2' });
      await eventually(() => expect(heard.get(a)).toEqual([['job.cancel', { jobId: 'j2' }, b.nodeId]]));
      await settle();
      expect(heard.get(c)).toHaveLength(1);
    });

    it('says when a user’s presence changes cluster-wide: first node in, last node out', async () => {
      const [a] = node();
      const [b] = node();
      const p = (connections: number): NodePresence => ({ connections, name: 'Ann' });
      expect(await a.setPresence('doc:1', 'u1', p(1))).toBe('join');
      expect(await b.setPresence('doc:1', 'u1', p(1))).toBe(null);
      expect(await a.setPresence('doc:1', 'u1', p(2))).toBe(null); // a count update
      expect(await a.setPresence('doc:1', 'u1', null)).toBe(null);
      expect(await a.setPresence('doc:1', 'u1', null)).toBe(null); // not there any more: no change
      expect(await b.setPresence('doc:1', 'u1', null)).toBe('leave');
      expect(await b.setPresence('doc:1', 'u2', p(1))).toBe('join');
      expect(await a.setPresence('doc:1', 'u1', p(1))).toBe('join'); // back: a new change
    });

    it('answers the other nodes’ presence and tells subscribed nodes of changes', async () => {
      const [a, ha] = node();
      const [b, hb] = node();
      await a.subscribe('doc:1');
      // Two sessions, one of them without a connection (kept by the presence grace): `live` 1, idle, and which.
      await b.setPresence('doc:1', 'u1', {
        connections: 2,
        live: 1,
        liveIds: ['s1'],
        liveIdle: true,
        name: 'Ann',
        avatar: 'a.png',
      });
      await b.setPresence('doc:1', 'u2', { connections: 1 });
      await a.setPresence('doc:1', 'u3', { connections: 1 });
      const seen = await a.presenceOf('doc:1');
      expect([...seen.keys()]).toEqual([b.nodeId]); // not its own
      expect(seen.get(b.nodeId)).toEqual(
        new Map([
          ['u1', { connections: 2, live: 1, liveIds: ['s1'], liveIdle: true, name: 'Ann', avatar: 'a.png' }],
          ['u2', { connections: 1 }],
        ]),
      );
      await b.setPresence('doc:1', 'u2', null);
      await eventually(() =>
        expect(ha.presences).toContainEqual({ room: 'doc:1', node: b.nodeId, userId: 'u2', presence: null }),
      );
      expect(ha.presences.filter((x) => x.userId === 'u1')).toEqual([
        {
          room: 'doc:1',
          node: b.nodeId,
          userId: 'u1',
          presence: {
            connections: 2,
            live: 1,
            liveIds: ['s1'],
            liveIdle: true,
            name: 'Ann',
            avatar: 'a.png',
          },
        },
      ]);
      expect(hb.presences).toEqual([]); // b is not subscribed to doc:1
      expect(await b.presenceOf('doc:2')).toEqual(new Map());
    });

    it('removes a closed node’s presence and has one remaining node announce its last users', async () => {
      const [a, ha] = node();
      const [b, hb] = node();
      const [c, hc] = node();
      await a.subscribe('doc:1');
      await b.subscribe('doc:1');
      await c.setPresence('doc:1', 'only-c', { connections: 1 });
      await c.setPresence('doc:1', 'shared', { connections: 1 });
      await a.setPresence('doc:1', 'shared', { connections: 1 });
      await c.close();
      await eventually(async () => expect((await a.presenceOf('doc:1')).has(c.nodeId)).toBe(false), 9000);
      await eventually(() => expect([...ha.gone, ...hb.gone]).toEqual([{ room: 'doc:1', userId: 'only-c' }]));
      await eventually(() =>
        expect(ha.presences).toContainEqual({ room: 'doc:1', node: c.nodeId, userId: null, presence: null }),
      );
      await settle();
      expect([...ha.gone, ...hb.gone, ...hc.gone]).toHaveLength(1);
      // The shared user is still present (on a): leaving there is the last leave.
      expect(await a.setPresence('doc:1', 'shared', null)).toBe('leave');
    }, 15_000);

    it('keeps sessions for their TTL, for any node, and extends them when touched', async () => {
      const [a] = node();
      const [b] = node();
      const record = {
        id: 's1',
        key: 'k1',
        userId: 'u1',
        rooms: [{ room: 'doc:1', mode: 'join' as const, types: ['zone_edit'], sentSeq: 7 }],
      };
      expect(await a.saveSession(record, 300)).toBe(true);
      expect(await a.saveSession({ ...record, id: 's2' }, 300)).toBe(true);
      await eventually(async () => expect(await b.loadSession('s1')).toEqual({ ...record, node: a.nodeId }));
      expect(await b.loadSession('nope')).toBeNull();
      a.touchSessions(['s2'], 5000);
      await new Promise((r) => setTimeout(r, 500));
      expect(await b.loadSession('s1')).toBeNull();
      expect((await b.loadSession('s2'))?.id).toBe('s2');
    });

    it('never lets a node a session left write its record over the node that took it', async () => {
      const [a] = node();
      const [b] = node();
      const record = {
        id: 's1',
        key: 'k1',
        userId: 'u1',
        rooms: [{ room: 'doc:1', mode: 'join' as const, sentSeq: 3 }],
      };
      expect(await a.saveSession(record, 5000, true)).toBe(true);
      expect(await a.saveSession({ ...record, rooms: [] }, 5000)).toBe(true); // still a's: a writes as it likes
      // The client resumes on b, which claims the session and saves where it is now.
      const moved = { ...record, rooms: [{ room: 'doc:2', mode: 'join' as const, sentSeq: 9 }] };
      expect(await b.saveSession(moved, 5000, true)).toBe(true);
      // a, unaware (its half-open socket closes later), saves its stale state: refused, and told so.
      expect(await a.saveSession(record, 5000)).toBe(false);
      expect(await a.loadSession('s1')).toEqual({ ...moved, node: b.nodeId });
      // The client comes back to a: a claims it again, and b's later saves are refused in turn.
      expect(await a.saveSession(record, 5000, true)).toBe(true);
      expect(await b.saveSession(moved, 5000)).toBe(false);
      expect(await b.loadSession('s1')).toEqual({ ...record, node: a.nodeId });
    });

    it('shares zone locks: one holder at a time, released by the holder, after the lease, or per user', async () => {
      const [a] = node();
      const [b] = node();
      const la = a.zoneLocks('d1');
      const lb = b.zoneLocks('d1');
      const now = Date.now();
      expect(await la.acquire('z1', 'u1', 'Ann', now, 1000)).toEqual({
        zoneId: 'z1',
        userId: 'u1',
        userName: 'Ann',
        expiresAt: now + 1000,
      });
      expect((await lb.acquire('z1', 'u2', undefined, now, 1000)).userId).toBe('u1');
      expect((await lb.blocking(['z1'], false, 'u2', now))?.userId).toBe('u1');
      expect(await lb.blocking(['z1'], false, 'u1', now)).toBeUndefined();
      expect((await lb.blocking([], true, 'u2', now))?.zoneId).toBe('z1');
      expect((await lb.get('z1', now))?.userId).toBe('u1');
      // Renewal by the holder.
      expect((await lb.acquire('z1', 'u1', 'Ann', now + 500, 1000)).expiresAt).toBe(now + 1500);
      // Past the lease it is anyone's, and expire() removes it once.
      expect(await lb.get('z1', now + 1500)).toBeUndefined();
      expect((await la.expire(now + 1500)).map((l) => l.zoneId)).toEqual(['z1']);
      expect(await lb.expire(now + 1500)).toEqual([]);
      await la.acquire('z1', 'u1', undefined, now, 1000);
      await la.acquire('z2', 'u1', undefined, now, 1000);
      await lb.acquire('z3', 'u2', undefined, now, 1000);
      expect((await lb.list(now)).map((l) => l.zoneId).sort()).toEqual(['z1', 'z2', 'z3']);
      // Released for a holder: only while that user holds it (u1's lease ran out and u2 took the zone since).
      await la.acquire('z4', 'u1', undefined, now, 100);
      await lb.acquire('z4', 'u2', undefined, now + 200, 1000);
      expect(await la.release('z4', 'u1')).toBeUndefined();
      expect((await la.get('z4', now + 200))?.userId).toBe('u2');
      expect((await la.release('z4', 'u2'))?.userId).toBe('u2');
      expect((await lb.release('z3'))?.userId).toBe('u2');
      expect(await lb.release('z3')).toBeUndefined();
      // With a cutoff, only the leases ending before it: a lock taken after the user left and came back stays.
      await la.acquire('z5', 'u1', undefined, now + 5000, 1000);
      expect((await lb.releaseUser('u1', now + 1500)).map((l) => l.zoneId).sort()).toEqual(['z1', 'z2']);
      expect((await la.list(now)).map((l) => l.zoneId)).toEqual(['z5']);
      expect((await lb.releaseUser('u1')).map((l) => l.zoneId)).toEqual(['z5']);
      expect(await la.list(now)).toEqual([]);
      // Another document's locks are separate.
      await la.acquire('z1', 'u1', undefined, now, 1000);
      expect(await b.zoneLocks('d2').list(now)).toEqual([]);
    });

    it('is ready while open, and not once closed', async () => {
      const [a] = node();
      await eventually(async () => expect(await a.ready()).toBe(true));
      await a.close();
      expect(await a.ready()).toBe(false);
    });
  });
}
