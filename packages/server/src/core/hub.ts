import {
  type BatchableClientMessage,
  CloseCode,
  DEFAULTS,
  type Delivery,
  type Encoded,
  ErrorCode,
  EVENTS,
  eventSpec,
  isEventType,
  isLogged,
  MESSAGE_DELIVERY,
  type Nack,
  type PresenceMember,
  parseClientMessages,
  parseHello,
  type ServerMessage,
  utf8Length,
} from '@syncline/protocol';
import { type Broker, type BrokerHandler, SESSION_TAKEN, type SessionRecord } from '../broker/broker.js';
import { LocalBroker } from '../broker/local-broker.js';
import type { LogStore, RetentionPolicy, RoomSelector } from '../storage/log-store.js';
import type { Clock } from './clock.js';
import { handleCommand } from './commands.js';
import { Connection } from './connection.js';
import { PENDING } from './dedup-window.js';
import { SynclineError } from './errors.js';
import { Flusher } from './flusher.js';
import { handleHello } from './handshake.js';
import { type Extension, sortExtensions } from './hooks.js';
import type { Identity } from './identity.js';
import { LoadGauge } from './load-gauge.js';
import type { Logger } from './logger.js';
import { encodedOrNull, OutMessage } from './out-message.js';
import { Presence } from './presence.js';
import { AbuseCounter, ClassBuckets, type RateLimitOptions } from './rate-limiter.js';
import { Room, type RoomHost } from './room.js';
import type { ConnectionHandle, ConnectionInfo, ServerSocket } from './server-socket.js';
import type { Session } from './session.js';
import type { SmallSet } from './small-set.js';
import { Stats } from './stats.js';
import type { Subscription } from './subscription.js';

/** The close codes this server sends (a client's own close codes are counted together, as `other`). */
const SERVER_CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode).map((c) => c.code));

export interface HubLimits {
  maxPayload: number;
  handshakeTimeoutMs: number;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  sessionGraceMs: number;
  /** A detached session stops counting in presence after this long. */
  presenceGraceMs: number;
  /**
   * A user's number of connections in a room going down is announced once it stayed down this long (looked at every
   * tick): a user's sockets that drop together (a network blip) are back by then. Going up is announced at once.
   */
  presenceCountSettleMs: number;
  /** 0 = unlimited. */
  maxConnectionsPerUser: number;
  /**
   * Sessions of one user this node keeps (each kept `sessionGraceMs` after its socket closed, to be resumed): past
   * it, a new session drops the user's oldest one without a socket. A loop of hellos would otherwise pile up
   * sessions (~4 KB each) as fast as it can connect. 0 = unlimited.
   */
  maxSessionsPerUser: number;
  dedupWindow: number;
  /** Above this many buffered bytes a connection's ephemeral traffic is dropped. */
  softBufferBytes: number;
  /** Above this many buffered bytes a connection is closed as a slow consumer. */
  hardBufferBytes: number;
  /**
   * Ephemeral messages (cursors, typing) leave a connection at most once per this many ms, coalesced per key
   * meanwhile: 34 ms keeps a crowded room under 30 frames a second per client. The first after a pause leaves
   * at once. 0 = with every turn of the event loop.
   */
  ephemeralWindowMs: number;
  /**
   * While the server is busy (`LoadGauge`), room events for a connection that was sent a frame less than this many
   * ms ago wait up to this long, so a busy connection gets a frame per window, not one per event; anything else
   * sent to it (an answer) takes them along at once. The first after a pause, and every event while the server is
   * not busy, leave at the end of the turn. 0 = always at the end of the turn.
   */
  batchWindowMs: number;
  /** Log entries read per page when replaying. */
  replayPageSize: number;
  /** Messages a connection may send while its hello is processed. */
  maxInbox: number;
  /** Seconds past a token's `exp` still accepted (clock skew); the JWT check uses the same. */
  tokenToleranceS: number;
  /** A connection that has not finished closing this long after the server closed it is dropped. */
  closeTimeoutMs: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  maxPayload: DEFAULTS.maxPayload,
  handshakeTimeoutMs: DEFAULTS.handshakeTimeoutMs,
  heartbeatMs: DEFAULTS.heartbeatMs,
  heartbeatTimeoutMs: DEFAULTS.heartbeatTimeoutMs,
  sessionGraceMs: DEFAULTS.sessionGraceMs,
  presenceGraceMs: 10_000,
  presenceCountSettleMs: 2_000,
  maxConnectionsPerUser: 20,
  maxSessionsPerUser: 100,
  dedupWindow: 1024,
  softBufferBytes: 256 * 1024,
  hardBufferBytes: 4 * 1024 * 1024,
  ephemeralWindowMs: 34,
  batchWindowMs: 2,
  replayPageSize: 500,
  maxInbox: 64,
  tokenToleranceS: 5,
  closeTimeoutMs: 5_000,
};

/** Retention per room kind; `default` applies to kinds not listed. */
export type RetentionConfig = Record<string, RetentionPolicy> & { default: RetentionPolicy };

const DAY = 86_400_000;
export const DEFAULT_RETENTION: RetentionConfig = {
  doc: { maxEvents: 10_000, maxAgeMs: 7 * DAY },
  user: { maxEvents: 1_000, maxAgeMs: DAY },
  // No age limit: its events are rare (maintenance, admins' notices), and the latest maintenance_mode is the state a
  // restarted server restores (a day's limit turned maintenance off at a restart a day after it was turned on).
  system: { maxEvents: 100, maxAgeMs: Number.POSITIVE_INFINITY },
  default: { maxEvents: 1_000, maxAgeMs: DAY },
};

export type Authenticate = (token: string, info: ConnectionInfo) => Promise<Identity>;
export type MethodHandler = (
  data: unknown,
  ctx: { user: Identity; session: Session },
) => unknown | Promise<unknown>;

export interface HubOptions {
  store: LogStore;
  authenticate: Authenticate;
  clock: Clock;
  logger: Logger;
  limits?: Partial<HubLimits>;
  /** `false` turns rate limiting off (benchmarks, trusted back ends). */
  rateLimits?: RateLimitOptions | false;
  retention?: Partial<RetentionConfig>;
  extensions?: Extension[];
  /**
   * Cross-node traffic (fan-out, presence, sessions, zone locks). Default: a `LocalBroker` of its own, a single
   * node, which the hot paths skip entirely.
   */
  broker?: Broker;
}

export interface PublishOptions {
  /** Publisher's user id (absent for server-made events). */
  from?: string;
  /** A subscription that must not receive the event (broadcast to a room except the sender). */
  except?: Subscription;
  /** Idempotency key for logged events. */
  dedupKey?: string;
  /**
   * Called synchronously once a logged event is stored (or found to be a duplicate), before the promise
   * settles: a reply queued here leaves in the same frame as the event's fan-out.
   */
  onStored?: (r: { seq: number; duplicate: boolean }) => void;
}

const TICK_MS = 1000;
/** Nack codes after which the same message id may be re-sent. */
const RETRYABLE = new Set<string>([ErrorCode.RateLimited, ErrorCode.Unavailable, ErrorCode.Internal]);
/** Commands later messages of the same session must wait for. */
const BLOCKING = new Set(['join_room', 'subscribe', 'leave_room', 'unsubscribe', 'auth']);
const TRIM_EVERY_MS = 60_000;
const noop = (): void => {};

/**
 * The transport-independent core: sessions, rooms, the durable log, delivery and limits. A transport
 * calls `open(socket, info)` for each accepted socket and feeds it frames through the returned handle.
 */
export class Hub {
  readonly clock: Clock;
  readonly store: LogStore;
  readonly broker: Broker;
  readonly log: Logger;
  readonly limits: HubLimits;
  readonly stats = new Stats();
  readonly flusher: Flusher;
  /** Whether the event loop is busy lately (then room events to busy connections are batched). */
  readonly load: LoadGauge;
  readonly extensions: readonly Extension[];
  /** The extensions with an `onMessage` hook, found once (not per message). */
  private readonly messageHooks: Extension[];
  private readonly connectHooks: Extension[];
  readonly rateLimits: RateLimitOptions | false;
  readonly retention: RetentionConfig;
  readonly authenticate: Authenticate;
  readonly methods = new Map<string, MethodHandler>();
  /**
   * Methods that only read (`doc.open`, `doc.history`): a re-sent request to one runs again instead of getting
   * the answer stored for its id, which would be as old as the first try (a document snapshot from before the
   * reconnect).
   */
  readonly readMethods = new Set<string>();
  /** Called after an event is published (stored, when logged) — not for duplicates. `ts`: the event's time. */
  readonly onPublished: ((room: string, type: string, data: unknown, ts: number) => void)[] = [];
  /** Called for each ephemeral event another node published, as it arrives here (several nodes only). */
  readonly onHeard: ((room: string, type: string, data: unknown) => void)[] = [];
  /** Called when a connection has been welcomed (its welcome is queued). */
  readonly onWelcome: ((conn: Connection) => void)[] = [];
  /**
   * Called when a session has entered a room (joined, subscribed, or re-entered on resume) and its
   * reply is queued: what a late joiner must get at once (a running job's progress) is sent from here.
   */
  readonly onEntered: ((session: Session, room: string) => void)[] = [];
  /** Sockets that have not completed hello. */
  readonly pending = new Set<Connection>();
  /** Sockets with a session. */
  readonly connections = new Set<Connection>();
  readonly sessions = new Map<string, Session>();
  /** Each user's sessions on this node, oldest first (`addSession`, `dropSession`). */
  private readonly userSessions = new Map<string, Set<Session>>();
  readonly userConnections = new Map<string, SmallSet<Connection>>();
  readonly userBuckets = new Map<string, ClassBuckets>();
  readonly rooms = new Map<string, Room>();
  /** Who is in each room, per user (user_join / user_leave / user_status, `room.members`). */
  readonly presence: Presence = new Presence(this);
  /** What every room needs from the hub (one object shared by all rooms). */
  private readonly roomHost: RoomHost;
  private tickTimer: unknown = null;
  /**
   * Rooms that received other nodes' entries since the last tick. A gap is seen when a later entry arrives;
   * a lost *tail* (the last entries of a burst) has no later entry to reveal it, so once a room's traffic
   * pauses for a tick its position is compared with the log's head (one read per room and burst).
   */
  private tailChecks = new Set<Room>();
  private tailChecking = new Set<Room>();
  private lastHeartbeat = 0;
  private lastTrim = 0;
  /**
   * Sessions of this node that another node has taken over (their client resumed there): they are no longer saved
   * from here, and a resume here takes them back from the broker's record (several nodes only).
   */
  private readonly moved = new Set<Session>();
  private stopBroadcasts: (() => void) | null = null;
  private stopping = false;

  constructor(opts: HubOptions) {
    this.clock = opts.clock;
    this.store = opts.store;
    this.log = opts.logger;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.rateLimits = opts.rateLimits ?? false;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention } as RetentionConfig;
    this.extensions = sortExtensions(opts.extensions ?? []);
    this.messageHooks = this.extensions.filter((e) => e.onMessage);
    this.connectHooks = this.extensions.filter((e) => e.onConnect);
    this.authenticate = opts.authenticate;
    this.flusher = new Flusher(this.clock);
    this.load = new LoadGauge(this.clock);
    this.broker = opts.broker ?? new LocalBroker();
    const stats = this.stats;
    this.roomHost = {
      store: this.store,
      flusher: this.flusher,
      broker: this.broker,
      countDelivery: (type, n) => {
        if (n > 0) stats.bump(stats.messagesOut, type, n);
      },
      gapFailed: (room, err) => {
        this.log.warn({ err: String(err), room: room.name }, 'filling a gap from the log failed; retrying');
        this.clock.setTimeout(() => {
          if (this.rooms.get(room.name) === room) void room.fill();
        }, 1000);
      },
      gapLost: (room) => {
        for (const sub of room.subs) {
          if (sub.catchingUp || !sub.session.conn) continue;
          void this.catchUp(sub);
        }
      },
    };
    this.broker.start(this.brokerHandler());
    if (this.broker.distributed) {
      void this.broker
        .onBroadcast((topic, data) => {
          const id = (data as { id?: unknown } | null)?.id;
          if (topic === SESSION_TAKEN && typeof id === 'string') this.sessionTaken(id);
        })
        .then((stop) => {
          if (this.stopping) stop();
          else this.stopBroadcasts = stop;
        });
    }
    const now = this.clock.now();
    this.lastHeartbeat = this.lastTrim = now;
    // Built in: the presence of a room the caller is in (joiners get the full list at once).
    this.methods.set('room.members', (data, { session }) => {
      const room = (data as { room?: unknown } | null)?.room;
      if (typeof room !== 'string')
        throw new SynclineError(ErrorCode.Invalid, 'room: required (a room name)');
      if (!session.subs.get(room)) {
        throw new SynclineError(ErrorCode.NotJoined, 'room: a room you have joined or subscribed to');
      }
      return this.membersKnown(room).then((members) => ({ room, members }));
    });
    // A read: a re-sent one (after a reconnect) answers who is present now, not the list stored for its id.
    this.readMethods.add('room.members');
    // Built in: the client says its user is idle or active again (counted in every room the session joined).
    this.methods.set('presence.status', (data, { session }) => {
      const status = (data as { status?: unknown } | null)?.status;
      if (status !== 'active' && status !== 'idle') {
        throw new SynclineError(ErrorCode.Invalid, "status: 'active' or 'idle'");
      }
      this.presence.setStatus(session, status === 'idle');
      return {};
    });
  }

  start(): void {
    if (this.tickTimer === null) this.tickTimer = this.clock.setInterval(() => this.tick(), TICK_MS);
    this.load.start();
  }

  // ---- connections ------------------------------------------------------------------------------

  /** Accepts a socket. Returns the handle the transport feeds, or null when the core refuses it. */
  open(socket: ServerSocket, info: ConnectionInfo): ConnectionHandle {
    const conn = new Connection(socket, info, this);
    this.stats.connectionsOpened++;
    if (this.stopping) {
      conn.close(CloseCode.ServerRestarting, this.restartReason());
      return conn;
    }
    this.pending.add(conn);
    const onConnect = this.connectHooks;
    if (onConnect.length > 0) {
      conn.state = 'authenticating'; // hold frames until the hooks have run
      conn.inbox = [];
      void (async () => {
        try {
          for (const e of onConnect) await e.onConnect!({ info });
        } catch (err) {
          this.log.info({ ip: info.ip, err: String(err) }, 'connection refused by onConnect');
          conn.close(CloseCode.Forbidden);
          return;
        }
        if (conn.state !== 'authenticating') return;
        conn.state = 'handshake';
        const inbox = conn.inbox ?? [];
        conn.inbox = null;
        for (const frame of inbox) this.receive(conn, frame as Encoded, typeof frame !== 'string');
      })();
    }
    return conn;
  }

  /** A frame arrived on a connection. */
  receive(conn: Connection, frame: Encoded | ArrayBuffer | Uint8Array, _isBinary = false): void {
    if (conn.state === 'authenticating') {
      // Held, undecoded, until the handshake completes: nothing may be answered before `welcome`.
      const inbox = (conn.inbox ??= []);
      if (inbox.length >= this.limits.maxInbox) {
        conn.error(ErrorCode.RateLimited, 'too many messages before welcome');
        conn.close(CloseCode.ProtocolError);
        return;
      }
      inbox.push(frame);
      return;
    }
    const bytes = typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
    this.stats.bytesIn += bytes;
    let value: unknown;
    try {
      value = conn.codec.decode(frame as Encoded);
    } catch {
      this.stats.bump(this.stats.messagesIn, 'malformed');
      if (conn.state === 'handshake') {
        conn.error(ErrorCode.Malformed, `frame is not valid ${conn.codec.name}`);
        conn.close(CloseCode.ProtocolError);
      } else {
        conn.error(ErrorCode.Malformed, `frame is not valid ${conn.codec.name}`);
        this.refuse(conn);
      }
      return;
    }
    this.handleValue(conn, value);
  }

  private handleValue(conn: Connection, value: unknown): void {
    if (conn.state === 'handshake') {
      const hello = parseHello(value);
      this.stats.bump(this.stats.messagesIn, 'hello');
      if (!hello.ok) {
        conn.error(hello.code, hello.message, hello.id);
        conn.close(CloseCode.ProtocolError, hello.code);
        return;
      }
      conn.state = 'authenticating';
      conn.inbox = [];
      void handleHello(this, conn, hello.value);
      return;
    }
    if (conn.state !== 'open') return;
    for (const parsed of parseClientMessages(value)) {
      if (!parsed.ok) {
        this.stats.bump(this.stats.messagesIn, parsed.code);
        // Not through the de-duplication window: a message refused before it ran is not the message its id
        // names, and its nack must not become the stored reply of a real message with that id still running.
        if (parsed.id !== undefined) {
          const refusal = nack(parsed.id, parsed.code, parsed.message);
          this.countReply(refusal);
          conn.send(refusal);
        } else conn.error(parsed.code, parsed.message);
        this.refuse(conn);
        continue;
      }
      this.dispatch(conn, parsed.value);
      if (conn.state !== 'open') return;
    }
  }

  /** Dedup, rate limit, hooks, then the command. */
  private dispatch(conn: Connection, msg: BatchableClientMessage): void {
    this.stats.bump(this.stats.messagesIn, msg.type);
    const session = conn.session!;
    // Publishes and requests are de-duplicated by id; room membership and auth commands are idempotent
    // and simply run again, as do requests to methods that only read.
    const id =
      msg.type === 'publish' || (msg.type === 'request' && !this.readMethods.has(msg.method))
        ? msg.id
        : undefined;
    // Every message takes its token, a re-send of one already answered too: answering it from the window costs an
    // encode and a write, and unthrottled it was a way to make the server send as fast as a client can ask.
    const delivery = this.deliveryOf(msg);
    const wait = this.takeToken(conn, delivery);
    if (wait > 0) {
      this.stats.rateLimited++;
      // Every message with an id is answered by it, de-duplicated or not (a join_room, an auth, a read request):
      // an `error` without the id would leave its sender waiting for a reply that never comes.
      const replyId = 'id' in msg ? msg.id : undefined;
      if (replyId !== undefined) {
        conn.send(nack(replyId, ErrorCode.RateLimited, `over the ${delivery} rate limit`, wait));
      } else if (msg.type !== 'pong') {
        conn.error(ErrorCode.RateLimited, `over the ${delivery} rate limit`);
      }
      this.refuse(conn);
      return;
    }
    if (id !== undefined) {
      const seen = session.dedup.get(id);
      if (seen === PENDING) return; // the reply is on its way
      if (seen !== undefined) {
        // A stored method result was checked with the codec of the socket it was first sent on; one resumed on
        // the other codec may not write it (a small BigInt is fine in MessagePack, not in JSON). Never let it
        // reach the flush: the connection would be closed, and closed again at every re-send of the id.
        const out = encodedOrNull(seen, conn.codec);
        if (out === null) {
          this.log.error({ user: session.userId }, 'stored reply cannot be encoded for this connection');
          session.dedup.forget(id);
          conn.send(nack(id, ErrorCode.Internal, 'internal error'));
          return;
        }
        conn.send(out);
        return;
      }
    }
    if (id !== undefined) session.dedup.begin(id);
    session.serial.run(() => this.execute(session, msg));
  }

  /**
   * Runs one message. Returns a promise when later messages of the session must wait for it (room
   * membership and token changes, and anything behind async `onMessage` hooks), so that e.g. a publish
   * sent right after a join sees the join. Publishes and requests do not block: their order is kept by
   * the room's append queue, and their replies come when they are done.
   */
  private execute(session: Session, msg: BatchableClientMessage): Promise<void> | undefined {
    const hooks = this.messageHooks;
    const fail = (err: unknown) => {
      if ('id' in msg && msg.id !== undefined) this.replyError(session, msg.id, err);
      // Without an id (a fire-and-forget publish), a refusal (a hook's SynclineError) is said with `error`, as PROTOCOL
      // 9.2 promises; only a failure that is not one is the server's to log.
      else if (err instanceof SynclineError) session.conn?.error(err.code, err.message);
      else this.log.error({ err }, 'command failed');
    };
    if (hooks.length > 0 && msg.type !== 'ping' && msg.type !== 'pong') {
      return (async () => {
        for (const e of hooks) await e.onMessage!({ user: session.identity, message: msg });
        const done = handleCommand(this, session, msg);
        if (BLOCKING.has(msg.type)) await done;
        else done.catch(fail);
      })().catch(fail);
    }
    const done = handleCommand(this, session, msg).catch(fail);
    return BLOCKING.has(msg.type) ? done : undefined;
  }

  private deliveryOf(msg: BatchableClientMessage): Delivery {
    if (msg.type === 'publish') return isEventType(msg.event) ? EVENTS[msg.event].delivery : 'critical';
    return MESSAGE_DELIVERY[msg.type];
  }

  private takeToken(conn: Connection, delivery: Delivery): number {
    const limits = this.rateLimits;
    if (limits === false) return 0;
    const now = this.clock.now();
    conn.buckets ??= new ClassBuckets(limits.connection);
    const waitConn = conn.buckets.take(delivery, now);
    if (waitConn > 0) return waitConn;
    const userId = conn.session!.userId;
    // With one connection the connection's limits (stricter than the user's) are enough.
    if ((this.userConnections.get(userId)?.size ?? 1) <= 1 && !this.userBuckets.has(userId)) return 0;
    let ub = this.userBuckets.get(userId);
    if (!ub) this.userBuckets.set(userId, (ub = new ClassBuckets(limits.user)));
    return ub.take(delivery, now);
  }

  /** Counts a refused message; closes the connection on sustained abuse. */
  private refuse(conn: Connection): void {
    const limits = this.rateLimits === false ? null : this.rateLimits;
    conn.abuse ??= new AbuseCounter(limits?.abuseRefusals ?? 200, limits?.abuseWindowMs ?? 10_000);
    if (conn.abuse.refuse(this.clock.now())) {
      this.log.warn({ ip: conn.info.ip, user: conn.session?.userId }, 'closing abusive connection');
      conn.close(CloseCode.RateLimited);
    }
  }

  /**
   * Sends a reply to a client message and remembers it for re-sends. `out`: `message` already encoded (a method's
   * result, checked when the handler returned).
   */
  replyTo(session: Session, id: string, message: ServerMessage, out?: OutMessage): void {
    // Only ids the window is waiting for are remembered. A nack that invites a retry is forgotten, so
    // the same id can be re-sent and take effect.
    const window = session.dedupIfAny;
    if (window?.get(id) === PENDING) {
      if (message.type === 'nack' && RETRYABLE.has(message.code)) window.forget(id);
      else window.settle(id, message);
    }
    this.countReply(message);
    session.conn?.send(out ?? message);
  }

  replyError(session: Session, id: string, err: unknown): void {
    if (err instanceof SynclineError) {
      this.replyTo(session, id, nack(id, err.code, err.message, err.retryAfterMs));
    } else {
      this.log.error({ err, user: session.userId }, 'handler failed');
      this.replyTo(session, id, nack(id, ErrorCode.Internal, 'internal error'));
    }
  }

  private countReply(message: ServerMessage): void {
    if (message.type === 'nack') this.stats.bump(this.stats.nacks, message.code);
    else if (message.type === 'ack' || message.type === 'response')
      this.stats.bump(this.stats.acks, message.type);
  }

  countOut(m: OutMessage): void {
    const t = (m.message as { type?: string }).type ?? 'unknown';
    this.stats.bump(this.stats.messagesOut, t);
  }

  /** The transport reports a closed socket. */
  release(conn: Connection, code: number, reason: string): void {
    this.stats.connectionsClosed++;
    // A client picks its own close code (3000-4999): one label each would let it grow the metrics without bound.
    this.stats.bump(
      this.stats.closesByCode,
      (code >= 1000 && code <= 1015) || SERVER_CLOSE_CODES.has(code) ? code : 'other',
    );
    this.pending.delete(conn);
    const session = conn.session;
    if (session && this.connections.delete(conn)) {
      const set = this.userConnections.get(session.userId);
      set?.delete(conn);
      if (set && set.size === 0) {
        this.userConnections.delete(session.userId);
        this.userBuckets.delete(session.userId);
      }
      if (session.conn === conn) this.detach(session);
    }
    for (const e of this.extensions) {
      if (!e.onDisconnect) continue;
      Promise.resolve(e.onDisconnect({ user: session?.identity, info: conn.info, code, reason })).catch(
        (err) => this.log.error({ err }, 'onDisconnect failed'),
      );
    }
  }

  /**
   * A session loses its socket: its subscriptions stop receiving, but are kept for a resume. `replaced`: a new
   * socket takes the session over at once (its presence is announced as that one attaches).
   */
  detach(session: Session, replaced = false): void {
    session.conn = null;
    session.detachedAt = this.clock.now();
    for (const sub of session.subs.values()) {
      sub.room.subs.delete(sub);
      sub.catchingUp = false;
      sub.replay++; // a replay whose read is in flight must not go on to the next socket
      sub.batch = null;
    }
    this.saveSession(session);
    if (!replaced) this.presence.connectionsChanged(session); // kept present for the grace, without a connection
  }

  // ---- rooms ------------------------------------------------------------------------------------

  room(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name, this.roomHost);
      this.rooms.set(name, room);
      if (this.broker.distributed) this.watchRoom(room);
    }
    return room;
  }

  /** Several nodes: subscribes to the room's traffic and loads the other nodes' presence in it. */
  private watchRoom(room: Room): void {
    const broker = this.broker;
    room.remoteLoading = true;
    room.subscribed = broker.subscribe(room.name).catch((err) => {
      // The broker is away: serve from the log; the reconnect fills what was missed.
      this.log.warn({ err: String(err), room: room.name }, 'subscribing a room on the broker failed');
    });
    const read = room.subscribed.then(() => broker.presenceOf(room.name));
    const known: Promise<void> = read
      .then(
        (others) => {
          if (others.size === 0) return;
          const remote = (room.remote ??= new Map());
          // Updates that arrived since the subscription are newer than this read: they win. A node heard gone since
          // is gone (a departure of a whole node leaves no tombstone, unlike a user's).
          for (const [node, users] of others) {
            if (room.goneDuringRead?.has(node)) continue;
            let known = remote.get(node);
            if (!known) remote.set(node, (known = new Map()));
            for (const [u, p] of users) if (!known.has(u)) known.set(u, p);
          }
        },
        (err) => this.log.warn({ err: String(err), room: room.name }, 'reading cluster presence failed'),
      )
      .then(() => {
        // A later read (another reconnect) is the one that ends the wait; a room unloaded meanwhile has none.
        if (known !== room.presenceRead || this.rooms.get(room.name) !== room) return;
        room.remoteLoading = false;
        room.goneDuringRead = null;
        this.presence.refreshAll(room);
      });
    room.presenceRead = known;
  }

  /** What the broker calls: other nodes' entries, ephemeral events and presence. */
  private brokerHandler(): BrokerHandler {
    return {
      entry: (entry) => {
        const room = this.rooms.get(entry.room);
        if (!room) return;
        room.receive(entry);
        this.tailChecks.add(room);
      },
      ephemeral: (e) => {
        for (const fn of this.onHeard) fn(e.room, e.type, e.data);
        this.rooms.get(e.room)?.deliverEphemeral(e.type, e.data, e.key, e.ts, e.from);
      },
      presence: (roomName, node, userId, presence) => {
        const room = this.rooms.get(roomName);
        if (!room) return;
        if (userId === null) {
          // That node is gone (closed, or reaped): its users' status and count are what the others have.
          if (room.remoteLoading) (room.goneDuringRead ??= new Set()).add(node);
          const gone = room.remote?.get(node);
          room.remote?.delete(node);
          for (const [u, p] of gone ?? []) {
            if (p.connections > 0) this.presence.nodeGone(room, u, node);
            else this.presence.heard(room, u);
          }
          return;
        }
        const remote = (room.remote ??= new Map());
        let users = remote.get(node);
        if (!users) remote.set(node, (users = new Map()));
        // A departure is kept as a tombstone (0 connections), so an older full read cannot bring it back.
        users.set(userId, presence ?? { connections: 0 });
        this.presence.heard(room, userId);
      },
      userGone: (roomName, userId) => this.presence.announce(roomName, userId, false, null),
      reconnected: () => this.recover(),
      commandsReady: () => this.presence.resend(),
    };
  }

  /**
   * After the broker lost its connection: every room served here is read from the log up to its end (what
   * other nodes published meanwhile), the other nodes' presence is read again, and this node's presence is
   * written again (a restarted Redis has forgotten it).
   */
  private recover(): void {
    for (const room of this.rooms.values()) {
      void room.fill(true);
      room.remote = null;
      this.watchRoom(room);
      this.presence.restore(room);
    }
  }

  /**
   * Publishes an event to a room: logged events are appended to the room's log and fanned out once
   * durable; ephemeral ones are fanned out at once, coalesced per connection.
   */
  async publish(
    roomName: string,
    type: string,
    data: unknown,
    opts: PublishOptions = {},
  ): Promise<{ seq?: number; duplicate?: boolean }> {
    if (!isEventType(type)) throw new SynclineError(ErrorCode.UnknownEvent, `unknown event "${type}"`);
    const spec = eventSpec(type);
    const room = this.room(roomName);
    const now = this.clock.now();
    if (!isLogged(spec.delivery)) {
      const key = spec.coalesceKey ? spec.coalesceKey(data as never, opts.from) : type;
      room.deliverEphemeral(type, data, key, now, opts.from, opts.except);
      if (this.broker.distributed) {
        this.broker.publishEphemeral({ room: roomName, type, data, key, ts: now, from: opts.from });
      }
      for (const fn of this.onPublished) fn(roomName, type, data, now);
      return {};
    }
    const input = { type, data, ts: now, from: opts.from, dedupKey: opts.dedupKey };
    const r = await room.append(input, opts.except, opts.onStored);
    if (!r.duplicate) for (const fn of this.onPublished) fn(roomName, type, data, now);
    return r.duplicate ? { seq: r.seq, duplicate: true } : { seq: r.seq };
  }

  /** Replays a subscription from its `sentSeq` until it has caught up with live delivery. */
  async catchUp(sub: Subscription): Promise<void> {
    const { room, session } = sub;
    const pageSize = this.limits.replayPageSize;
    const generation = ++sub.replay;
    sub.dropBatch();
    sub.catchingUp = true;
    try {
      for (;;) {
        const res = await this.store.read(room.name, sub.sentSeq, pageSize);
        const conn = session.conn;
        if (!conn || !room.subs.has(sub) || !sub.catchingUp || sub.replay !== generation) return;
        if (res.lastSeq < sub.sentSeq) {
          // The client is ahead of this room's log (the store was replaced): it must reload.
          sub.sentSeq = res.lastSeq;
          this.stats.resets++;
          conn.queueLogged(
            new OutMessage({
              type: 'reset',
              room: room.name,
              seq: res.lastSeq,
              reason: 'unknown_room_state',
            }),
          );
          continue;
        }
        if (res.firstSeq > sub.sentSeq + 1 && res.lastSeq > sub.sentSeq) {
          sub.sentSeq = res.lastSeq;
          this.stats.resets++;
          conn.queueLogged(
            new OutMessage({ type: 'reset', room: room.name, seq: res.lastSeq, reason: 'retention' }),
          );
          continue;
        }
        for (const e of res.entries) {
          if (e.seq <= sub.sentSeq) continue;
          sub.sentSeq = e.seq;
          if (sub.accepts(e.type)) {
            conn.queueLogged(
              new OutMessage(
                e.from === undefined
                  ? { type: e.type, room: e.room, seq: e.seq, ts: e.ts, data: e.data }
                  : { type: e.type, room: e.room, seq: e.seq, ts: e.ts, from: e.from, data: e.data },
              ),
            );
          }
        }
        if (res.entries.length < pageSize && sub.sentSeq >= room.lastSeq) {
          sub.catchingUp = false;
          return;
        }
        await this.drained(conn);
      }
    } catch (err) {
      this.log.error({ err, room: room.name }, 'replay failed; retrying');
      this.clock.setTimeout(() => {
        if (session.conn && room.subs.has(sub)) void this.catchUp(sub);
      }, 1000);
    }
  }

  /** Resolves once a connection's socket buffer is below the soft limit (replay pacing). */
  private drained(conn: Connection): Promise<void> {
    if (conn.socket.bufferedAmount <= this.limits.softBufferBytes) {
      return new Promise<void>((r) => this.clock.defer(r));
    }
    return new Promise((resolve) => {
      const check = () => {
        if (conn.state !== 'open' || conn.socket.bufferedAmount <= this.limits.softBufferBytes) resolve();
        else this.clock.setTimeout(check, 20);
      };
      this.clock.setTimeout(check, 20);
    });
  }

  // ---- periodic work ----------------------------------------------------------------------------

  /** Rooms whose remote traffic paused since the last tick: fill from the log if it is ahead of them. */
  private checkTails(): void {
    const quiet = [...this.tailChecking].filter((r) => !this.tailChecks.has(r));
    this.tailChecking = this.tailChecks;
    this.tailChecks = new Set();
    for (const room of quiet) {
      if (this.rooms.get(room.name) !== room || room.subs.size === 0) continue;
      this.store.lastSeq(room.name).then(
        (head) => {
          if (head > room.lastSeq) {
            this.log.warn({ room: room.name, at: room.lastSeq, head }, 'filling a lost tail from the log');
            void room.fill(true);
          }
        },
        (err) =>
          this.log.warn({ err: String(err), room: room.name }, 'checking a room against the log failed'),
      );
    }
  }

  /** One timer for the whole hub: handshake timeouts, token expiry, heartbeats, grace periods, retention. */
  tick(): void {
    const now = this.clock.now();
    const L = this.limits;
    this.checkTails();
    for (const conn of this.pending) {
      if (now - conn.openedAt > L.handshakeTimeoutMs) {
        conn.error(ErrorCode.HelloRequired, 'no hello within the handshake timeout');
        conn.close(CloseCode.HandshakeTimeout);
        this.pending.delete(conn);
      }
    }
    const nowS = now / 1000;
    const heartbeat = now - this.lastHeartbeat >= L.heartbeatMs;
    if (heartbeat) this.lastHeartbeat = now;
    const ping = heartbeat ? new OutMessage({ type: 'ping', ts: now }) : null;
    for (const conn of this.connections) {
      if (conn.state === 'closing') {
        if (now - conn.closingAt > L.closeTimeoutMs) conn.socket.terminate();
        continue;
      }
      const exp = conn.session?.identity.exp;
      if (exp !== undefined && nowS >= exp + L.tokenToleranceS) {
        conn.error(ErrorCode.TokenExpired, 'token expired; reconnect with a fresh token');
        conn.close(CloseCode.TokenExpired);
        continue;
      }
      if (now - conn.lastSeen > L.heartbeatMs + L.heartbeatTimeoutMs) {
        conn.close(CloseCode.HeartbeatTimeout);
        conn.socket.terminate();
        continue;
      }
      if (ping) {
        conn.queueEphemeral('ping', ping);
        conn.socket.ping?.();
      }
    }
    this.presence.settle();
    for (const session of this.sessions.values()) {
      if (session.conn) continue;
      const away = now - session.detachedAt;
      if (session.present && away > L.presenceGraceMs) this.presence.setPresent(session, false);
      if (away > L.sessionGraceMs) this.dropSession(session);
    }
    const distributed = this.broker.distributed;
    for (const [name, room] of this.rooms) {
      if (!room.idle) continue;
      this.rooms.delete(name);
      if (distributed) this.broker.unsubscribe(name);
    }
    if (heartbeat && distributed) {
      // Sessions attached here stay resumable on any node for the session grace after they detach.
      const ids: string[] = [];
      for (const conn of this.connections) if (conn.session) ids.push(conn.session.id);
      this.broker.touchSessions(ids, L.sessionGraceMs + L.heartbeatMs);
    }
    if (now - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = now;
      void this.trim(now);
    }
  }

  /**
   * Applies retention: each kind with a policy of its own (`doc`, `user`, `system`, and any the config names) by
   * that policy, then every other room in the store, whatever its kind and whichever node made it, by the default
   * policy in one call. So the work does not grow with the kinds clients invent (a kind is any `[a-z][a-z0-9_-]*`).
   */
  async trim(now = this.clock.now()): Promise<void> {
    // `system` is one room, whose name begins other kinds' rooms (`systems:1`); any other kind is a prefix.
    const prefixOf = (kind: string): RoomSelector => (kind === 'system' ? { room: 'system' } : `${kind}:`);
    const own = Object.keys(this.retention).filter((kind) => kind !== 'default');
    const steps: [kind: string, rooms: RoomSelector, policy: RetentionPolicy, except?: RoomSelector[]][] = [
      ...own.map((kind): [string, RoomSelector, RetentionPolicy] => [
        kind,
        prefixOf(kind),
        this.retention[kind],
      ]),
      ['default', '', this.retention.default, own.map(prefixOf)],
    ];
    for (const [kind, prefix, policy, except] of steps) {
      try {
        await this.store.trim(prefix, policy, now, except);
      } catch (err) {
        this.log.error({ err, kind }, 'retention trim failed');
      }
    }
  }

  /**
   * Who is in a room (one entry per user, with how many of their connections and whether they are idle), as this node
   * knows it now: while it reads the other nodes' presence in the room (a room new here, after a broker reconnect, or
   * after finding itself reaped as dead) that is its own users alone. What clients are told is `membersKnown`.
   */
  members(roomName: string): PresenceMember[] {
    return this.presence.members(roomName);
  }

  /**
   * `members`, once this node has read the other nodes' presence in the room. A client takes the list as the truth
   * (`room.members` after every reconnect, `doc.open`): one answered during the read dropped every user of the other
   * nodes from its view until their next change. The read ends (Redis commands give up after a few retries).
   */
  async membersKnown(roomName: string): Promise<PresenceMember[]> {
    let waited: Promise<unknown> | null = null;
    for (;;) {
      const room = this.rooms.get(roomName);
      const read = room?.remoteLoading ? room.presenceRead : null;
      // Done, or the read waited for settled without ending the wait (it failed to apply): answer with what is known.
      if (read === null || read === waited) break;
      waited = read;
      await read.then(noop, noop); // a later read, begun meanwhile, is the next one waited for
    }
    return this.members(roomName);
  }

  /**
   * Keeps a session resumable on another node (several nodes only). `claim`: a client attached it here (a hello),
   * so this node takes it over from any other that had it. Without it the save is refused when another node has
   * taken the session meanwhile, which this node learns that way if it missed that node's broadcast.
   */
  saveSession(session: Session, claim = false): void {
    if (!this.broker.distributed || this.moved.has(session)) return;
    const record: SessionRecord = { id: session.id, key: session.key, userId: session.userId, rooms: [] };
    for (const sub of session.subs.values()) {
      const r: SessionRecord['rooms'][number] = { room: sub.room.name, mode: sub.mode, sentSeq: sub.sentSeq };
      if (sub.types) r.types = [...sub.types];
      record.rooms.push(r);
    }
    void this.broker
      .saveSession(record, this.limits.sessionGraceMs + this.limits.heartbeatMs, claim)
      .then((saved) => {
        if (!saved) this.sessionTaken(session.id);
      });
  }

  /**
   * Another node took this session over (its client resumed there): the socket it still has here, if any (a
   * half-open connection the client gave up on), is closed with 4011 and the session is no longer saved from here.
   * It stays for the grace like any detached one, so its user's presence here ends without a flicker.
   */
  sessionTaken(id: string): void {
    const session = this.sessions.get(id);
    if (!session || this.moved.has(session)) return;
    this.moved.add(session);
    const conn = session.conn;
    if (!conn) return;
    this.detach(session);
    conn.close(CloseCode.SessionTakenOver);
  }

  /** Whether another node has taken this session over since it was attached here. */
  isMoved(session: Session): boolean {
    return this.moved.has(session);
  }

  /** A client resumes here a session another node took over: it is this node's again (see `sessionTaken`). */
  takeBack(session: Session): void {
    this.moved.delete(session);
  }

  /**
   * Keeps a new session (made by a hello, or taken over from another node). Past `maxSessionsPerUser` of the user's,
   * their oldest session without a socket is dropped, as the grace would drop it later.
   */
  addSession(session: Session): void {
    this.sessions.set(session.id, session);
    let mine = this.userSessions.get(session.userId);
    if (!mine) this.userSessions.set(session.userId, (mine = new Set()));
    mine.add(session);
    const max = this.limits.maxSessionsPerUser;
    if (max <= 0 || mine.size <= max) return;
    for (const old of mine) {
      if (old.conn || old === session) continue;
      this.dropSession(old);
      return;
    }
  }

  dropSession(session: Session): void {
    this.presence.setPresent(session, false);
    for (const sub of session.subs.values()) sub.room.subs.delete(sub);
    session.subs.clear();
    this.sessions.delete(session.id);
    this.moved.delete(session);
    const mine = this.userSessions.get(session.userId);
    if (mine?.delete(session) && mine.size === 0) this.userSessions.delete(session.userId);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  private restartHintMs = 1000;

  private restartReason(): string {
    return `restart:${Math.round(this.restartHintMs * (0.5 + Math.random()))}`;
  }

  /**
   * Graceful shutdown: refuse new sockets, flush what is queued, tell every client the server is
   * restarting with a jittered reconnect hint, and wait (bounded) for the sockets to close.
   */
  async shutdown(opts: { restartHintMs?: number; timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    this.stopBroadcasts?.();
    this.stopBroadcasts = null;
    this.restartHintMs = opts.restartHintMs ?? 1000;
    if (this.tickTimer !== null) this.clock.clearInterval(this.tickTimer);
    this.tickTimer = null;
    this.load.stop();
    this.flusher.flushNow();
    const all = [...this.pending, ...this.connections];
    for (const conn of all) conn.close(CloseCode.ServerRestarting, this.restartReason());
    const deadline = this.clock.now() + (opts.timeoutMs ?? 2000);
    while (this.connections.size + this.pending.size > 0 && this.clock.now() < deadline) {
      await new Promise<void>((r) => this.clock.setTimeout(r, 20));
    }
    for (const conn of [...this.pending, ...this.connections]) {
      conn.socket.terminate();
      conn.closed(CloseCode.ServerRestarting.code, 'terminated at shutdown');
    }
  }

  /**
   * Fail-stop (the storage failed under it): drops every connection at once without sending anything more (what
   * is queued may speak of writes that were not stored) and refuses new ones. Clients reconnect and resume from
   * what was stored, re-sending what was never acknowledged.
   */
  abort(reason: string): void {
    this.stopping = true;
    this.stopBroadcasts?.();
    this.stopBroadcasts = null;
    if (this.tickTimer !== null) this.clock.clearInterval(this.tickTimer);
    this.tickTimer = null;
    this.load.stop();
    for (const conn of [...this.pending, ...this.connections]) {
      conn.socket.terminate();
      conn.closed(CloseCode.GoingAway.code, reason);
    }
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}

export function nack(id: string, code: string, message: string, retryAfterMs?: number): Nack {
  return retryAfterMs === undefined
    ? { type: 'nack', id, code, message }
    : { type: 'nack', id, code, message, retryAfterMs };
}
