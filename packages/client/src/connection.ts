import {
  CloseCode,
  type Codec,
  codecFor,
  DEFAULTS,
  describeClose,
  ErrorCode,
  type EventMessage,
  FEATURE_EPHEMERAL_GROUPS,
  type Hello,
  jsonCodec,
  PROTOCOL_VERSION,
  type RoomResume,
  type ServerMessage,
  SUBPROTOCOL_JSON,
  SUBPROTOCOL_MSGPACK,
  type Welcome,
} from '@syncline/protocol';
import { type BackoffOptions, RetryTimer } from './backoff.js';
import type { CloseInfo, ConnectionState, ConnectionStatus } from './connection-state.js';
import { sameStatus } from './connection-state.js';
import { type Disposer, Emitter } from './emitter.js';
import {
  type BrowserGlobals,
  type Clock,
  type Logger,
  listen,
  type Provider,
  resolveProvider,
  type TimerHandle,
  type Timers,
  timerDelay,
  type WebSocketConstructor,
  type WebSocketLike,
} from './environment.js';
import { SynclineError } from './errors.js';
import type { FrameLog } from './frame-log.js';
import { Heartbeat } from './heartbeat.js';

export interface ConnectionOptions {
  url: Provider<string>;
  token: Provider<string>;
  WebSocket: WebSocketConstructor;
  codec: 'json' | 'msgpack';
  timers: Timers;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Browser window to watch for `online`/`offline`/`visibilitychange`; none in Node. */
  globals: BrowserGlobals | undefined;
  backoff: BackoffOptions;
  /** From the start of an attempt to `welcome`. */
  connectTimeoutMs: number;
  frames: FrameLog | undefined;
  /** Rooms to (re)enter through `hello`, asked for when each socket opens. */
  helloRooms(): RoomResume[];
  clientInfo?: Hello['client'];
}

export type ConnectionEvents = {
  state: [status: ConnectionStatus, previous: ConnectionStatus];
  /** The handshake completed; sending is possible from now on (before `state` says `open`). */
  welcome: [welcome: Welcome];
  /** Every message after `welcome` except heartbeats, batches already unpacked, in order. */
  message: [message: ServerMessage];
  /** A socket closed or was abandoned. `wasOpen`: it had completed the handshake. */
  disconnect: [info: CloseInfo & { wasOpen: boolean }];
  error: [error: SynclineError];
  rtt: [ms: number];
};

/** Close code for a socket that died without a close frame (network loss, refused connection). */
const ABNORMAL = 1006;
const ACTIVE = new Set<ConnectionState>(['connecting', 'open', 'reconnecting']);
const noop = () => {};

/**
 * One logical connection over successive WebSockets: the handshake (`hello` -> `welcome`), session
 * resume, the heartbeat, reconnection with backoff, and the browser's network and visibility events.
 * It knows nothing of rooms or replies: it hands every message to its `message` listeners.
 */
export class Connection {
  readonly events: Emitter<ConnectionEvents>;
  private current: ConnectionStatus = { state: 'idle', attempt: 0 };
  private ws: WebSocketLike | undefined;
  /** Bumped whenever the current attempt is abandoned, so its pending async steps know. */
  private generation = 0;
  private welcomed = false;
  private codec: Codec = jsonCodec;
  private payloadLimit: number = DEFAULTS.maxPayload;
  private session: { id: string; key: string; graceMs: number; closedAt?: number } | undefined;
  private unauthorizedRetried = false;
  private networkDown = false;
  private connectTimer: TimerHandle | undefined;
  private readonly retry: RetryTimer;
  private readonly heartbeat: Heartbeat;
  private readonly browserListeners: Disposer[] = [];

  constructor(private readonly options: ConnectionOptions) {
    this.events = new Emitter((error) => options.logger.error?.('syncline: listener failed', error));
    this.retry = new RetryTimer(() => this.attempt('reconnecting'), {
      ...options.backoff,
      random: options.random,
      timers: options.timers,
      clock: options.clock,
    });
    this.heartbeat = new Heartbeat({
      timers: options.timers,
      clock: options.clock,
      sendPing: (ts) => this.ws && this.write(this.ws, { type: 'ping', ts }),
      onTimeout: () => this.lost(CloseCode.HeartbeatTimeout.code, CloseCode.HeartbeatTimeout.reason),
      onRtt: (ms) => this.events.emit('rtt', ms),
    });
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** The largest frame the server takes, in bytes (its `welcome`'s `maxPayload`). */
  get maxPayload(): number {
    return this.payloadLimit;
  }

  /** Whether the handshake completed on the current socket, i.e. messages can be sent. */
  get ready(): boolean {
    return this.welcomed;
  }

  get rtt(): number | undefined {
    return this.heartbeat.rtt;
  }

  /** Starts connecting (from `idle` only). */
  connect(): void {
    if (this.current.state !== 'idle') return;
    this.listenToBrowser();
    this.attempt('connecting');
  }

  /** Drops the current socket, if any, forgets past tries and connects now. Works from `failed`. */
  reconnect(): void {
    if (this.current.state === 'closed') return;
    this.listenToBrowser();
    this.retry.reset();
    this.attempt('connecting');
  }

  /** Closes for good: socket, timers, browser listeners. */
  close(): void {
    if (this.current.state === 'closed') return;
    this.teardown(CloseCode.Normal.code, 'client closed');
    this.retry.reset();
    for (const dispose of this.browserListeners.splice(0)) dispose();
    this.setStatus({ state: 'closed', attempt: 0, lastClose: this.current.lastClose });
    this.events.clear();
  }

  /**
   * Sends one message on the open socket. `too_large`: over the server's `maxPayload` (sending it would
   * only get the socket closed); `not_open`: no completed handshake.
   */
  send(message: object): 'sent' | 'too_large' | 'not_open' {
    const ws = this.ws;
    if (!ws || !this.welcomed) return 'not_open';
    const frame = this.codec.encode(message);
    if (this.codec.byteLength(frame) > this.payloadLimit) return 'too_large';
    this.write(ws, message, frame);
    return 'sent';
  }

  // ---- attempts -----------------------------------------------------------------------------------

  private attempt(state: 'connecting' | 'reconnecting'): void {
    this.teardown(CloseCode.Normal.code, 'reconnecting');
    if (this.networkDown) {
      this.setStatus({ state: 'offline', attempt: this.retry.tries, lastClose: this.current.lastClose });
      return;
    }
    const generation = this.generation;
    this.setStatus({ state, attempt: this.retry.tries, lastClose: this.current.lastClose });
    this.connectTimer = this.options.timers.setTimeout(
      () => this.lost(CloseCode.HandshakeTimeout.code, 'connect timeout'),
      timerDelay(this.options.connectTimeoutMs),
    );
    void this.openSocket(generation);
  }

  private async openSocket(generation: number): Promise<void> {
    let url: string;
    let token: string;
    try {
      // Providers are called on every attempt, so a reconnect never uses a stale token.
      [url, token] = await Promise.all([
        resolveProvider(this.options.url),
        resolveProvider(this.options.token),
      ]);
    } catch (cause) {
      if (generation !== this.generation) return;
      this.report(new SynclineError(ErrorCode.Unavailable, 'the url or token provider failed', { cause }));
      this.lost(ABNORMAL, 'provider failed');
      return;
    }
    if (generation !== this.generation) return;
    const protocols =
      this.options.codec === 'msgpack' ? [SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON] : [SUBPROTOCOL_JSON];
    let ws: WebSocketLike;
    try {
      ws = new this.options.WebSocket(url, protocols);
    } catch (cause) {
      this.report(new SynclineError(ErrorCode.Unavailable, 'could not create the WebSocket', { cause }));
      this.lost(ABNORMAL, 'socket creation failed');
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    // Every handler first checks that its socket is still the current one: an old socket's late
    // events must not touch the new connection's state.
    ws.onopen = () => {
      if (ws === this.ws) this.sendHello(ws, token);
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (ws === this.ws) this.receive(ws, event.data);
    };
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (ws === this.ws) this.lost(event.code ?? ABNORMAL, event.reason ?? '');
    };
    ws.onerror = (event: unknown) => {
      if (ws === this.ws) this.options.logger.debug?.('syncline: socket error', event);
    };
  }

  private sendHello(ws: WebSocketLike, token: string): void {
    this.codec = codecFor(ws.protocol);
    const hello: Hello = { type: 'hello', v: PROTOCOL_VERSION, token, features: [FEATURE_EPHEMERAL_GROUPS] };
    const session = this.session;
    const resumable =
      session && (session.closedAt === undefined || this.now() - session.closedAt < session.graceMs);
    if (session && resumable) hello.session = { id: session.id, key: session.key };
    const rooms = this.options.helloRooms();
    // When resuming, `rooms` is sent even empty: absent, the server restores every room of the session
    // (PROTOCOL §6.3), including rooms left while offline; present, it is authoritative.
    if (rooms.length > 0 || hello.session) hello.rooms = rooms;
    if (this.options.clientInfo) hello.client = this.options.clientInfo;
    this.write(ws, hello);
  }

  private onWelcome(ws: WebSocketLike, welcome: Welcome): void {
    if (this.welcomed) return;
    this.clearConnectTimer();
    this.welcomed = true;
    this.retry.reset();
    this.unauthorizedRetried = false;
    this.session = { id: welcome.sessionId, key: welcome.resumeKey, graceMs: welcome.sessionGraceMs };
    this.payloadLimit = welcome.maxPayload ?? DEFAULTS.maxPayload;
    this.heartbeat.start(
      welcome.heartbeatMs ?? DEFAULTS.heartbeatMs,
      welcome.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    );
    // Listeners re-send what is pending before anyone is told the connection is open, so messages
    // sent from a `state` listener come after them.
    this.events.emit('welcome', welcome);
    if (ws === this.ws) this.setStatus({ state: 'open', attempt: 0 });
  }

  // ---- frames -------------------------------------------------------------------------------------

  private receive(ws: WebSocketLike, data: unknown): void {
    this.heartbeat.received();
    let frame: unknown;
    try {
      frame = this.codec.decode(data as string | ArrayBuffer | Uint8Array);
    } catch (cause) {
      this.report(new SynclineError(ErrorCode.Malformed, 'undecodable frame from the server', { cause }));
      return;
    }
    this.options.frames?.push({ dir: 'in', at: this.now(), frame });
    for (const message of unbatch(frame)) {
      if (ws !== this.ws) return; // a listener closed or replaced the socket
      this.handle(ws, message);
    }
  }

  private handle(ws: WebSocketLike, message: ServerMessage): void {
    switch (message.type) {
      case 'ping':
        this.write(ws, message.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: message.ts });
        return;
      case 'pong':
        this.heartbeat.pong(message.ts);
        return;
      case 'welcome':
        this.onWelcome(ws, message);
        return;
      default:
        this.events.emit('message', message);
    }
  }

  private write(ws: WebSocketLike, message: object, frame = this.codec.encode(message)): void {
    this.options.frames?.push({ dir: 'out', at: this.now(), frame: redact(message) });
    try {
      ws.send(frame);
    } catch (error) {
      // The socket is closing; its close event follows and whatever awaits a reply is re-sent.
      this.options.logger.debug?.('syncline: send failed', error);
    }
  }

  // ---- losing a socket ----------------------------------------------------------------------------

  /** The socket closed or is considered dead: decide between retrying, waiting for the network, failing. */
  private lost(code: number, reason: string): void {
    this.teardown(code, reason);
    if (this.current.state === 'closed') return; // a disconnect listener closed us
    const lastClose = { code, reason };
    if (this.networkDown) {
      this.retry.cancel();
      this.setStatus({ state: 'offline', attempt: this.retry.tries, lastClose });
      return;
    }
    const canRefreshToken = typeof this.options.token === 'function';
    if (code === CloseCode.Unauthorized.code && canRefreshToken && !this.unauthorizedRetried) {
      // The provider may have handed out a token that expired in between: one more try with a fresh one.
      this.unauthorizedRetried = true;
    } else if (!describeClose(code).reconnect) {
      this.setStatus({ state: 'failed', attempt: this.retry.tries, lastClose });
      return;
    }
    const hint = code === CloseCode.ServerRestarting.code ? restartDelay(reason) : 0;
    const nextRetryAt = this.retry.scheduleTimeout(hint);
    if (nextRetryAt === undefined) this.setStatus({ state: 'failed', attempt: this.retry.tries, lastClose });
    else this.setStatus({ state: 'reconnecting', attempt: this.retry.tries, nextRetryAt, lastClose });
  }

  /** Stops listening to the current socket and closes it; its late events are ignored from now on. */
  private teardown(code: number, reason: string): void {
    const ws = this.ws;
    const wasOpen = this.welcomed;
    this.ws = undefined;
    this.welcomed = false;
    this.generation++;
    this.clearConnectTimer();
    this.heartbeat.stop();
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = noop;
    ws.onerror = noop; // `ws` (Node) throws on an 'error' event nobody listens to
    if (ws.readyState < 2) {
      try {
        ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
      } catch {
        // already closing
      }
    }
    if (wasOpen && this.session) this.session.closedAt = this.now();
    this.events.emit('disconnect', { code, reason, wasOpen });
  }

  private clearConnectTimer(): void {
    if (this.connectTimer === undefined) return;
    this.options.timers.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  // ---- browser events -----------------------------------------------------------------------------

  private listenToBrowser(): void {
    const g = this.options.globals;
    if (!g || this.browserListeners.length > 0) return;
    this.networkDown = g.navigator?.onLine === false;
    this.browserListeners.push(
      listen(g, 'offline', () => this.wentOffline()),
      listen(g, 'online', () => this.cameOnline()),
    );
    const doc = g.document;
    if (doc) this.browserListeners.push(listen(doc, 'visibilitychange', () => this.visibilityChanged(doc)));
  }

  private wentOffline(): void {
    this.networkDown = true;
    if (!ACTIVE.has(this.current.state)) return;
    this.retry.cancel();
    this.lost(ABNORMAL, 'offline');
  }

  private cameOnline(): void {
    this.networkDown = false;
    if (this.current.state !== 'offline') return;
    this.retry.reset();
    this.attempt('reconnecting');
  }

  private visibilityChanged(doc: { visibilityState?: string }): void {
    if (doc.visibilityState !== 'visible') return;
    // Background tabs have their timers throttled: check the socket, or stop waiting for the next try.
    if (this.current.state === 'reconnecting' && this.retry.pending) this.retry.runNow();
    else if (this.current.state === 'open') this.heartbeat.pingNow();
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private setStatus(next: ConnectionStatus): void {
    const previous = this.current;
    if (sameStatus(previous, next)) return;
    this.current = next;
    this.options.logger.debug?.('syncline: state', next);
    this.events.emit('state', next, previous);
  }

  private report(error: SynclineError): void {
    this.options.logger.warn?.(`syncline: ${error.message}`, error.cause);
    this.events.emit('error', error);
  }

  private now(): number {
    return this.options.clock.now();
  }
}

/** The messages of a frame, in order: a `batch` is unpacked (recursively), anything else is one message. */
export function unbatch(frame: unknown, out: ServerMessage[] = []): ServerMessage[] {
  if (typeof frame !== 'object' || frame === null) return out;
  const m = frame as { type?: unknown; items?: unknown; room?: unknown; event?: unknown };
  if (m.type === 'batch' && Array.isArray(m.items)) {
    for (const item of m.items) unbatch(item, out);
  } else if (m.type === 'ephemeral') {
    ungroup(m, out);
  } else if (typeof m.type === 'string') {
    out.push(frame as ServerMessage);
  }
  return out;
}

/** The events an `ephemeral` group stands for (`items`: `from, ts, data` for each), in order. */
function ungroup(m: { items?: unknown; room?: unknown; event?: unknown }, out: ServerMessage[]): void {
  const { items, room, event: type } = m;
  if (!Array.isArray(items) || typeof room !== 'string' || typeof type !== 'string') return;
  for (let i = 0; i + 2 < items.length; i += 3) {
    const from = items[i];
    const e = { type, room, ts: items[i + 1], data: items[i + 2] } as EventMessage;
    if (typeof from === 'string') e.from = from;
    out.push(e);
  }
}

/** `restart:<ms>` in a 4008 close reason: the server's suggested delay before reconnecting. */
export function restartDelay(reason: string): number {
  const match = /^restart:(\d+)$/.exec(reason);
  return match ? Number(match[1]) : 0;
}

/** Tokens stay out of the debug frame log. */
function redact(message: object): object {
  return 'token' in message ? { ...message, token: '[redacted]' } : message;
}
