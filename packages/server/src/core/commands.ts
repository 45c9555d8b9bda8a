import { jsonValueProblem } from '@syncline/doc';
import {
  type BatchableClientMessage,
  docRoom,
  ErrorCode,
  EVENTS,
  isLogged,
  jsonCodec,
  parseEventData,
  type ServerMessage,
  SYSTEM_ROOM,
} from '@syncline/protocol';
import { SynclineError } from './errors.js';
import { type Hub, nack } from './hub.js';
import { isAdmin } from './identity.js';
import { authorizeRoom, autoRooms, enterRoom, leaveRoom } from './membership.js';
import { encodedOrNull } from './out-message.js';
import type { Session } from './session.js';

/** Events whose data carries the sender's user id (set by the server, never trusted from the client). */
const OWNS_USER_ID = new Set(
  Object.entries(EVENTS)
    .filter(([, spec]) => 'shape' in spec.schema && 'userId' in (spec.schema as { shape: object }).shape)
    .map(([type]) => type),
);

const roomOf = (msg: { room?: string; documentId?: string }): string => msg.room ?? docRoom(msg.documentId!);

/**
 * Deepest nesting accepted in published data (objects and arrays, measured by `nestsDeeperThan`, as a document's
 * `meta` is against `MAX_META_DEPTH`): much deeper overflows the encoders' stack (JSON, MessagePack).
 */
export const MAX_DATA_DEPTH = 100;

/**
 * Why published data cannot be sent alike to every subscriber, or null: it must be plain JSON (`jsonValueProblem`),
 * nested at most `MAX_DATA_DEPTH` levels. A MessagePack big integer JSON cannot write; a timestamp or binary data JSON
 * subscribers would read as something else; nesting past the limit overflows the encoders. Checked before the event
 * is stored or fanned out: encoding fails only later, in the store (failing the turn's other publishes to the room)
 * or in the flush (outside any handler).
 */
function unencodable(value: unknown): string | null {
  const p = jsonValueProblem(value, MAX_DATA_DEPTH);
  return p === null ? null : `data: ${p}`;
}

/** Carries out one validated, de-duplicated, rate-checked client message. */
export async function handleCommand(hub: Hub, session: Session, msg: BatchableClientMessage): Promise<void> {
  const conn = session.conn;
  switch (msg.type) {
    case 'ping':
      conn?.send(msg.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: msg.ts });
      return;
    case 'pong':
      if (conn && msg.ts !== undefined) {
        const rtt = hub.clock.now() - msg.ts;
        if (rtt >= 0 && rtt < 600_000) {
          conn.rtt = rtt;
          hub.stats.sampleRtt(rtt);
        }
      }
      return;
    case 'auth': {
      let identity: Awaited<ReturnType<Hub['authenticate']>>;
      try {
        identity = await hub.authenticate(msg.token, conn?.info ?? { ip: '' });
      } catch (err) {
        const code = err instanceof SynclineError ? err.code : ErrorCode.Unauthorized;
        hub.replyTo(
          session,
          msg.id,
          // As at hello: a refusal says why; any other failure (an app's authenticate hook that threw) is not the
          // client's to read.
          nack(msg.id, code, err instanceof SynclineError ? err.message : 'invalid token'),
        );
        return;
      }
      if (identity.userId !== session.userId) {
        hub.replyTo(
          session,
          msg.id,
          nack(msg.id, ErrorCode.Forbidden, 'a refreshed token must be for the same user'),
        );
        return;
      }
      session.identity = identity;
      // The new token may say less (a role taken away): every room is authorized again (the policy and the app's
      // join hooks, as on entering it), and a room now refused is left, named in the answer. A hook that fails
      // otherwise (its own bug, a database away) leaves the room as it was: it was allowed, and is checked again at
      // the next refresh or entry.
      const left: { room: string; code: string; message: string }[] = [];
      const own = autoRooms(identity.userId);
      for (const [name, sub] of [...session.subs]) {
        if (own.includes(name)) continue;
        try {
          await authorizeRoom(hub, identity, name, sub.mode);
        } catch (err) {
          if (!(err instanceof SynclineError)) {
            hub.log.error({ err, room: name }, 'authorizing a room again after a token refresh failed');
            continue;
          }
          if (session.subs.get(name) !== sub) continue;
          leaveRoom(hub, session, name);
          left.push({ room: name, code: err.code, message: err.message });
        }
      }
      if (left.length > 0) hub.saveSession(session);
      const data =
        left.length > 0 ? { tokenExp: identity.exp ?? null, left } : { tokenExp: identity.exp ?? null };
      hub.replyTo(session, msg.id, { type: 'ack', id: msg.id, data });
      return;
    }
    case 'join_room':
    case 'subscribe': {
      const entered = await enterRoom(hub, session, {
        room: roomOf(msg),
        mode: msg.type === 'join_room' ? 'join' : 'subscribe',
        types: msg.types,
        since: msg.since,
      });
      hub.replyTo(session, msg.id, { type: 'ack', id: msg.id, data: entered.state });
      hub.saveSession(session); // several nodes: a resume elsewhere after this node dies finds the room
      if (entered.replay) void hub.catchUp(entered.sub);
      for (const fn of hub.onEntered) fn(session, entered.state.room);
      return;
    }
    case 'leave_room':
    case 'unsubscribe': {
      const room = roomOf(msg);
      if (!leaveRoom(hub, session, room)) {
        hub.replyTo(session, msg.id, nack(msg.id, ErrorCode.NotJoined, `not in ${room}`));
        return;
      }
      hub.replyTo(session, msg.id, { type: 'ack', id: msg.id, data: { room } });
      hub.saveSession(session);
      return;
    }
    case 'publish': {
      const { id } = msg;
      const fail = (code: ErrorCode, message: string) => {
        if (id !== undefined) hub.replyTo(session, id, nack(id, code, message));
        else conn?.error(code, message);
      };
      const sub = session.subs.get(msg.room);
      if (!sub) return fail(ErrorCode.NotJoined, `join or subscribe to ${msg.room} before publishing to it`);
      if (msg.room === SYSTEM_ROOM && !isAdmin(session.identity)) {
        return fail(ErrorCode.Forbidden, 'only admins publish to the system room');
      }
      const parsed = parseEventData(msg.event, msg.data);
      if (!parsed.ok) return fail(parsed.code, parsed.message);
      // The data as sent: the schema's copy leaves out a key `__proto__`, which must be refused, not dropped.
      const why = unencodable(msg.data);
      if (why !== null) return fail(ErrorCode.Invalid, why);
      const spec = EVENTS[parsed.value.type];
      if (spec.publisher === 'server')
        return fail(ErrorCode.Forbidden, `${msg.event} is sent by the server only`);
      if (spec.publisher === 'admin' && !isAdmin(session.identity)) {
        return fail(ErrorCode.Forbidden, `${msg.event} needs the admin role`);
      }
      // The sender's id is the server's to say: stamped into events whose schema has a userId (the seed's
      // events), and always in the envelope's `from`.
      const data = OWNS_USER_ID.has(parsed.value.type)
        ? { ...(parsed.value.data as object), userId: session.userId }
        : parsed.value.data;
      const logged = isLogged(spec.delivery);
      if (logged && id === undefined) return fail(ErrorCode.Invalid, `id: required to publish ${msg.event}`);
      try {
        // The ack is queued the moment the event is stored, so it shares the fan-out's frame.
        await hub.publish(msg.room, msg.event, data, {
          from: session.userId,
          except: msg.echo === false ? sub : undefined,
          dedupKey: logged ? `${session.userId}/${id}` : undefined,
          onStored:
            id === undefined
              ? undefined
              : (r) => hub.replyTo(session, id, { type: 'ack', id, data: { seq: r.seq } }),
        });
        if (id !== undefined && !logged) hub.replyTo(session, id, { type: 'ack', id, data: {} });
      } catch (err) {
        if (err instanceof SynclineError) throw err;
        hub.stats.appendErrors++;
        hub.log.error({ err, room: msg.room }, 'append failed');
        throw new SynclineError(ErrorCode.Unavailable, 'the event could not be stored; retry', 1000);
      }
      return;
    }
    case 'request': {
      const handler = hub.methods.get(msg.method);
      if (!handler) {
        hub.replyTo(session, msg.id, nack(msg.id, ErrorCode.UnknownMethod, `no method "${msg.method}"`));
        return;
      }
      const data = await handler(msg.data, { user: session.identity, session });
      const reply: ServerMessage =
        data === undefined ? { type: 'response', id: msg.id } : { type: 'response', id: msg.id, data };
      // Encoded now, while this request can still be answered (the flush reuses the encoding): a value the codec
      // cannot write (a BigInt, a cycle, nesting that overflows the encoder) would otherwise throw in the flush,
      // outside any handler. Detached: checked as JSON, the stricter codec for such values.
      const out = encodedOrNull(reply, session.conn?.codec ?? jsonCodec);
      if (out === null) {
        hub.log.error({ method: msg.method, user: session.userId }, 'method result cannot be encoded');
        hub.replyTo(session, msg.id, nack(msg.id, ErrorCode.Internal, 'internal error'));
        return;
      }
      hub.replyTo(session, msg.id, reply, out);
      return;
    }
  }
}
