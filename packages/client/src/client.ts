import {
  DEFAULTS,
  ErrorCode,
  type EventData,
  type EventMessage,
  type EventType,
  eventSpec,
  isEventType,
  isValidRoom,
  type PresenceStatus,
  type Reset,
  type RoomState,
  type ServerMessage,
  type Welcome,
} from '@syncline/protocol';
import { ActivityMonitor } from './activity-monitor.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { Connection } from './connection.js';
import type { CloseInfo, ConnectionState, ConnectionStatus } from './connection-state.js';
import { DocumentClient } from './document/document-client.js';
import type { DocumentClientOptions } from './document/types.js';
import { type Disposer, Emitter } from './emitter.js';
import {
  type BrowserGlobals,
  type Clock,
  defaultClock,
  defaultTimers,
  detectBrowserGlobals,
  type Logger,
  MAX_TIMER_DELAY_MS,
  type Provider,
  resolveProvider,
  type TimerHandle,
  type Timers,
  type WebSocketConstructor,
} from './environment.js';
import { SynclineError } from './errors.js';
import { FrameLog, type FrameRecord } from './frame-log.js';
import { createIdGenerator } from './ids.js';
import { Messenger, type OutgoingMessage, type RestoredReply, type SendOptions } from './messenger.js';
import type { OutboxStorage } from './outbox-storage.js';
import { type RoomMode, type RoomOptions, RoomRegistry } from './rooms.js';
import { DEFAULT_TOKEN_REFRESH, refreshDelay, type TokenRefreshOptions } from './token-refresh.js';

export interface ClientOptions {
  /** WebSocket URL, or a function giving it (called on every connect). */
  url: Provider<string>;
  /** Auth token, or a function giving a fresh one (called on every connect and refresh). Sent in `hello`. */
  token: Provider<string>;
  /** `msgpack` offers `syncline.v1.msgpack` first, then JSON. Default `json`. */
  codec?: 'json' | 'msgpack';
  /** Default `globalThis.WebSocket`. In Node < 22 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Connect in the constructor. Default true. */
  autoConnect?: boolean;
  /** Reconnect backoff: default 1 s initial, 30 s cap, 10 tries. */
  reconnect?: Partial<BackoffOptions>;
  /** From the start of an attempt to `welcome`. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default timeout of `request` (and of room commands and `auth`). Default 30 s. */
  requestTimeoutMs?: number;
  outbox?: {
    /** Most messages queued while not connected. Default 1000. */
    maxSize?: number;
    /** How long a message may wait to be sent. Default 5 min. */
    ttlMs?: number;
    /** Where queued messages are kept. Default: memory only (pass an `IndexedDBOutboxStorage` to survive reloads). */
    storage?: OutboxStorage;
  };
  /** When to refresh the token before `welcome.tokenExp` (only with a token provider); `false`: never. */
  tokenRefresh?: Partial<TokenRefreshOptions> | false;
  /** Keep the last `frames` frames for `debugFrames()`. */
  debug?: { frames?: number };
  timers?: Timers;
  clock?: Clock;
  /** For backoff jitter. */
  random?: () => number;
  /** Default: silent. Pass `console` to see what happens. */
  logger?: Logger;
  /** Browser window for `online`/`offline`/`visibilitychange`; default `globalThis` in a browser; `null`: none. */
  globals?: BrowserGlobals | null;
  /**
   * In a browser (with `globals`), this client tells the server its user is idle while the page is hidden or after
   * this long without input, and active again at the next input (`presence.status`; others see it in presence).
   * Default 60,000 ms; `false`: never on its own (call `setPresenceStatus` yourself).
   */
  idleAfterMs?: number | false;
  /** Prefix of message ids; default random (ids must be unique per user across sessions and reloads). */
  idPrefix?: string;
}

export type ClientEvents = {
  state: [status: ConnectionStatus, previous: ConnectionStatus];
  /** Every successful handshake (first connect and each resume). */
  welcome: [welcome: Welcome];
  /** A room's gap was older than its retention: reload its state, events continue after `seq`. */
  reset: [reset: Reset];
  /** Something went wrong that no promise could carry (a server `error`, a provider failure, ...). */
  error: [error: SynclineError];
  /** A `maintenance_mode` event arrived. */
  maintenance: [data: EventData<'maintenance_mode'>];
  /** The reply to a message queued before a reload (its promise is gone). */
  outboxReply: [reply: RestoredReply];
  disconnect: [info: CloseInfo & { wasOpen: boolean }];
  /** A new round-trip time measurement, in ms. */
  rtt: [ms: number];
};

export type EventHandler<T extends EventType = EventType> = (
  data: EventData<T>,
  event: EventMessage<T>,
) => void;

export interface PublishResult {
  /** The event's sequence number in the room's log (logged events only). */
  seq?: number;
}

/**
 * The Syncline client: one connection that survives network changes, rooms that resume where they
 * left off, and messages that are sent exactly once (queued while offline, re-sent after reconnects,
 * de-duplicated by the server).
 *
 * @example
 * const client = new SynclineClient({ url: 'wss://example.com/rt', token: () => auth.getToken() });
 * client.on('state', (s) => render(s.state, s.nextRetryAt));
 * const off = client.subscribe('zone_update', (data, event) => apply(event.room, data));
 * await client.join('doc:42');
 * await client.publish('doc:42', 'cursor_update', { x: 1, y: 2, page: 0 });
 */
export class SynclineClient {
  private readonly options: ClientOptions;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly events: Emitter<ClientEvents>;
  private readonly roomEvents: Emitter<Record<string, [data: unknown, event: EventMessage]>>;
  private readonly connection: Connection;
  private readonly rooms = new RoomRegistry();
  private readonly messenger: Messenger;
  private readonly frames: FrameLog | undefined;
  private readonly requestTimeoutMs: number;
  private refreshTimer: TimerHandle | undefined;
  /** What this client says of its user's activity (`setPresenceStatus`, or the activity monitor). */
  private presence: PresenceStatus = 'active';
  private readonly activity: ActivityMonitor | undefined;
  /** Server clock minus ours, from the last `welcome`. */
  private serverClockOffset = 0;
  private lastWelcome: Welcome | undefined;
  private starting = false;
  private readonly docs = new Map<string, DocumentClient>();

  constructor(options: ClientOptions) {
    this.options = options;
    this.timers = options.timers ?? defaultTimers;
    this.clock = options.clock ?? defaultClock;
    const logger = options.logger ?? {};
    const onListenerError = (error: unknown) => logger.error?.('syncline: listener failed', error);
    this.events = new Emitter(onListenerError);
    this.roomEvents = new Emitter(onListenerError);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.frames = options.debug?.frames ? new FrameLog(options.debug.frames) : undefined;
    const globals = options.globals === null ? undefined : (options.globals ?? detectBrowserGlobals());

    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocket) throw new TypeError('no WebSocket available: pass options.WebSocket');
    this.connection = new Connection({
      url: options.url,
      token: options.token,
      WebSocket,
      codec: options.codec ?? 'json',
      timers: this.timers,
      clock: this.clock,
      random: options.random ?? Math.random,
      logger,
      globals,
      backoff: { ...DEFAULT_BACKOFF, ...options.reconnect },
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
      frames: this.frames,
      helloRooms: () => this.rooms.helloRooms(),
      clientInfo: { name: '@syncline/client', version: '0.1.0' },
    });
    this.messenger = new Messenger({
      transport: this.connection,
      timers: this.timers,
      clock: this.clock,
      newId: createIdGenerator(options.idPrefix),
      storage: options.outbox?.storage,
      maxQueued: options.outbox?.maxSize ?? 1000,
      ttlMs: options.outbox?.ttlMs ?? 5 * 60_000,
      onRestoredReply: (reply) => this.events.emit('outboxReply', reply),
      onStorageError: (cause) =>
        this.report(new SynclineError(ErrorCode.Internal, 'outbox storage failed', { cause })),
    });

    const c = this.connection.events;
    c.on('state', (status, previous) => this.events.emit('state', status, previous));
    c.on('welcome', (welcome) => this.onWelcome(welcome));
    c.on('message', (message) => this.onMessage(message));
    c.on('disconnect', (info) => {
      this.messenger.disconnected();
      this.clearRefresh();
      this.events.emit('disconnect', info);
    });
    c.on('error', (error) => this.events.emit('error', error));
    c.on('rtt', (ms) => this.events.emit('rtt', ms));

    const idleAfterMs = options.idleAfterMs ?? 60_000;
    if (globals && idleAfterMs !== false) {
      this.activity = new ActivityMonitor(
        globals,
        { idleAfterMs, timers: this.timers, clock: this.clock },
        (s) => this.setPresenceStatus(s),
      );
      this.presence = this.activity.current;
    }

    if (options.autoConnect !== false) this.connect();
  }

  // ---- connection ---------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this.connection.status.state;
  }

  /** The full state: `attempt`, `nextRetryAt` while waiting to reconnect, `lastClose`. */
  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** Last measured round-trip time in ms. */
  get rtt(): number | undefined {
    return this.connection.rtt;
  }

  get userId(): string | undefined {
    return this.lastWelcome?.userId;
  }

  /**
   * The server's clock now, as this client reckons it (its own clock plus the difference the last `welcome`'s
   * `serverTime` showed; its own clock before the first). For times the server gives, such as a lock's `expiresAt`.
   */
  serverNow(): number {
    return this.clock.now() + this.serverClockOffset;
  }

  get sessionId(): string | undefined {
    return this.lastWelcome?.sessionId;
  }

  /** Messages waiting in the outbox for a connection. */
  get queued(): number {
    return this.messenger.queued;
  }

  /** Connects (once). With an outbox storage, first loads what an earlier run left queued. */
  connect(): void {
    if (this.starting || this.state !== 'idle') return;
    this.starting = true;
    const storage = this.options.outbox?.storage;
    if (!storage) {
      this.connection.connect();
      return;
    }
    storage.load().then(
      (stored) => {
        if (this.state === 'closed') return;
        this.messenger.restore(stored);
        this.connection.connect();
      },
      (cause) => {
        this.report(new SynclineError(ErrorCode.Internal, 'could not load the outbox', { cause }));
        this.connection.connect();
      },
    );
  }

  /** Reconnects now, e.g. from `failed` or a "retry now" button. */
  reconnect(): void {
    if (!this.starting) this.connect();
    else this.connection.reconnect();
  }

  // ---- presence status ----------------------------------------------------------------------------

  /** What this client says of its user: `active`, or `idle` (away). */
  get presenceStatus(): PresenceStatus {
    return this.presence;
  }

  /**
   * Tells the server this user is idle (away) or active again, in every room this client joined: others see
   * `user_status`, and the `status` of `room.members`. A user is idle only when all of their clients in a room say
   * so. Said again after every reconnect. In a browser the client does this on its own (`idleAfterMs`).
   */
  setPresenceStatus(status: PresenceStatus): void {
    if (status === this.presence) return;
    this.presence = status;
    this.sendPresenceStatus();
  }

  /** `welcomed`: called from the handshake, before the state says `open`. */
  private sendPresenceStatus(welcomed = false): void {
    if (!welcomed && this.state !== 'open') return; // said at the next welcome
    this.request('presence.status', { status: this.presence }, { replay: false }).catch(() => {});
  }

  /**
   * Closes the socket, stops every timer and listener, rejects whatever waits with `closed`. Final. Open documents
   * are closed without waiting; to know their last edits were saved, await each `doc.close()` first.
   */
  close(): void {
    if (this.state === 'closed') return;
    this.activity?.dispose();
    this.clearRefresh();
    this.connection.close();
    // The socket is gone: no waiting. A failed last save is heard by awaiting `doc.close()` before this.
    for (const doc of [...this.docs.values()]) doc.close({ timeoutMs: 0 }).catch(() => {});
    this.messenger.close();
    this.rooms.rejectAll(new SynclineError(ErrorCode.Closed, 'the client was closed'));
    this.events.clear();
    this.roomEvents.clear();
  }

  /** Client lifecycle events (`state`, `welcome`, `reset`, `error`, ...). */
  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): Disposer {
    return this.events.on(name, listener);
  }

  // ---- room events --------------------------------------------------------------------------------

  /** Calls `handler(data, event)` for every event of `type` in any room (`'*'`: every event). */
  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): Disposer;
  subscribe(type: '*', handler: (data: unknown, event: EventMessage) => void): Disposer;
  subscribe(type: string, handler: (data: never, event: never) => void): Disposer {
    return this.roomEvents.on(type, handler as (data: unknown, event: EventMessage) => void);
  }

  // ---- rooms --------------------------------------------------------------------------------------

  /**
   * Joins `room` (with presence). Remembered and re-entered, resuming from the last seq, after reconnects. A refusal
   * (`forbidden`, `invalid_room`, …) rejects and forgets the room; a transient failure (`timeout`, `unavailable`,
   * `internal`, `rate_limited`) rejects but keeps it: it is re-entered on the next connection, and a new `join`
   * resumes from its last seq. `leave` gives it up.
   */
  join(room: string, options?: RoomOptions): Promise<RoomState> {
    return this.enterRoom(room, 'join', options);
  }

  /** Subscribes to `room`'s events (no presence). Remembered like `join`. */
  subscribeRoom(room: string, options?: RoomOptions): Promise<RoomState> {
    return this.enterRoom(room, 'subscribe', options);
  }

  /** Leaves a room entered with `join` or `subscribeRoom`. */
  async leave(room: string): Promise<void> {
    const mode = this.rooms.leave(room);
    if (mode && this.connection.ready) await this.sendLeave(room, mode);
  }

  /** Last sequence number seen in `room`. */
  roomSeq(room: string): number | undefined {
    return this.rooms.lastSeq(room);
  }

  // ---- messages -----------------------------------------------------------------------------------

  /**
   * Publishes an event to a room the client is in. Resolves with its seq once the server has it.
   * Ephemeral events (cursors) are neither queued while disconnected nor re-sent after a reconnect:
   * a stale cursor is worth nothing; their promise then resolves with `{}`.
   */
  publish<T extends EventType>(
    room: string,
    event: T,
    data: EventData<T>,
    options?: SendOptions,
  ): Promise<PublishResult> {
    const ephemeral = isEventType(event) && eventSpec(event).delivery === 'ephemeral';
    if (ephemeral && !options?.timeoutMs) {
      // Fire and forget: no id, no reply, not queued while offline (the next value supersedes it anyway).
      const sent = this.connection.send({ type: 'publish', room, event, data });
      if (sent === 'too_large') {
        return Promise.reject(
          new SynclineError(ErrorCode.TooLarge, 'message is larger than the server accepts'),
        );
      }
      return Promise.resolve({});
    }
    return this.messenger
      .call({ type: 'publish', room, event, data }, { replay: !ephemeral, ...options })
      .then((ack) => (ack ?? {}) as PublishResult);
  }

  /** Calls a server method; rejects with `timeout` after `timeoutMs` (default `requestTimeoutMs`). */
  request<T = unknown>(method: string, data?: unknown, options: SendOptions = {}): Promise<T> {
    const message = data === undefined ? { type: 'request', method } : { type: 'request', method, data };
    return this.messenger.call(message, { timeoutMs: this.requestTimeoutMs, ...options }) as Promise<T>;
  }

  /** Sends any message that gets a reply (the id is set here), with outbox and re-send like `publish`. */
  send(message: OutgoingMessage, options?: SendOptions): Promise<unknown> {
    return this.messenger.call(message, options);
  }

  /**
   * Sends `auth` with a fresh token from the provider; resolves with the new `tokenExp`. Scheduled
   * automatically before the token expires. When not connected there is nothing to do: the next `hello`
   * carries a fresh token.
   */
  async refreshToken(): Promise<number | undefined> {
    if (!this.connection.ready) return undefined;
    const token = await resolveProvider(this.options.token);
    const reply = (await this.messenger.call(
      { type: 'auth', token },
      { replay: false, timeoutMs: this.requestTimeoutMs },
    )) as { tokenExp?: number; left?: { room: string; code: string; message: string }[] } | undefined;
    // Rooms the new token no longer allows (a role taken away): the server left them; so does the client, and the
    // app hears why through `error`.
    for (const l of Array.isArray(reply?.left) ? reply.left : []) {
      const error = new SynclineError(
        (l.code ?? ErrorCode.Forbidden) as ErrorCode,
        l.message ?? `left ${l.room}`,
      );
      this.rooms.refused(l.room, error);
      this.report(error);
    }
    if (reply) this.scheduleRefresh(reply.tokenExp);
    return reply?.tokenExp;
  }

  /** The last frames in both directions (with `debug: {frames: N}`), oldest first. Tokens are redacted. */
  debugFrames(): FrameRecord[] {
    return this.frames?.list() ?? [];
  }

  // ---- documents ----------------------------------------------------------------------------------

  /**
   * The collaborative document `documentId`: joined and opened on first use, then the same instance until
   * its `close()` (`options` apply to the first call only). Called while the instance is closing (sending its
   * last edits), it gives a new one, which opens once the old one is closed and sends what that one left.
   */
  doc(documentId: string, options?: DocumentClientOptions): DocumentClient {
    let doc = this.docs.get(documentId);
    if (!doc || doc.isClosing) {
      const onClose = () => {
        if (this.docs.get(documentId) === doc) this.docs.delete(documentId);
        options?.onClose?.();
      };
      // The client's window (`globals`, null: none) is its documents' too (`keepConfirmed` saves on its pagehide).
      const defaults = {
        timers: this.timers,
        clock: this.clock,
        logger: this.options.logger,
        ...(this.options.globals === undefined ? {} : { globals: this.options.globals }),
      };
      doc = new DocumentClient(this, documentId, { ...defaults, ...options, onClose });
      this.docs.set(documentId, doc);
    }
    return doc;
  }

  // ---- internals ----------------------------------------------------------------------------------

  private enterRoom(room: string, mode: RoomMode, options?: RoomOptions): Promise<RoomState> {
    if (this.state === 'closed')
      return Promise.reject(new SynclineError(ErrorCode.Closed, 'the client was closed'));
    // Refused here, never remembered: in the next hello's rooms a malformed name would fail the whole handshake
    // (every room, every document of the connection), not this room alone.
    if (!isValidRoom(room))
      return Promise.reject(
        new SynclineError(
          ErrorCode.InvalidRoom,
          `invalid room name ${JSON.stringify(String(room).slice(0, 64))}`,
        ),
      );
    const entered = this.rooms.enter(room, mode, options);
    if (this.connection.ready) this.sendEnter(room);
    return entered;
  }

  private sendEnter(room: string): void {
    // After join -> leave -> join, the first join's late reply is about an entry the leave ended: it must
    // neither settle nor forget the new one (replies are not in request order).
    const token = this.rooms.token(room);
    this.messenger.call(this.rooms.command(room), { replay: false, timeoutMs: this.requestTimeoutMs }).then(
      // No data: the socket closed first; the next `hello.rooms` enters the room instead.
      (state) => state && this.rooms.entered(room, state as RoomState, token),
      (error: SynclineError) => this.rooms.refused(room, error, token),
    );
  }

  private sendLeave(room: string, mode: RoomMode): Promise<void> {
    const type = mode === 'join' ? 'leave_room' : 'unsubscribe';
    return this.messenger.call({ type, room }, { replay: false, timeoutMs: this.requestTimeoutMs }).then(
      () => undefined,
      (error: SynclineError) => {
        if (error.code !== ErrorCode.NotJoined) throw error;
      },
    );
  }

  private onWelcome(welcome: Welcome): void {
    this.lastWelcome = welcome;
    this.serverClockOffset = welcome.serverTime - this.clock.now();
    const outcome = this.rooms.applyWelcome(welcome.rooms ?? []);
    for (const room of outcome.refused) {
      this.report(new SynclineError(ErrorCode.Forbidden, `the server did not re-enter ${room}`));
    }
    // In-flight messages first, in their original order, then rooms entered during the handshake,
    // then the outbox; rooms left during the handshake last (queued messages may still target them).
    this.messenger.resume(() => {
      for (const room of outcome.enter) this.sendEnter(room);
    });
    for (const { room, mode } of outcome.leave) this.sendLeave(room, mode).catch((e) => this.report(e));
    this.scheduleRefresh(welcome.tokenExp);
    // A new session starts active; a resumed one keeps what was said before the socket dropped.
    if (this.presence === 'idle' || welcome.resumed) this.sendPresenceStatus(true);
    this.events.emit('welcome', welcome);
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'ack':
      case 'nack':
      case 'response':
        this.messenger.handleReply(message);
        return;
      case 'error':
        if (!this.messenger.handleReply(message)) this.report(SynclineError.from(message));
        return;
      case 'reset':
        this.rooms.reset(message.room, message.seq);
        this.events.emit('reset', message);
        return;
      default:
        this.deliver(message as EventMessage);
    }
  }

  private deliver(event: EventMessage): void {
    if (typeof event.room !== 'string') return; // not a room event: a message type we do not know
    if (!this.rooms.accept(event)) return; // already seen (a replay overlapping live delivery)
    if (event.type === 'maintenance_mode')
      this.events.emit('maintenance', event.data as EventData<'maintenance_mode'>);
    this.roomEvents.emit(event.type, event.data, event);
    this.roomEvents.emit('*', event.data, event);
  }

  private scheduleRefresh(tokenExp: number | undefined): void {
    this.clearRefresh();
    const settings = this.options.tokenRefresh;
    if (tokenExp === undefined || settings === false || typeof this.options.token !== 'function') return;
    const serverNow = this.serverNow();
    const delay = refreshDelay(tokenExp, serverNow, { ...DEFAULT_TOKEN_REFRESH, ...settings });
    if (delay > MAX_TIMER_DELAY_MS) {
      // A longer delay would fire at once, and each refresh's ack would schedule the next at once: an
      // endless stream of `auth` for a token valid for more than ~24.8 days. Wait, then look again.
      this.refreshTimer = this.timers.setTimeout(() => this.scheduleRefresh(tokenExp), MAX_TIMER_DELAY_MS);
      return;
    }
    this.refreshTimer = this.timers.setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshToken().catch((error) => this.report(asSynclineError(error)));
    }, delay);
  }

  private clearRefresh(): void {
    if (this.refreshTimer !== undefined) this.timers.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private report(error: SynclineError): void {
    this.options.logger?.warn?.(`syncline: ${error.message}`, error);
    this.events.emit('error', error);
  }
}

function asSynclineError(error: unknown): SynclineError {
  return error instanceof SynclineError
    ? error
    : new SynclineError(ErrorCode.Unauthorized, 'token refresh failed', { cause: error });
}
