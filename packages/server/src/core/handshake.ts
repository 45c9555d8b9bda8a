import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CloseCode,
  type Encoded,
  ErrorCode,
  FEATURE_EPHEMERAL_GROUPS,
  type Hello,
  PROTOCOL_VERSION,
  type RoomState,
  type Welcome,
} from '@syncline/protocol';
import { SESSION_TAKEN, type SessionRecord } from '../broker/broker.js';
import type { Connection } from './connection.js';
import { SynclineError } from './errors.js';
import type { Hub } from './hub.js';
import type { Identity } from './identity.js';
import { autoRooms, type EnterRequest, enterRoom, leaveRoom } from './membership.js';
import { Session } from './session.js';
import { SmallSet } from './small-set.js';
import { Subscription } from './subscription.js';

const randomId = (bytes: number) => randomBytes(bytes).toString('base64url');

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `hello`: check the version, authenticate, attach or resume a session, enter the rooms the client
 * names (and the automatic ones), answer `welcome`, then replay what the client missed.
 */
export async function handleHello(hub: Hub, conn: Connection, hello: Hello): Promise<void> {
  if (hello.v !== PROTOCOL_VERSION) {
    conn.error(
      ErrorCode.Invalid,
      `protocol version ${hello.v} is not supported; this server speaks ${PROTOCOL_VERSION}`,
    );
    conn.close(CloseCode.UnsupportedVersion);
    return;
  }
  let identity: Identity;
  try {
    identity = await hub.authenticate(hello.token, conn.info);
  } catch (err) {
    const expired = err instanceof SynclineError && err.code === ErrorCode.TokenExpired;
    const message = err instanceof SynclineError ? err.message : 'invalid token';
    conn.error(expired ? ErrorCode.TokenExpired : ErrorCode.Unauthorized, message);
    conn.close(expired ? CloseCode.TokenExpired : CloseCode.Unauthorized);
    return;
  }
  if (conn.state !== 'authenticating') return;
  hub.pending.delete(conn);
  conn.ephemeralGroups = hello.features?.includes(FEATURE_EPHEMERAL_GROUPS) === true;

  let session: Session | undefined;
  /** The rooms a session taken back from another node was in there (they replace what this node remembers). */
  let taken: SessionRecord['rooms'] | undefined;
  if (hello.session) {
    const s = hub.sessions.get(hello.session.id);
    const ours = s && s.userId === identity.userId && sameKey(s.key, hello.session.key);
    if (ours && !hub.isMoved(s)) session = s;
    else if ((!s || ours) && hub.broker.distributed) {
      // A session another node made or took over (its client reconnected through the balancer to this node).
      const adopted = await adoptSession(hub, hello.session, identity);
      if (conn.state !== 'authenticating') return;
      session = adopted?.session;
      taken = adopted?.rooms;
    }
  }
  const max = hub.limits.maxConnectionsPerUser;
  const replaced = session?.conn ? 1 : 0; // a resume replaces the session's old socket
  if (max > 0 && (hub.userConnections.get(identity.userId)?.size ?? 0) - replaced >= max) {
    conn.error(ErrorCode.RateLimited, `at most ${max} connections per user`);
    conn.close(CloseCode.TooManyConnections);
    return;
  }
  const resumed = session !== undefined;
  hub.stats.bump(hub.stats.resumes, resumed ? 'resumed' : hello.session ? 'expired' : 'new');
  if (!session) {
    session = new Session(randomId(12), randomId(24), identity, hub.limits.dedupWindow);
    hub.addSession(session);
  }
  if (session.conn && session.conn !== conn) {
    const old = session.conn;
    hub.detach(session, true);
    old.close(CloseCode.SessionTakenOver);
  }
  session.identity = identity;
  session.conn = conn;
  session.detachedAt = 0;
  conn.session = session;
  hub.connections.add(conn);
  let mine = hub.userConnections.get(identity.userId);
  if (!mine) hub.userConnections.set(identity.userId, (mine = new SmallSet()));
  mine.add(conn);

  const wanted = new Map<string, EnterRequest>();
  for (const room of autoRooms(identity.userId)) wanted.set(room, { room, mode: 'subscribe' });
  for (const r of hello.rooms ?? []) {
    wanted.set(r.room, { room: r.room, mode: r.mode ?? 'subscribe', types: r.types, since: r.since });
  }
  // A resumed session keeps its rooms. When the client lists its rooms, the list is authoritative:
  // rooms it no longer names (left while offline) are left; without a list, every room is restored. A session
  // taken back from another node was last in the rooms that node saved, at the positions it saved.
  const before: SessionRecord['rooms'] = taken ?? [];
  if (!taken) {
    for (const [room, sub] of session.subs) {
      before.push({
        room,
        mode: sub.mode,
        types: sub.types ? [...sub.types] : undefined,
        sentSeq: sub.sentSeq,
      });
    }
  }
  for (const r of before) {
    const w = wanted.get(r.room);
    if (w) {
      if (w.since === undefined) w.since = r.sentSeq;
    } else if (hello.rooms === undefined || autoRooms(identity.userId).includes(r.room)) {
      wanted.set(r.room, { room: r.room, mode: r.mode, types: r.types, since: r.sentSeq });
    }
  }
  for (const [name] of [...session.subs]) if (!wanted.has(name)) leaveRoom(hub, session, name);

  const rooms: RoomState[] = [];
  const replays: Subscription[] = [];
  for (const req of wanted.values()) {
    try {
      const entered = await enterRoom(hub, session, req);
      rooms.push(entered.state);
      if (entered.replay) replays.push(entered.sub);
    } catch (err) {
      const code = err instanceof SynclineError ? err.code : ErrorCode.Internal;
      const message = err instanceof SynclineError ? err.message : 'could not enter room';
      if (!(err instanceof SynclineError)) hub.log.error({ err, room: req.room }, 'entering room failed');
      rooms.push({ room: req.room, seq: 0, status: 'refused', code, message });
    }
    if (conn.state !== 'authenticating' || session.conn !== conn) return;
  }
  // A session resumed within the presence grace is present still: only its number of connections changed.
  if (session.present) hub.presence.connectionsChanged(session);
  else hub.presence.setPresent(session, true);

  const L = hub.limits;
  const welcome: Welcome = {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    sessionId: session.id,
    resumeKey: session.key,
    resumed,
    userId: identity.userId,
    heartbeatMs: L.heartbeatMs,
    heartbeatTimeoutMs: L.heartbeatTimeoutMs,
    maxPayload: L.maxPayload,
    sessionGraceMs: L.sessionGraceMs,
    rooms,
    serverTime: hub.clock.now(),
  };
  if (identity.exp !== undefined) welcome.tokenExp = identity.exp;
  conn.send(welcome);
  conn.state = 'open';
  hub.saveSession(session, true);
  for (const fn of hub.onWelcome) fn(conn);
  hub.flusher.markDirty(conn);
  for (const sub of replays) void hub.catchUp(sub);
  for (const state of rooms)
    if (state.status !== 'refused') for (const fn of hub.onEntered) fn(session, state.room);
  const inbox = conn.inbox ?? [];
  conn.inbox = null;
  for (const frame of inbox) hub.receive(conn, frame as Encoded, typeof frame !== 'string');
}

/**
 * Rebuilds a session saved by another node when the resume key matches: the same id and key, its rooms (entered
 * again from the client's `since`, or the saved position when the client names none). The de-duplication window of
 * message ids stays on the node that had it; logged publishes are still applied once (the log's dedup keys).
 */
async function adoptSession(
  hub: Hub,
  wanted: { id: string; key: string },
  identity: Identity,
): Promise<{ session: Session; rooms?: SessionRecord['rooms'] } | undefined> {
  let record: SessionRecord | null;
  try {
    record = await hub.broker.loadSession(wanted.id);
  } catch (err) {
    hub.log.warn({ err: String(err) }, 'reading a session from the broker failed');
    return undefined;
  }
  if (!record || record.userId !== identity.userId || !sameKey(record.key, wanted.key)) return undefined;
  const existing = hub.sessions.get(record.id);
  if (existing) {
    if (existing.userId !== identity.userId) return undefined;
    if (!hub.isMoved(existing)) return { session: existing }; // attached here meanwhile (another hello)
    // Ours once, taken over by another node since: ours again, in the rooms and at the positions that node saved.
    hub.takeBack(existing);
    if (record.node === hub.broker.nodeId) return { session: existing }; // its new node never saved it
    hub.broker.broadcast(SESSION_TAKEN, { id: record.id });
    return { session: existing, rooms: record.rooms };
  }
  // Taken over from the node that has it: that node closes the socket it may still have (a half-open one) with 4011.
  if (record.node !== undefined && record.node !== hub.broker.nodeId) {
    hub.broker.broadcast(SESSION_TAKEN, { id: record.id });
  }
  const session = new Session(record.id, record.key, identity, hub.limits.dedupWindow);
  hub.addSession(session);
  for (const r of record.rooms) {
    const room = hub.room(r.room);
    const sub = new Subscription(session, room, r.mode, r.types ? new Set(r.types) : null);
    sub.sentSeq = r.sentSeq;
    session.subs.set(r.room, sub);
  }
  // Detached until attached below: presence is added for its joined rooms when it goes present.
  session.detachedAt = hub.clock.now();
  return { session };
}
