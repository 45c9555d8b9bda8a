import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { LogEntry } from '../storage/log-store.js';
import type {
  BroadcastListener,
  Broker,
  BrokerHandler,
  EphemeralEvent,
  NodePresence,
  PresenceChange,
  SessionRecord,
} from './broker.js';
import { FORGET_CHANGE, HEARTBEAT, REAP_NODES, SAVE_SESSION, SET_PRESENCE } from './redis-scripts.js';
import { RedisZoneLocks } from './redis-zone-locks.js';

export interface RedisBrokerOptions {
  /** `redis://host:port/db` (the `REDIS_URL` of the environment). */
  url: string;
  /** Prefix of every key and channel, so several deployments (or tests) can share one Redis. Default `syncline:`. */
  prefix?: string;
  /** How often this node writes its heartbeat and reaps dead nodes. Default 1000 ms. */
  heartbeatMs?: number;
  /** A node whose heartbeat is older than this is dead: its presence is removed. Default 5000 ms. */
  nodeTtlMs?: number;
  logger?: Logger;
}

/** What travels on a room's channel (JSON arrays: small, and no key names to repeat). */
type Wire =
  | ['e', string, number, string, number, string | null, unknown] // entry: node, seq, type, ts, from, data
  | ['x', string, string, string, number, string | null, unknown] // ephemeral: node, type, key, ts, from, data
  | ['p', string, string, NodePresence | null] // presence: node, user, presence
  | ['d', string] // node gone
  | ['b', string, string, unknown]; // broadcast: node, topic, data

const PING_TIMEOUT_MS = 1000;

/**
 * The broker on Redis (ioredis), for several nodes behind any load balancer.
 *
 * **Channels.** One channel per room (`<prefix>r:<room>`), SUBSCRIBEd on one subscriber connection per node while
 * the node has local interest in the room, not one pattern for everything: a node receives only the rooms its
 * clients are in, so adding nodes adds capacity instead of multiplying every node's inbound traffic (Socket.IO's
 * adapter sends every broadcast to every node). Channel names hash to slots, so the same layout moves to Redis
 * Cluster's sharded pub/sub (SSUBSCRIBE) unchanged.
 *
 * **Commands** go on a second connection with auto-pipelining: everything issued in one event-loop turn (a turn's
 * publishes, presence changes, session refreshes) leaves as one write.
 *
 * **Presence** is kept per node and per user with heartbeats: every node writes its heartbeat each `heartbeatMs`
 * and reaps nodes silent for `nodeTtlMs` (an atomic script), so a killed node's presence is gone within
 * `nodeTtlMs + heartbeatMs`.
 *
 * **Broadcasts** (job control) go on one cluster-wide channel (`<prefix>bc`), subscribed once a listener exists.
 *
 * **Loss.** Redis pub/sub is at-most-once; the broker never has to be more: stored entries carry their seq, a
 * receiving node fills gaps from the durable log, and after a lost connection `reconnected()` makes the hub
 * re-read every room it serves and re-assert its presence. Writes lost with the command connection alone are made
 * again when it is back: a room's newest entry (`unsent`), and the presence writes that failed (`commandsReady()`).
 * A presence write that ran but whose reply was lost still has its change announced, once (see `setPresence`).
 */
export class RedisBroker implements Broker {
  readonly nodeId: string;
  readonly distributed = true;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private readonly nodeTtlMs: number;
  /** How many reaps this node has run (each one's id, for the leaves it owes until it has said them). */
  private reaps = 0;
  private readonly log: Logger | undefined;
  private handler: BrokerHandler | null = null;
  private readonly rooms = new Set<string>();
  private readonly listeners = new Set<BroadcastListener>();
  private broadcasting: Promise<void> | null = null;
  /** Users present per room on this node (a room leaves the reaper's index when its last user leaves). */
  private readonly presentRooms = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private wasReady = false;
  private lost = false;
  /** Whether this node's heartbeat has been written once (a later one that adds the node anew: it was reaped). */
  private registered = false;
  /**
   * Per room, the newest stored entry whose publish failed (the command connection was lost and ioredis gave up on
   * its queue): published again once that connection is back. See `publishEntry`.
   */
  private readonly unsent = new Map<string, { seq: number; message: string }>();
  /** Presence writes made by this node (their ids). */
  private writes = 0;
  /** Per room and user, this node's presence writes that failed: they may have run (`setPresence`). */
  private readonly lostWrites = new Map<string, string[]>();
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    if (typeof options?.url !== 'string' || options.url.length === 0) {
      throw new TypeError('RedisBroker: url must be a non-empty string (redis://host:port)');
    }
    this.nodeId = randomBytes(6).toString('base64url');
    this.prefix = options.prefix ?? 'syncline:';
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.nodeTtlMs = options.nodeTtlMs ?? 5000;
    this.log = options.logger;
    const common = {
      // Reconnect forever, backing off to 2 s: the node keeps serving local clients meanwhile.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      maxRetriesPerRequest: 2,
      lazyConnect: false,
    };
    this.pub = new Redis(options.url, { ...common, enableAutoPipelining: true });
    this.sub = new Redis(options.url, { ...common });
    for (const c of [this.pub, this.sub]) {
      c.on('error', (err: Error) => this.log?.warn({ err: err.message }, 'redis broker connection error'));
    }
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
    this.sub.on('close', () => {
      if (this.wasReady) this.lost = true;
    });
    this.sub.on('ready', () => {
      this.wasReady = true;
      if (!this.lost || this.closed) return;
      this.lost = false;
      void this.resubscribe();
    });

    this.pub.on('ready', () => {
      this.republish();
      this.heartbeat();
      // Presence writes lost with this connection: the hub writes them again, as they are now. ioredis emits
      // 'ready' after it has sent its offline queue, so these go after any older write still queued there.
      if (!this.closed) this.handler?.commandsReady();
    });
  }

  start(handler: BrokerHandler): void {
    this.handler = handler;
    this.timer ??= setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref?.();
  }

  async subscribe(room: string): Promise<void> {
    if (this.closed) return;
    this.rooms.add(room);
    try {
      await this.sub.subscribe(this.channel(room));
    } catch (err) {
      this.lost = true; // resubscribed, and the room filled from the log, once Redis answers
      if (this.sub.status === 'ready') {
        this.lost = false;
        void this.resubscribe();
      }
      throw err;
    }
  }

  unsubscribe(room: string): void {
    if (!this.rooms.delete(room) || this.closed) return;
    this.sub.unsubscribe(this.channel(room)).catch(() => {});
  }

  publishEntry(e: LogEntry): void {
    if (this.closed) return;
    const wire: Wire = ['e', this.nodeId, e.seq, e.type, e.ts, e.from ?? null, e.data];
    const message = JSON.stringify(wire);
    // NOTE: a receiver finds a lost entry only from a later one (the gap) or from its own reconnect. When only this
    // node's command connection was lost (its queue given up after `maxRetriesPerRequest`), the receivers' own
    // connections never dropped: the room's last entry would stay unseen on every other node until the room's next
    // event. So the newest failed entry of each room is published again once the connection is back (a receiver
    // drops what it already delivered and fills what it lacks before it from the log).
    this.pub.publish(this.channel(e.room), message).catch(() => {
      if (this.closed) return;
      const held = this.unsent.get(e.room);
      if (!held || held.seq < e.seq) this.unsent.set(e.room, { seq: e.seq, message });
    });
  }

  publishEphemeral(e: EphemeralEvent): void {
    const wire: Wire = ['x', this.nodeId, e.type, e.key, e.ts, e.from ?? null, e.data];
    this.send(e.room, wire);
  }

  broadcast(topic: string, data: unknown): void {
    if (this.closed) return;
    const wire: Wire = ['b', this.nodeId, topic, data];
    this.pub.publish(this.broadcastChannel(), JSON.stringify(wire)).catch(() => {});
  }

  async onBroadcast(listener: BroadcastListener): Promise<() => void> {
    this.listeners.add(listener);
    const dispose = () => {
      this.listeners.delete(listener);
    };
    if (this.closed) return dispose;
    // Never rejects: without Redis, broadcasts are subscribed again with the rooms once it answers.
    this.broadcasting ??= this.sub.subscribe(this.broadcastChannel()).then(
      () => {},
      (err: Error) => {
        this.broadcasting = null;
        this.log?.warn({ err: err.message }, 'subscribing to broadcasts failed; retrying on reconnect');
        this.lost = true;
        if (this.sub.status === 'ready') {
          this.lost = false;
          void this.resubscribe();
        }
      },
    );
    await this.broadcasting;
    return dispose;
  }

  async setPresence(room: string, userId: string, presence: NodePresence | null): Promise<PresenceChange> {
    const P = this.prefix;
    let users = this.presentRooms.get(room);
    if (presence) {
      if (!users) this.presentRooms.set(room, (users = new Set()));
      users.add(userId);
    } else {
      users?.delete(userId);
      if (users?.size === 0) this.presentRooms.delete(room);
    }
    const wire: Wire = ['p', this.nodeId, userId, presence];
    // NOTE: a write can run in Redis and its reply still be lost (the connection dropped in between). ioredis then
    // sends it again on its next connection (`autoResendUnfulfilledCommands`), or fails it after
    // `maxRetriesPerRequest` and the hub writes the user again; either way that second write found nothing left to
    // change, and the user_join / user_leave the first one made was never announced. So each write has an id, the
    // script remembers the write that made the user's last change, and the next write of the user here names the
    // writes whose replies were lost (SET_PRESENCE).
    const key = `${room}\n${userId}`;
    const lost = this.lostWrites.get(key);
    const carried = lost ? [...lost] : [];
    const id = String(++this.writes);
    let said: number;
    try {
      said = (await this.pub.eval(
        SET_PRESENCE,
        4,
        `${P}p:${room}`,
        `${P}pu:${room}`,
        `${P}nr:${this.nodeId}`,
        `${P}pt:${room}`,
        this.nodeId,
        userId,
        room,
        presence ? JSON.stringify(compact(presence)) : '',
        this.channel(room),
        JSON.stringify(wire),
        this.presentRooms.has(room) ? '0' : '1',
        id,
        carried.length > 0 ? `,${carried.join(',')},` : '',
      )) as number;
    } catch (err) {
      // It may have run: the next write of the user here says so.
      if (!this.closed) {
        const ids = this.lostWrites.get(key) ?? [];
        this.lostWrites.set(key, ids.concat(id));
      }
      throw err;
    }
    // What the carried writes made is in this answer (or was undone by this write): they are settled.
    const still = this.lostWrites.get(key)?.filter((x) => !carried.includes(x));
    if (still?.length) this.lostWrites.set(key, still);
    else this.lostWrites.delete(key);
    const change: PresenceChange = said === 1 ? 'join' : said === 2 ? 'leave' : null;
    if (change) {
      // Heard: the record is needed no more (only if no later change replaced it).
      const record = `${this.nodeId}|${id}|${change === 'join' ? 'j' : 'l'}`;
      this.pub.eval(FORGET_CHANGE, 1, `${P}pt:${room}`, userId, record).catch(() => {});
    }
    return change;
  }

  async presenceOf(room: string): Promise<Map<string, Map<string, NodePresence>>> {
    const all = await this.pub.hgetall(`${this.prefix}p:${room}`);
    const out = new Map<string, Map<string, NodePresence>>();
    for (const [field, json] of Object.entries(all)) {
      const bar = field.indexOf('|');
      const node = field.slice(0, bar);
      if (node === this.nodeId) continue;
      let users = out.get(node);
      if (!users) out.set(node, (users = new Map()));
      users.set(field.slice(bar + 1), expand(JSON.parse(json) as Compact));
    }
    return out;
  }

  async saveSession(record: SessionRecord, ttlMs: number, claim = false): Promise<boolean> {
    const json = JSON.stringify({ ...record, node: this.nodeId });
    const ttl = String(Math.max(1, Math.round(ttlMs)));
    try {
      const key = `${this.prefix}s:${record.id}`;
      return (await this.pub.eval(SAVE_SESSION, 1, key, json, ttl, this.nodeId, claim ? '1' : '')) === 1;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'saving a session to redis failed');
      return true;
    }
  }

  touchSessions(ids: readonly string[], ttlMs: number): void {
    if (ids.length === 0) return;
    const p = this.pub.pipeline();
    for (const id of ids) p.pexpire(`${this.prefix}s:${id}`, Math.max(1, Math.round(ttlMs)));
    p.exec().catch(() => {});
  }

  async loadSession(id: string): Promise<SessionRecord | null> {
    const json = await this.pub.get(`${this.prefix}s:${id}`);
    return json ? (JSON.parse(json) as SessionRecord) : null;
  }

  zoneLocks(documentId: string): RedisZoneLocks {
    return new RedisZoneLocks(this.pub, `${this.prefix}lk:${documentId}`);
  }

  async ready(): Promise<boolean> {
    if (this.closed || this.pub.status !== 'ready' || this.sub.status !== 'ready') return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), PING_TIMEOUT_MS);
    });
    const ping = this.pub.ping().then(
      (r) => r === 'PONG',
      () => false,
    );
    return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Stops heartbeats and leaves: this node's presence is removed by a reap of any node, the next one, or with
   * `presenceGraceMs` the first after that long (a rolling restart: the clients resume on other nodes within the
   * presence grace, and nobody sees them leave and come back).
   */
  async close(opts: { presenceGraceMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.handler = null;
    this.listeners.clear();
    try {
      // A reap takes nodes whose score is older than Redis's time minus `nodeTtlMs`.
      const grace = opts.presenceGraceMs ?? 0;
      const nodes = `${this.prefix}nodes`;
      if (this.pub.status === 'ready') {
        if (grace > 0) await this.pub.eval(HEARTBEAT, 1, nodes, this.nodeId, String(grace - this.nodeTtlMs));
        else await this.pub.zadd(nodes, 0, this.nodeId);
      }
    } catch {
      // Redis is away: the heartbeat simply stops, and the node is reaped as a dead one.
    }
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }

  /** For tests: drops both connections abruptly, as a network failure would (they reconnect by themselves). */
  simulateDisconnect(): void {
    this.sub.disconnect(true);
    this.pub.disconnect(true);
  }

  // ---- internals --------------------------------------------------------------------------------

  private channel(room: string): string {
    return `${this.prefix}r:${room}`;
  }

  private broadcastChannel(): string {
    return `${this.prefix}bc`;
  }

  private send(room: string, wire: Wire): void {
    if (this.closed) return;
    // Lost messages are recovered from the log; a failed publish must not fail the publisher.
    this.pub.publish(this.channel(room), JSON.stringify(wire)).catch(() => {});
  }

  private receive(channel: string, message: string): void {
    if (channel === this.broadcastChannel()) {
      this.hear(message);
      return;
    }
    const h = this.handler;
    if (!h) return;
    const room = channel.slice(this.prefix.length + 2);
    let w: Wire;
    try {
      w = JSON.parse(message) as Wire;
    } catch {
      this.log?.warn({ channel }, 'ignoring a malformed broker message');
      return;
    }
    if (w[1] === this.nodeId) return; // our own publish, already delivered here
    switch (w[0]) {
      case 'e': {
        const entry: LogEntry = { room, seq: w[2], type: w[3], ts: w[4], data: w[6] };
        if (w[5] !== null) entry.from = w[5];
        h.entry(entry);
        return;
      }
      case 'x': {
        const e: EphemeralEvent = { room, type: w[2], key: w[3], ts: w[4], data: w[6] };
        if (w[5] !== null) e.from = w[5];
        h.ephemeral(e);
        return;
      }
      case 'p':
        h.presence(room, w[1], w[2], w[3]);
        return;
      case 'd':
        h.presence(room, w[1], null, null);
        return;
    }
  }

  private hear(message: string): void {
    let w: Wire;
    try {
      w = JSON.parse(message) as Wire;
    } catch {
      this.log?.warn({}, 'ignoring a malformed broker broadcast');
      return;
    }
    if (w[0] !== 'b' || w[1] === this.nodeId || typeof w[2] !== 'string') return;
    for (const l of this.listeners) {
      try {
        l(w[2], w[3], w[1]);
      } catch (err) {
        this.log?.error({ err, topic: w[2] }, 'broadcast listener failed');
      }
    }
  }

  /** Publishes again the entries whose publish was lost with the command connection (see `publishEntry`). */
  private republish(): void {
    if (this.closed || this.unsent.size === 0) return;
    const held = [...this.unsent];
    this.unsent.clear();
    for (const [room, { seq, message }] of held) {
      this.pub.publish(this.channel(room), message).catch(() => {
        if (this.closed) return;
        const newer = this.unsent.get(room);
        if (!newer || newer.seq < seq) this.unsent.set(room, { seq, message });
      });
    }
  }

  private heartbeat(): void {
    if (this.closed || this.pub.status !== 'ready') return;
    const P = this.prefix;
    (this.pub.eval(HEARTBEAT, 1, `${P}nodes`, this.nodeId, '0') as Promise<number>).then(
      (added) => {
        // NOTE: the node was not in the set although it has written its heartbeat before: another node reaped it
        // (its heartbeats stopped for longer than `nodeTtlMs`: a stalled event loop, a lost command connection) and
        // removed all its presence, or Redis lost its data. Its clients are still here: the hub writes their
        // presence again and re-reads the rooms, as after a reconnect. Without this the node kept heartbeating with
        // none of its users present anywhere in the cluster.
        const reaped = added === 1 && this.registered;
        this.registered = true;
        if (reaped && !this.closed) {
          this.log?.warn({ node: this.nodeId }, 'this node was reaped as dead; restoring its presence');
          // A node stalled long enough to be reaped (a stopped process, a blocked event loop) wakes with everything
          // published meanwhile waiting on its subscriber connection, and reads that in several turns. The hub now
          // reads the other nodes' presence again, and updates that arrive after its reset win over that read (they
          // are newer, normally): a stale one from the backlog would undo a change the read has. A PING on the
          // subscriber connection answers after every message before it, so the backlog is in first.
          this.sub
            .ping()
            .catch(() => {})
            .then(() => {
              if (!this.closed) this.handler?.reconnected();
            });
        }
      },
      () => {},
    );
    const reap = `${this.nodeId}:${++this.reaps}`;
    (this.pub.eval(REAP_NODES, 1, `${P}nodes`, String(this.nodeTtlMs), P, reap) as Promise<string[]>).then(
      (gone) => {
        if (gone.length === 0) return;
        for (let i = 0; i + 1 < gone.length; i += 2) this.handler?.userGone(gone[i], gone[i + 1]);
        // Said: no other node has to say them (see REAP_NODES).
        this.pub.hdel(`${P}reaped`, reap).catch(() => {});
      },
      (err: Error) => this.log?.warn({ err: err.message }, 'reaping dead nodes failed'),
    );
  }

  /** After a lost connection: subscribe again to every room, then let the hub fill what was missed. */
  private async resubscribe(): Promise<void> {
    try {
      const channels = [...this.rooms].map((r) => this.channel(r));
      if (this.listeners.size > 0) channels.push(this.broadcastChannel());
      if (channels.length > 0) await this.sub.subscribe(...channels);
    } catch (err) {
      this.log?.warn({ err: String(err) }, 'resubscribing after a redis reconnect failed');
      this.lost = true;
      return;
    }
    this.log?.info?.({ rooms: this.rooms.size }, 'redis broker reconnected; filling gaps from the log');
    this.heartbeat();
    this.handler?.reconnected();
  }
}

type Compact = { c: number; l?: number; n?: string; a?: string; i?: 1; li?: 1; s?: string[] };

function compact(p: NodePresence): Compact {
  const c: Compact = { c: p.connections };
  if (p.live !== undefined) c.l = p.live;
  if (p.name !== undefined) c.n = p.name;
  if (p.avatar !== undefined) c.a = p.avatar;
  if (p.idle) c.i = 1;
  if (p.liveIdle) c.li = 1;
  if (p.liveIds !== undefined) c.s = p.liveIds;
  return c;
}

function expand(c: Compact): NodePresence {
  const p: NodePresence = { connections: c.c };
  if (typeof c.l === 'number') p.live = c.l;
  if (c.n !== undefined) p.name = c.n;
  if (c.a !== undefined) p.avatar = c.a;
  if (c.i === 1) p.idle = true;
  if (c.li === 1) p.liveIdle = true;
  if (Array.isArray(c.s) && c.s.every((id) => typeof id === 'string')) p.liveIds = c.s;
  return p;
}
