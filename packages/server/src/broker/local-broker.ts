import { randomBytes } from 'node:crypto';
import { ZoneLocks } from '../docs/zone-locks.js';
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

/**
 * What the `LocalBroker`s of one process share: which node is interested in which room, presence per node,
 * sessions, zone locks. A broker made without a bus has one of its own (a single node).
 */
export class LocalBus {
  readonly nodes = new Set<LocalBroker>();
  readonly rooms = new Map<string, Set<LocalBroker>>();
  /** room -> node id -> user id -> presence. */
  readonly presence = new Map<string, Map<string, Map<string, NodePresence>>>();
  readonly sessions = new Map<string, { record: SessionRecord; expiresAt: number }>();
  readonly locks = new Map<string, ZoneLocks>();

  constructor(readonly now: () => number = Date.now) {}
}

/**
 * The in-process broker: the default for a single node, where it costs nothing (`distributed` is false and
 * the hub skips it), and a way to run several hubs in one process on one `LocalBus` (tests of the cross-node
 * logic without Redis). Deliveries to other nodes are queued as microtasks, in publish order, like messages
 * arriving from a network.
 */
export class LocalBroker implements Broker {
  readonly nodeId: string;
  private handler: BrokerHandler | null = null;
  private readonly listeners = new Set<BroadcastListener>();
  private closed = false;

  constructor(readonly bus: LocalBus = new LocalBus()) {
    this.nodeId = randomBytes(6).toString('base64url');
    bus.nodes.add(this);
  }

  get distributed(): boolean {
    return this.bus.nodes.size > 1;
  }

  start(handler: BrokerHandler): void {
    this.handler = handler;
  }

  subscribe(room: string): Promise<void> {
    let set = this.bus.rooms.get(room);
    if (!set) this.bus.rooms.set(room, (set = new Set()));
    set.add(this);
    return Promise.resolve();
  }

  unsubscribe(room: string): void {
    const set = this.bus.rooms.get(room);
    set?.delete(this);
    if (set?.size === 0) this.bus.rooms.delete(room);
  }

  publishEntry(entry: LogEntry): void {
    this.toOthers(entry.room, (h) => h.entry(entry));
  }

  publishEphemeral(event: EphemeralEvent): void {
    this.toOthers(event.room, (h) => h.ephemeral(event));
  }

  broadcast(topic: string, data: unknown): void {
    if (this.closed) return;
    const json = JSON.stringify(data);
    for (const b of this.bus.nodes) {
      if (b === this) continue;
      for (const l of b.listeners) {
        queueMicrotask(() => {
          if (!b.listeners.has(l)) return;
          try {
            l(topic, JSON.parse(json) as unknown, this.nodeId);
          } catch {
            // a listener's failure is its node's business, not the sender's
          }
        });
      }
    }
  }

  onBroadcast(listener: BroadcastListener): Promise<() => void> {
    this.listeners.add(listener);
    return Promise.resolve(() => {
      this.listeners.delete(listener);
    });
  }

  setPresence(room: string, userId: string, presence: NodePresence | null): PresenceChange {
    const bus = this.bus;
    let byNode = bus.presence.get(room);
    if (!byNode) bus.presence.set(room, (byNode = new Map()));
    let mine = byNode.get(this.nodeId);
    const had = mine?.has(userId) ?? false;
    if (presence) {
      if (!mine) byNode.set(this.nodeId, (mine = new Map()));
      mine.set(userId, { ...presence });
    } else {
      mine?.delete(userId);
      if (mine?.size === 0) byNode.delete(this.nodeId);
      if (byNode.size === 0) bus.presence.delete(room);
    }
    this.toOthers(room, (h) => h.presence(room, this.nodeId, userId, presence && { ...presence }));
    if (had === (presence !== null)) return null;
    for (const [node, users] of byNode) if (node !== this.nodeId && users.has(userId)) return null;
    return presence ? 'join' : 'leave';
  }

  presenceOf(room: string): Promise<Map<string, Map<string, NodePresence>>> {
    const out = new Map<string, Map<string, NodePresence>>();
    for (const [node, users] of this.bus.presence.get(room) ?? []) {
      if (node === this.nodeId) continue;
      out.set(node, new Map([...users].map(([u, p]) => [u, { ...p }])));
    }
    return Promise.resolve(out);
  }

  saveSession(record: SessionRecord, ttlMs: number, claim = false): Promise<boolean> {
    const now = this.bus.now();
    const cur = this.bus.sessions.get(record.id);
    if (
      !claim &&
      cur &&
      cur.expiresAt > now &&
      cur.record.node !== undefined &&
      cur.record.node !== this.nodeId
    ) {
      return Promise.resolve(false);
    }
    const saved = structuredClone(record);
    saved.node = this.nodeId;
    this.bus.sessions.set(record.id, { record: saved, expiresAt: now + ttlMs });
    return Promise.resolve(true);
  }

  touchSessions(ids: readonly string[], ttlMs: number): void {
    const until = this.bus.now() + ttlMs;
    for (const id of ids) {
      const s = this.bus.sessions.get(id);
      if (s) s.expiresAt = until;
    }
  }

  loadSession(id: string): Promise<SessionRecord | null> {
    const s = this.bus.sessions.get(id);
    if (!s) return Promise.resolve(null);
    if (s.expiresAt <= this.bus.now()) {
      this.bus.sessions.delete(id);
      return Promise.resolve(null);
    }
    return Promise.resolve(structuredClone(s.record));
  }

  zoneLocks(documentId: string): ZoneLocks {
    // Alone, the sequencer's own table (nothing to share, nothing kept here after the document unloads).
    if (!this.distributed) return new ZoneLocks();
    let locks = this.bus.locks.get(documentId);
    if (!locks) this.bus.locks.set(documentId, (locks = new ZoneLocks()));
    return locks;
  }

  ready(): Promise<boolean> {
    return Promise.resolve(!this.closed);
  }

  /**
   * Leaves the bus as a dead node would be reaped: its presence is removed, and for each user it was the last
   * node to have, another node interested in the room is told to announce `user_leave`.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const bus = this.bus;
    bus.nodes.delete(this);
    for (const set of bus.rooms.values()) set.delete(this);
    for (const [room, byNode] of [...bus.presence]) {
      const mine = byNode.get(this.nodeId);
      if (!mine) continue;
      byNode.delete(this.nodeId);
      if (byNode.size === 0) bus.presence.delete(room);
      const others = [...(bus.rooms.get(room) ?? [])];
      for (const b of others) queueMicrotask(() => b.handler?.presence(room, this.nodeId, null, null));
      const heir = others[0] ?? [...bus.nodes][0];
      for (const userId of mine.keys()) {
        if ([...byNode.values()].some((users) => users.has(userId))) continue;
        if (heir) queueMicrotask(() => heir.handler?.userGone(room, userId));
      }
    }
    this.handler = null;
    this.listeners.clear();
    return Promise.resolve();
  }

  private toOthers(room: string, fn: (h: BrokerHandler) => void): void {
    const set = this.bus.rooms.get(room);
    if (!set) return;
    for (const b of set) {
      if (b === this) continue;
      queueMicrotask(() => {
        if (b.handler) fn(b.handler);
      });
    }
  }
}
