import {
  apply,
  checksum,
  conflictZoneWords,
  describeConflict,
  describeOp,
  emptyDocument,
  findConflicts,
  normalize,
  type Op,
  removedZone,
  transform,
  validateDocument,
  type Zone,
  type ZoneDocument,
} from '@syncline/doc';
import type {
  DocOpEventData,
  DocUserInfo,
  EventMessage,
  EventType,
  HistoryEntry,
  RoomState,
  Welcome,
  ZoneLock,
} from '@syncline/protocol';
import type { ClientEvents, EventHandler } from '../client.js';
import type { ConnectionState } from '../connection-state.js';
import { type Disposer, Emitter } from '../emitter.js';
import type { Timers } from '../environment.js';
import { SynclineError } from '../errors.js';
import type { SendOptions } from '../messenger.js';
import { DocumentClient, type OpenReply } from './document-client.js';
import { type DocTransport, docRoom } from './transport.js';
import type { DocumentClientOptions } from './types.js';

/**
 * An in-memory server for one document, following the sequencer's contract (`doc.open` with `since` ->
 * snapshot + missed ops, `doc.submit` -> transform from `v`, de-duplicate by opId, check locks and the
 * schema, commit, reply and broadcast; `doc.lock`/`doc.unlock`), and fake connections to it that stand
 * in for `SynclineClient` in tests. For tests only.
 *
 * Each connection has an uplink (requests) and a downlink (replies and room events), both in order. With
 * `auto`, both are delivered at once; otherwise the test delivers them step by step (`deliverUp`,
 * `deliverDown`), and can `disconnect()`/`reconnect()` in between.
 */
export interface FakeDocServerOptions {
  documentId?: string;
  doc?: ZoneDocument;
  ownerId?: string;
  /** Put the committed ops after `since` in `doc.open` replies (the extension the client asks for). Default true. */
  opsOnOpen?: boolean;
  /** Without ops, say in `doc.open` replies which of the caller's `opIds` were committed (`committed`). Default true. */
  committedOnOpen?: boolean;
  /** Refuse a submission (after transformation): return a nack, or null to accept. */
  refuse?: (submission: { userId: string; op: Op; opId: string }) => { code: string; message: string } | null;
  /** Whether the submitter gets the reply before the broadcast of its op. Default: yes. */
  replyFirst?: () => boolean;
  /** Broadcast `doc_checksum` every N commits (0: never). */
  checksumEvery?: number;
  lockTtlMs?: number;
  now?: () => number;
}

type RoomEvent = { seq: number; type: EventType; data: unknown };
type Pending = {
  id: number;
  method: string;
  data: unknown;
  replay: boolean;
  resolve(value: unknown): void;
  reject(error: SynclineError): void;
};
type Down =
  | { kind: 'reply'; id: number; result?: unknown; error?: SynclineError }
  | { kind: 'event'; room: string; event: RoomEvent }
  | { kind: 'reset'; room: string; seq: number };

export class FakeDocServer {
  readonly documentId: string;
  doc: ZoneDocument;
  readonly log: DocOpEventData[] = [];
  /** When each op of `log` was committed. */
  private readonly times: number[] = [];
  readonly locks = new Map<string, ZoneLock>();
  readonly connections: FakeConnection[] = [];
  /** Every `doc.open` request, in order. */
  readonly opens: { userId: string; data: Record<string, unknown> }[] = [];
  /** The names the document remembers (`doc.users` answers from it; tests fill it), and every request's ids. */
  readonly users = new Map<string, DocUserInfo>();
  readonly userRequests: string[][] = [];
  readonly options: FakeDocServerOptions;
  private readonly roomLog: RoomEvent[] = [];

  constructor(options: FakeDocServerOptions = {}) {
    this.options = options;
    this.documentId = options.documentId ?? 'd1';
    this.doc = options.doc ?? emptyDocument();
  }

  get version(): number {
    return this.log.length;
  }

  get room(): string {
    return docRoom(this.documentId);
  }

  /** A new connection of `userId` (open). */
  connect(userId: string, options: { auto?: boolean } = {}): FakeConnection {
    const conn = new FakeConnection(this, userId, options.auto ?? true);
    this.connections.push(conn);
    return conn;
  }

  /** Changes the server's document without any op (a bug, a restore): replicas now differ. */
  tamper(op: Op): void {
    this.doc = apply(this.doc, op);
  }

  /** Broadcasts the checksum of the current version. */
  sendChecksum(sum = checksum(this.doc)): void {
    this.publish('doc_checksum', { documentId: this.documentId, version: this.version, checksum: sum });
  }

  /** Broadcasts a committed op made by someone without a connection (a server-side job). */
  commit(op: Op, userId = 'server', opId = `srv:${this.version + 1}`): number {
    return this.submit(userId, { documentId: this.documentId, op, v: this.version, opId }).version;
  }

  eventsAfter(room: string, seq: number): RoomEvent[] {
    return room === this.room ? this.roomLog.filter((e) => e.seq > seq) : [];
  }

  roomSeq(room: string): number {
    return room === this.room ? this.roomLog.length : 0;
  }

  /** Handles one request; throws a `SynclineError` for a nack. */
  handle(conn: FakeConnection, method: string, data: Record<string, unknown>): unknown {
    if (data.documentId !== this.documentId) throw new SynclineError('forbidden', 'unknown document');
    switch (method) {
      case 'doc.open':
        return this.open(conn.userId, data);
      case 'doc.submit':
        return this.submit(
          conn.userId,
          data as { documentId: string; op: Op; v: number; opId: string },
          conn,
        );
      case 'doc.history':
        return this.history(data);
      case 'doc.users': {
        const ids = data.userIds as string[];
        this.userRequests.push(ids);
        return { users: ids.flatMap((id) => this.users.get(id) ?? []) };
      }
      case 'doc.lock':
        return this.lock(conn.userId, data.zoneId as string, data.renew === true);
      case 'doc.unlock':
        return this.unlock(conn.userId, data.zoneId as string, data.force === true);
      default:
        throw new SynclineError('unknown_method', `no method ${method}`);
    }
  }

  private open(userId: string, data: Record<string, unknown>): OpenReply {
    this.opens.push({ userId, data });
    const since = data.since;
    const withOps =
      this.options.opsOnOpen !== false &&
      typeof since === 'number' &&
      Number.isSafeInteger(since) &&
      since >= 0 &&
      since <= this.version;
    return {
      documentId: this.documentId,
      version: this.version,
      snapshot: this.doc,
      checksum: checksum(this.doc),
      locks: [...this.locks.values()],
      members: [],
      ...(this.options.ownerId ? { ownerId: this.options.ownerId } : {}),
      ...(withOps ? { ops: this.log.slice(since as number) } : {}),
      ...(!withOps && this.options.committedOnOpen !== false && Array.isArray(data.opIds)
        ? this.committedOf(userId, data.opIds)
        : {}),
    };
  }

  /** `committed` for a `doc.open` without ops: which of the caller's `opIds` were committed, and at what version. */
  private committedOf(userId: string, opIds: unknown[]): { committed?: { opId: string; version: number }[] } {
    const committed = this.log
      .filter((r) => r.userId === userId && opIds.includes(r.opId))
      .map((r) => ({ opId: r.opId, version: r.version }));
    return committed.length > 0 ? { committed } : {};
  }

  /** `doc.history` as the server answers it (from < version ≤ from + limit), times from `now`. */
  private history(data: Record<string, unknown>): { entries: HistoryEntry[] } {
    const from = Math.max(0, Math.floor(Number(data.from) || 0));
    const limit = Math.min(Math.max(1, Math.floor(Number(data.limit) || 100)), 1000);
    return {
      entries: this.log.slice(from, from + limit).map((r, i) => ({
        version: r.version,
        userId: r.userId,
        ts: this.times[from + i],
        opId: r.opId,
        kind: describeOp(r.op as Op).kind,
        zoneIds: r.zoneIds,
      })),
    };
  }

  private submit(
    userId: string,
    data: { documentId: string; op: Op; v: number; opId: string },
    conn?: FakeConnection,
  ): { version: number; noop?: true; duplicate?: true } {
    // As the sequencer, durably: an opId this user committed before is answered with its version.
    const dup = this.log.find((r) => r.userId === userId && r.opId === data.opId);
    if (dup) return { version: dup.version, duplicate: true };
    const { v, opId } = data;
    if (!Number.isSafeInteger(v) || v < 0 || v > this.version)
      throw new SynclineError('bad_version', `no version ${v}`);
    let op = normalize(data.op);
    for (const committed of this.log.slice(v)) {
      for (const c of findConflicts(op, committed.op as Op)) {
        // As the sequencer: the zone as it is now, else as the op that deleted it carried it.
        const words = conflictZoneWords(
          c.zoneId === null
            ? undefined
            : Object.hasOwn(this.doc.zones, c.zoneId)
              ? this.doc.zones[c.zoneId]
              : removedZone(committed.op as Op, c.zoneId),
        );
        this.toUser(userId, 'conflict', {
          documentId: this.documentId,
          zoneId: c.zoneId,
          kind: c.kind,
          byUserId: committed.userId,
          ...words,
          opId,
          message: describeConflict({
            kind: c.kind,
            origin: 'server',
            by: committed.userId,
            zoneId: c.zoneId,
            ...words,
          }),
        });
      }
      op = transform(op, committed.op as Op, 'left');
    }
    // As the sequencer: an op transformed to nothing is not committed; the reply names the current version.
    if (op === null) return { version: this.version, noop: true };
    const refusal = this.options.refuse?.({ userId, op, opId });
    if (refusal) throw new SynclineError(refusal.code, refusal.message);
    const { zoneIds, kind } = describeOp(op);
    const now = this.now();
    for (const zoneId of zoneIds) {
      const lock = this.locks.get(zoneId);
      if (lock && lock.userId !== userId && lock.expiresAt > now)
        throw new SynclineError('zone_locked', `zone ${zoneId} is locked by ${lock.userId}`);
    }
    let next: ZoneDocument;
    try {
      next = apply(this.doc, op);
    } catch (e) {
      throw new SynclineError('invalid', `op does not apply: ${(e as Error).message}`);
    }
    const problems = validateDocument(next, { zoneIds });
    if (problems.length > 0) throw new SynclineError('invalid', problems.join('; '));
    this.doc = next;
    const record: DocOpEventData = {
      documentId: this.documentId,
      version: this.version + 1,
      op,
      opId,
      userId,
      zoneIds,
    };
    this.log.push(record);
    this.times.push(this.options.now?.() ?? Date.now());
    const type: EventType =
      zoneIds.length === 1 &&
      (kind === 'zone_create' || kind === 'zone_update' || kind === 'zone_edit' || kind === 'zone_delete')
        ? kind
        : 'doc_op';
    const replyFirst = this.options.replyFirst?.() ?? true;
    const reply = { version: record.version };
    if (conn && replyFirst) conn.replyNow(reply);
    this.publish(type, record);
    if (conn && !replyFirst) conn.replyNow(reply);
    const every = this.options.checksumEvery ?? 0;
    if (every > 0 && record.version % every === 0) this.sendChecksum();
    return reply;
  }

  private lock(userId: string, zoneId: string, renew: boolean): ZoneLock {
    const now = this.now();
    const held = this.locks.get(zoneId);
    if (held && held.userId !== userId && held.expiresAt > now)
      throw new SynclineError('zone_locked', `zone ${zoneId} is locked by ${held.userId}`);
    // As the server: a renewal extends a lock still in force, and never makes one.
    if (renew && !(held && held.expiresAt > now))
      throw new SynclineError('not_found', `no lock of yours on zone ${zoneId} to renew: it ended`);
    const lock: ZoneLock = { zoneId, userId, expiresAt: now + (this.options.lockTtlMs ?? 30_000) };
    this.locks.set(zoneId, lock);
    this.publish('zone_lock', { documentId: this.documentId, ...lock });
    return lock;
  }

  private unlock(userId: string, zoneId: string, force: boolean): Record<string, never> {
    const held = this.locks.get(zoneId);
    if (!held) return {};
    if (held.userId !== userId && !(force && userId === this.options.ownerId))
      throw new SynclineError('forbidden', 'not your lock');
    this.locks.delete(zoneId);
    const mine = held.userId === userId;
    this.publish('zone_unlock', {
      documentId: this.documentId,
      zoneId,
      userId: held.userId,
      reason: mine ? 'released' : 'forced',
      // As the sequencer: who forced it (which adds their token name, `byUserName`: connections here have none).
      ...(mine ? {} : { byUserId: userId }),
    });
    return {};
  }

  /** Expires a lock now (as the server's lease would), with its `zone_unlock`. */
  expireLock(zoneId: string): void {
    const held = this.locks.get(zoneId);
    if (!held) return;
    this.locks.delete(zoneId);
    this.publish('zone_unlock', {
      documentId: this.documentId,
      zoneId,
      userId: held.userId,
      reason: 'expired',
    });
  }

  private publish(type: EventType, data: unknown): void {
    const event: RoomEvent = { seq: this.roomLog.length + 1, type, data };
    this.roomLog.push(event);
    for (const conn of this.connections) conn.push({ kind: 'event', room: this.room, event });
  }

  private toUser(userId: string, type: EventType, data: unknown): void {
    for (const conn of this.connections) {
      if (conn.userId === userId)
        conn.push({ kind: 'event', room: `user:${userId}`, event: { seq: 0, type, data } });
    }
  }

  /** The server's clock (`options.now`, else `Date.now()`). */
  now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

export class FakeConnection implements DocTransport {
  state: ConnectionState = 'open';
  /** Every request made, in order (for assertions). */
  readonly requests: { method: string; data: Record<string, unknown> }[] = [];
  readonly uplink: Pending[] = [];
  readonly downlink: Down[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Requests to re-send after the reconnect (`replay`). */
  private outbox: Pending[] = [];
  private readonly clientEvents = new Emitter<ClientEvents>();
  private readonly roomEvents = new Emitter<Record<string, [unknown, EventMessage]>>();
  /** Joined rooms, with the last seq delivered. */
  private readonly rooms = new Map<string, number>();
  private nextId = 1;
  private draining = false;
  private scheduled = false;
  /** Replies made, by request id: what the real server answers a request re-sent after a reconnect. */
  private readonly answered = new Map<number, Down>();
  /** The request being handled: its reply is queued by `replyNow`. */
  private handling: Pending | null = null;
  private replied = false;

  constructor(
    readonly server: FakeDocServer,
    readonly userId: string,
    /** Deliver everything as soon as it is sent. */
    public auto: boolean,
  ) {}

  // ---- DocTransport ------------------------------------------------------------------------------

  serverNow(): number {
    return this.server.now();
  }

  request<T = unknown>(method: string, data?: unknown, options: SendOptions = {}): Promise<T> {
    this.requests.push({ method, data: data as Record<string, unknown> });
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        method,
        data,
        replay: options.replay ?? true,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (this.state !== 'open') {
        if (p.replay) this.outbox.push(p);
        else resolve(undefined as T);
        return;
      }
      this.pending.set(p.id, p);
      this.uplink.push(p);
      this.pump();
    });
  }

  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): Disposer {
    return this.roomEvents.on(type, handler as (data: unknown, event: EventMessage) => void);
  }

  async join(room: string): Promise<RoomState> {
    if (!this.rooms.has(room)) this.rooms.set(room, this.server.roomSeq(room));
    return { room, seq: this.rooms.get(room) ?? 0, status: 'fresh' };
  }

  async leave(room: string): Promise<void> {
    this.rooms.delete(room);
  }

  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): Disposer {
    return this.clientEvents.on(name, listener);
  }

  // ---- the network -------------------------------------------------------------------------------

  /** Listeners registered by the code under test (room events and client events). */
  get listenerCount(): number {
    let n = 0;
    for (const type of [
      'zone_create',
      'zone_update',
      'zone_edit',
      'zone_delete',
      'doc_op',
      'zone_lock',
    ] as const)
      if (this.roomEvents.has(type)) n++;
    for (const name of ['welcome', 'state', 'reset'] as const) if (this.clientEvents.has(name)) n++;
    return n;
  }

  joined(room: string): boolean {
    return this.rooms.has(room);
  }

  /** The server handles the next request. Returns false when there is none. */
  deliverUp(): boolean {
    const p = this.uplink.shift();
    if (!p) return false;
    this.handling = p;
    this.replied = false;
    let result: unknown;
    let error: SynclineError | undefined;
    try {
      result = this.server.handle(this, p.method, p.data as Record<string, unknown>);
    } catch (e) {
      error = e instanceof SynclineError ? e : new SynclineError('internal', String(e));
    }
    if (!this.replied)
      this.push(error ? { kind: 'reply', id: p.id, error } : { kind: 'reply', id: p.id, result });
    this.handling = null;
    return true;
  }

  /** Called by the server to reply to the request being handled before it broadcasts. */
  replyNow(result: unknown): void {
    if (!this.handling || this.replied) return;
    this.replied = true;
    this.push({ kind: 'reply', id: this.handling.id, result });
  }

  /** The client receives the next reply or event. Returns false when there is none. */
  deliverDown(): boolean {
    const d = this.downlink.shift();
    if (!d) return false;
    if (d.kind === 'reply') {
      const p = this.pending.get(d.id);
      if (!p) return true;
      this.pending.delete(d.id);
      if (d.error) p.reject(d.error);
      else p.resolve(d.result);
    } else if (d.kind === 'reset') {
      this.rooms.set(d.room, d.seq);
      this.clientEvents.emit('reset', { type: 'reset', room: d.room, seq: d.seq, reason: 'retention' });
    } else {
      const { room, event } = d;
      if (!room.startsWith('user:')) {
        const last = this.rooms.get(room);
        if (last === undefined || event.seq <= last) return true; // not joined, or already seen
        this.rooms.set(room, event.seq);
      }
      const message = { type: event.type, room, seq: event.seq, ts: 0, data: event.data } as EventMessage;
      this.roomEvents.emit(event.type, event.data, message);
    }
    return true;
  }

  /** Whether anything is waiting in either direction. */
  get busy(): boolean {
    return this.uplink.length > 0 || this.downlink.length > 0;
  }

  push(d: Down): void {
    if (d.kind === 'reply') this.answered.set(d.id, d);
    if (this.state !== 'open') return;
    this.downlink.push(d);
    this.pump();
  }

  /** The socket drops: what was on the wire is lost; requests without replay resolve `undefined`. */
  disconnect(): void {
    if (this.state !== 'open') return;
    this.state = 'reconnecting';
    this.uplink.length = 0;
    this.downlink.length = 0;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      if (p.replay) this.outbox.push(p);
      else p.resolve(undefined);
    }
    this.clientEvents.emit('disconnect', { code: 1006, reason: '', wasOpen: true });
    this.clientEvents.emit('state', { state: 'reconnecting', attempt: 1 }, { state: 'open', attempt: 0 });
  }

  /**
   * Reconnects: re-sends queued requests, then `welcome`, then the missed room events (or a `reset`).
   * `storedReplies`: a re-sent request the server had answered before the socket dropped gets that answer again
   * (the real server's de-duplication), after the welcome and the resets, instead of being handled anew.
   */
  reconnect(options: { reset?: boolean; storedReplies?: boolean } = {}): void {
    if (this.state === 'open') return;
    this.state = 'open';
    const queued = this.outbox;
    this.outbox = [];
    const stored: Down[] = [];
    for (const p of queued) {
      this.pending.set(p.id, p);
      const reply = options.storedReplies ? this.answered.get(p.id) : undefined;
      if (reply) stored.push(reply);
      else this.uplink.push(p);
    }
    this.clientEvents.emit('state', { state: 'open', attempt: 0 }, { state: 'reconnecting', attempt: 1 });
    const rooms: RoomState[] = [...this.rooms].map(([room, seq]) => ({
      room,
      seq,
      status: options.reset ? 'reset' : 'resumed',
    }));
    const welcome: Welcome = {
      type: 'welcome',
      v: 1,
      sessionId: 's',
      resumeKey: 'k',
      resumed: true,
      userId: this.userId,
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      maxPayload: 1 << 20,
      sessionGraceMs: 120_000,
      rooms,
      serverTime: 0,
    };
    this.clientEvents.emit('welcome', welcome);
    for (const [room, seq] of this.rooms) {
      if (options.reset) this.push({ kind: 'reset', room, seq: this.server.roomSeq(room) });
      else for (const event of this.server.eventsAfter(room, seq)) this.push({ kind: 'event', room, event });
    }
    for (const reply of stored) this.push(reply);
    this.pump();
  }

  /**
   * In `auto` mode, delivers everything queued, in order, in a microtask: never inside the caller's
   * `request()` (a real socket never answers synchronously either).
   */
  private pump(): void {
    if (!this.auto || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Delivers everything queued, in order. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.deliverUp() || this.deliverDown()) {
        // until both directions are empty
      }
    } finally {
      this.draining = false;
    }
  }
}

// ---- test helpers ---------------------------------------------------------------------------------

export const zone = (id: string, text = '', extra: Partial<Zone> = {}): Zone => ({
  id,
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text,
  updatedBy: 'ocr',
  updatedAt: 0,
  ...extra,
});

export const docOf = (...zones: Zone[]): ZoneDocument => ({
  meta: {},
  zones: Object.fromEntries(zones.map((z) => [z.id, z])),
});

/**
 * Delivers everything on every open connection until all is quiet; `tick` lets promise callbacks run
 * (e.g. `() => new Promise((r) => setImmediate(r))`).
 */
export async function quiesce(conns: FakeConnection[], tick: () => Promise<void>, max = 500): Promise<void> {
  for (let i = 0; i < max; i++) {
    await tick();
    for (const c of conns) if (c.state === 'open') c.drain();
    await tick();
    if (conns.every((c) => c.state !== 'open' || !c.busy)) return;
  }
  throw new Error('the network did not quiesce');
}

/** A server with `z1: 'hello'` and `z2: 'world'` (by default), and a way to open clients on it. */
export function world(options: FakeDocServerOptions = {}) {
  const server = new FakeDocServer({ doc: docOf(zone('z1', 'hello'), zone('z2', 'world')), ...options });
  const clients: DocumentClient[] = [];
  const open = (userId: string, opts: DocumentClientOptions & { auto?: boolean } = {}) => {
    const { auto, ...rest } = opts;
    const conn = server.connect(userId, { auto: auto ?? true });
    const doc = new DocumentClient(conn, server.documentId, rest);
    clients.push(doc);
    return { conn, doc };
  };
  return { server, open, clients };
}

/** Timers run by hand: `delays` lists what was asked for, `run()` fires what is due now. */
export function manualTimers() {
  const due = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      delays.push(ms ?? 0);
      due.set(++next, fn);
      return next;
    },
    clearTimeout: (handle) => due.delete(handle as number),
  };
  const run = () => {
    const fns = [...due.values()];
    due.clear();
    for (const fn of fns) fn();
  };
  return { timers, delays, due, run };
}

/** Makes `conn` fail requests of `method` with the codes in `codes`, in turn (then pass them on); returns their data. */
export function failRequests(conn: FakeConnection, method: string, codes: string[]) {
  const request = conn.request.bind(conn);
  const seen: Record<string, unknown>[] = [];
  conn.request = ((m: string, data?: unknown, options?: object) => {
    if (m === method) seen.push(data as Record<string, unknown>);
    const code = m === method ? codes.shift() : undefined;
    return code ? Promise.reject(new SynclineError(code, code)) : request(m, data, options);
  }) as typeof conn.request;
  return seen;
}
