import {
  ErrorCode,
  isValidRoom,
  type RoomState,
  roomId,
  roomKind,
  SYSTEM_ROOM,
  userRoom,
} from '@syncline/protocol';
import { SynclineError } from './errors.js';
import type { Hub } from './hub.js';
import { type Identity, isAdmin } from './identity.js';
import type { Session } from './session.js';
import { type RoomMode, Subscription } from './subscription.js';

export interface EnterRequest {
  room: string;
  mode: RoomMode;
  types?: readonly string[];
  since?: number;
}

export interface Entered {
  state: RoomState;
  sub: Subscription;
  /** Whether missed events must be replayed (call `hub.catchUp(sub)` once the reply is queued). */
  replay: boolean;
}

/** Rooms every connection is in without asking: its user's private room and `system`. */
export const autoRooms = (userId: string): string[] => [userRoom(userId), SYSTEM_ROOM];

/**
 * The default room policy, before the app's `onJoin` hooks: `user:<id>` only for that user (or an admin),
 * `user:` and `system` rooms only without presence, every other room open to authenticated users.
 */
async function authorize(hub: Hub, session: Session, room: string, mode: RoomMode): Promise<void> {
  return authorizeRoom(hub, session.identity, room, mode);
}

/**
 * The room policy and the app's `onJoin` hooks for `user` entering `room`, without a session (an HTTP route that
 * acts on a room's document, as making a blank document does): throws `forbidden` when refused.
 */
export async function authorizeRoom(hub: Hub, user: Identity, room: string, mode: RoomMode): Promise<void> {
  const kind = roomKind(room);
  if (kind === 'user' && roomId(room) !== user.userId && !isAdmin(user)) {
    throw new SynclineError(ErrorCode.Forbidden, `${room} is another user's private room`);
  }
  if ((kind === 'user' || kind === 'system') && mode === 'join') {
    throw new SynclineError(ErrorCode.Forbidden, `${kind} rooms can be subscribed to, not joined`);
  }
  for (const e of hub.extensions) {
    if (!e.onJoin) continue;
    const ok = await e.onJoin({ user, room, mode });
    if (ok === false) throw new SynclineError(ErrorCode.Forbidden, `not allowed to ${mode} ${room}`);
  }
}

/** Enters (or updates) a session's membership of a room and works out what the client missed. */
export async function enterRoom(hub: Hub, session: Session, req: EnterRequest): Promise<Entered> {
  const { room: name, mode } = req;
  if (!isValidRoom(name))
    throw new SynclineError(ErrorCode.InvalidRoom, `invalid room name "${String(name).slice(0, 64)}"`);
  await authorize(hub, session, name, mode);
  const room = hub.room(name);
  await room.load();
  const types = req.types ? new Set(req.types) : null;
  let sub = session.subs.get(name);
  const existing = sub !== undefined;
  if (!sub) {
    sub = new Subscription(session, room, mode, types);
    sub.sentSeq = room.lastSeq;
    session.subs.set(name, sub);
    if (mode === 'join' && session.present) hub.presence.change(session, name, 1);
  } else {
    // The hub unloads idle rooms, including ones a detached session is still in: follow the live one.
    sub.room = room;
    sub.types = types;
    if (mode === 'join' && sub.mode === 'subscribe') {
      sub.mode = 'join';
      if (session.present) hub.presence.change(session, name, 1);
    }
  }
  const attached = session.conn !== null && room.subs.has(sub);
  if (session.conn) room.subs.add(sub);
  const since = req.since;
  if (since === undefined) {
    // Fresh entry, or a re-attach without a position: continue from what this session was sent.
    const replay = existing && !attached && sub.sentSeq < room.lastSeq;
    if (replay) sub.catchingUp = true;
    return {
      state: { room: name, seq: room.lastSeq, status: existing && !attached ? 'resumed' : 'fresh' },
      sub,
      replay,
    };
  }
  if (attached && !sub.catchingUp && since >= sub.sentSeq) {
    // Already live and ahead of the client's position: nothing to replay.
    return { state: { room: name, seq: room.lastSeq, status: 'resumed' }, sub, replay: false };
  }
  // A replay still running (a read in flight) would carry on from its own position, past `since`: stop it.
  sub.replay++;
  sub.dropBatch();
  sub.sentSeq = since;
  if (since === room.lastSeq) {
    sub.catchingUp = false;
    return { state: { room: name, seq: room.lastSeq, status: 'resumed' }, sub, replay: false };
  }
  sub.catchingUp = true;
  // With several nodes this node may be a moment behind the shared log (a gap being filled): the log decides.
  const last =
    since > room.lastSeq && hub.broker.distributed
      ? Math.max(room.lastSeq, await hub.store.lastSeq(name))
      : room.lastSeq;
  if (since > last) return { state: { room: name, seq: room.lastSeq, status: 'reset' }, sub, replay: true };
  const head = await hub.store.read(name, since, 1);
  const status = head.firstSeq > since + 1 ? 'reset' : 'resumed';
  return { state: { room: name, seq: room.lastSeq, status }, sub, replay: true };
}

/** Ends a session's membership of a room. Returns false when it was not a member. */
export function leaveRoom(hub: Hub, session: Session, name: string): boolean {
  const sub = session.subs.get(name);
  if (!sub) return false;
  session.subs.delete(name);
  sub.room.subs.delete(sub);
  sub.dropBatch();
  sub.catchingUp = false;
  if (sub.mode === 'join' && session.present) hub.presence.change(session, name, -1);
  return true;
}
