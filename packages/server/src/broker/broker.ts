import type { ZoneLockTable } from '../docs/zone-locks.js';
import type { LogEntry } from '../storage/log-store.js';

/** An ephemeral event (cursor, typing, progress) crossing nodes: never stored, coalesced by `key`. */
export interface EphemeralEvent {
  room: string;
  type: string;
  data: unknown;
  /** The coalescing key (the latest value per key wins on a slow connection). */
  key: string;
  ts: number;
  from?: string;
}

/** One node's presence of one user in one room. */
export interface NodePresence {
  /** Sessions of the user joined to the room on that node (those kept by the presence grace included). */
  connections: number;
  /** How many of those sessions have a connection (tabs, devices); absent: all of them (an older node). */
  live?: number;
  name?: string;
  avatar?: string;
  /** Every one of those sessions is idle (`presence.status`); absent: at least one is active. */
  idle?: true;
  /**
   * Every one of the sessions with a connection is idle (there is one at least): a session kept only by the grace
   * may still say active. Absent: one of them is active, or none has a connection (an older node: see `idle`).
   */
  liveIdle?: true;
  /**
   * The ids of the sessions with a connection (`live` of them). A session resumed on another node is the same
   * session: counted once, not once per node, while the node it left (dead, or not yet aware that its socket
   * closed) still lists it. Absent: an older node (its `live` is counted as it is).
   */
  liveIds?: string[];
}

/** What a presence write makes its node announce: `user_join`, `user_leave`, or nothing. */
export type PresenceChange = 'join' | 'leave' | null;

/** What a reconnect on another node needs of a session (kept in the broker for the session grace). */
export interface SessionRecord {
  id: string;
  key: string;
  userId: string;
  rooms: { room: string; mode: 'join' | 'subscribe'; types?: string[]; sentSeq: number }[];
  /** The node that has the session (set by the broker that saved it). */
  node?: string;
}

/** The broadcast topic a node sends when it takes a session over from another (data: `{ id }`). */
export const SESSION_TAKEN = 'session.taken';

/**
 * A cluster-wide message from another node (not tied to a room): `topic` names what it is about (`job.cancel`),
 * `data` is JSON, `node` the sender's id.
 */
export type BroadcastListener = (topic: string, data: unknown, node: string) => void;

/** What a broker tells its node (the `Hub`). */
export interface BrokerHandler {
  /** A room's stored entry, published by another node. */
  entry(entry: LogEntry): void;
  /** An ephemeral event published by another node. */
  ephemeral(event: EphemeralEvent): void;
  /**
   * Another node's presence of a user in a room changed (`presence` null: the user left that node).
   * `userId` null: the whole node is gone from the room (it died).
   */
  presence(room: string, node: string, userId: string | null, presence: NodePresence | null): void;
  /** This node removed a dead node's last entry of a user in a room: it must announce `user_leave`. */
  userGone(room: string, userId: string): void;
  /** The broker's connection came back after a loss: deliveries may have been missed meanwhile. */
  reconnected(): void;
  /**
   * The broker can take writes (again): its connection for commands is ready, after a loss or the first time.
   * Presence writes that failed meanwhile (their `setPresence` rejected) are made again from here.
   */
  commandsReady(): void;
}

/**
 * Cross-node traffic for a `Hub`: fan-out of rooms' stored entries and ephemeral events, cluster-wide presence
 * with per-node heartbeats, the session state a reconnect on another node needs, and zone locks.
 *
 * The broker never decides an order: stored entries carry the seq the durable log gave them, and a node that
 * receives seq N+k after delivering N reads the gap from the log. So a broker may lose or delay messages (a Redis
 * restart) without a client missing an event; it only makes delivery prompt.
 *
 * Implementations: `LocalBroker` (in-process; the default) and `RedisBroker`. Both pass `broker.contract.ts`.
 */
export interface Broker {
  /** This node's id (unique per process start). */
  readonly nodeId: string;
  /**
   * Whether other nodes may exist. False for a single node: the hub then skips every broker call on its hot
   * paths, so one node costs what it cost without a broker.
   */
  readonly distributed: boolean;
  /** Starts delivering to `handler` (called once, by the hub). */
  start(handler: BrokerHandler): void;
  /** This node has local interest in `room`: resolves once other nodes' publishes to it will arrive. */
  subscribe(room: string): Promise<void>;
  /** This node lost interest in `room`. */
  unsubscribe(room: string): void;
  /** Publishes a stored entry (after its append committed) to the other nodes interested in its room. */
  publishEntry(entry: LogEntry): void;
  /** Publishes an ephemeral event to the other nodes interested in its room. */
  publishEphemeral(event: EphemeralEvent): void;
  /**
   * Sends a message to every other node, whatever rooms they serve (at most once, like room traffic: for
   * prompt signals that have a slower fallback, such as a job cancel that a heartbeat also finds).
   */
  broadcast(topic: string, data: unknown): void;
  /**
   * Hears other nodes' broadcasts (never this node's own). Resolves, once they will arrive (or once the
   * broker has given up for now and will retry by itself: it never rejects), the disposer that stops
   * listening.
   */
  onBroadcast(listener: BroadcastListener): Promise<() => void>;
  /**
   * Sets this node's presence of a user in a room (`null`: none left here). Resolves to what the caller announces,
   * once for the whole cluster: `'join'` when this write made the first node to have the user, `'leave'` when it
   * made the last to lose them, otherwise null. A change made by an earlier write of this node whose answer was
   * lost (it rejected, or its connection dropped before the reply) is answered by the next write of the user
   * instead, and can then differ from what this write does (a lost join, answered by a leave while another node
   * still has the user).
   */
  setPresence(
    room: string,
    userId: string,
    presence: NodePresence | null,
  ): PresenceChange | Promise<PresenceChange>;
  /** Every other node's presence in a room: node id -> user id -> presence. */
  presenceOf(room: string): Promise<Map<string, Map<string, NodePresence>>>;
  /**
   * Remembers a session for `ttlMs` (refreshed by `touchSessions`) as this node's (`record.node`). `claim`: this node
   * takes the session (a client attached it here). Otherwise the write is made only if no other node has claimed the
   * session since this node did, so a node the session left never writes its stale state over the new node's.
   * Resolves false when the write was refused for that reason (another node has the session now); true when it was
   * made, or failed otherwise (logged: the session stays resumable here, and on other nodes with its last record).
   */
  saveSession(record: SessionRecord, ttlMs: number, claim?: boolean): Promise<boolean>;
  /** Extends the life of sessions still attached here. */
  touchSessions(ids: readonly string[], ttlMs: number): void;
  /** A session saved by any node, if it has not expired. */
  loadSession(id: string): Promise<SessionRecord | null>;
  /** The zone locks of a document, shared by every node. */
  zoneLocks(documentId: string): ZoneLockTable;
  /** Whether the broker can serve (for /readyz). */
  ready(): Promise<boolean>;
  /**
   * Leaves. `presenceGraceMs`: how long this node's presence stays for the others after it (its clients, told to
   * reconnect, resume on another node meanwhile without a leave and a join); without it, it goes at once.
   */
  close(opts?: { presenceGraceMs?: number }): Promise<void>;
}
