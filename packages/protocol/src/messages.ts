import { z } from 'zod';
import type { Delivery } from './delivery.js';
import { EVENT_TYPES, type EventData, type EventType } from './events.js';
import { hasLoneSurrogate } from './ids.js';
import { ROOM_PATTERN } from './rooms.js';

/**
 * Every message of the protocol. One discriminated union per direction, keyed by `type`.
 * Client messages are validated on arrival with these schemas; server messages are typed here and
 * validated by clients that want to (see `parseServerMessage`).
 */

/**
 * Client-generated message id. Must be unique per *user* across sessions, tabs and reloads (e.g.
 * `<random prefix>:<counter>`): logged publishes are de-duplicated durably by `<userId>/<id>`.
 */
export const messageId = z
  .string()
  .min(1)
  .max(64)
  // U+0000: PostgreSQL's text cannot hold it, and a logged publish's id is stored (its dedup key).
  .refine((s) => !s.includes('\u0000'), 'a message id must not contain U+0000')
  // A lone surrogate: PostgreSQL and SQLite read it back as U+FFFD, memory as it is, so the dedup key would differ.
  .refine((s) => !hasLoneSurrogate(s), 'a message id must not contain a lone surrogate');
export const roomName = z.string().regex(ROOM_PATTERN, 'invalid room name');
const seq = z.number().int().min(0);
const eventTypeFilter = z.array(z.string().min(1).max(64)).max(64);

// ---- client -> server -------------------------------------------------------------------------

export const roomResumeSchema = z.object({
  room: roomName,
  /** Last sequence number the client saw in this room; events after it are replayed. */
  since: seq.optional(),
  /** Join (with presence) or subscribe (without). Default `subscribe`. */
  mode: z.enum(['join', 'subscribe']).optional(),
  types: eventTypeFilter.optional(),
});

export const helloSchema = z.object({
  type: z.literal('hello'),
  v: z.number().int().min(1),
  token: z.string().min(1).max(8192),
  /** Resume a previous session: its id and the resume token from `welcome`. */
  session: z.object({ id: z.string().min(1).max(64), key: z.string().min(1).max(128) }).optional(),
  /** Rooms to (re)enter at once, with the last sequence number seen in each. */
  rooms: z.array(roomResumeSchema).max(256).optional(),
  client: z
    .object({ name: z.string().max(64), version: z.string().max(32) })
    .partial()
    .optional(),
  /** What the client understands beyond the base protocol (unknown names are ignored), e.g. `ephemeral_groups`. */
  features: z.array(z.string().max(32)).max(16).optional(),
});

/**
 * Feature: the client reads `ephemeral` messages, several ephemeral events of one room and type in one
 * message (a frame of 99 cursors is about 40% smaller, and parses in about 60% of the time).
 */
export const FEATURE_EPHEMERAL_GROUPS = 'ephemeral_groups';

export const authSchema = z.object({
  type: z.literal('auth'),
  id: messageId,
  token: z.string().min(1).max(8192),
});

const roomCommand = {
  id: messageId,
  room: roomName.optional(),
  /** Seed compatibility: `{documentId}` means room `doc:<documentId>`. */
  documentId: z.string().min(1).max(128).optional(),
};
const withRoom = <T extends { room?: string; documentId?: string }>(m: T) =>
  m.room !== undefined || m.documentId !== undefined;
const roomRequired = { message: 'room or documentId is required' };

export const joinRoomSchema = z
  .object({
    type: z.literal('join_room'),
    ...roomCommand,
    since: seq.optional(),
    types: eventTypeFilter.optional(),
  })
  .refine(withRoom, roomRequired);
export const leaveRoomSchema = z
  .object({ type: z.literal('leave_room'), ...roomCommand })
  .refine(withRoom, roomRequired);
export const subscribeSchema = z.object({
  type: z.literal('subscribe'),
  id: messageId,
  room: roomName,
  since: seq.optional(),
  types: eventTypeFilter.optional(),
});
export const unsubscribeSchema = z.object({ type: z.literal('unsubscribe'), id: messageId, room: roomName });

export const publishSchema = z.object({
  type: z.literal('publish'),
  /** Required for logged events; optional (fire-and-forget, no reply) for ephemeral ones. */
  id: messageId.optional(),
  room: roomName,
  event: z.string().min(1).max(64),
  data: z.unknown(),
  /** `false`: do not deliver the event back to the publishing connection. Default true. */
  echo: z.boolean().optional(),
});

export const requestSchema = z.object({
  type: z.literal('request'),
  id: messageId,
  method: z.string().min(1).max(64),
  data: z.unknown().optional(),
});

export const pingSchema = z.object({ type: z.literal('ping'), ts: z.number().optional() });
export const pongSchema = z.object({ type: z.literal('pong'), ts: z.number().optional() });

/** Messages a batch may carry (anything but hello and batch). */
export const batchableClientSchema = z.discriminatedUnion('type', [
  authSchema,
  joinRoomSchema,
  leaveRoomSchema,
  subscribeSchema,
  unsubscribeSchema,
  publishSchema,
  requestSchema,
  pingSchema,
  pongSchema,
]);

export const clientBatchSchema = z.object({
  type: z.literal('batch'),
  items: z.array(z.unknown()).min(1).max(256),
});

export type Hello = z.infer<typeof helloSchema>;
export type RoomResume = z.infer<typeof roomResumeSchema>;
export type Auth = z.infer<typeof authSchema>;
export type JoinRoom = z.infer<typeof joinRoomSchema>;
export type LeaveRoom = z.infer<typeof leaveRoomSchema>;
export type Subscribe = z.infer<typeof subscribeSchema>;
export type Unsubscribe = z.infer<typeof unsubscribeSchema>;
export type Publish = z.infer<typeof publishSchema>;
export type Request = z.infer<typeof requestSchema>;
export type Ping = z.infer<typeof pingSchema>;
export type Pong = z.infer<typeof pongSchema>;
export type BatchableClientMessage = z.infer<typeof batchableClientSchema>;
export type ClientMessage =
  | Hello
  | BatchableClientMessage
  | { type: 'batch'; items: BatchableClientMessage[] };
export type ClientMessageType = ClientMessage['type'];

export const CLIENT_MESSAGE_TYPES = [
  'hello',
  'auth',
  'join_room',
  'leave_room',
  'subscribe',
  'unsubscribe',
  'publish',
  'request',
  'ping',
  'pong',
  'batch',
] as const satisfies readonly ClientMessageType[];

// ---- server -> client -------------------------------------------------------------------------

export interface RoomState {
  room: string;
  /** Latest sequence number of the room's log when the room was entered. */
  seq: number;
  /**
   * `fresh`: entered without `since`; `resumed`: missed events follow; `reset`: the gap is past retention
   * (a `reset` message follows); `refused`: not entered (`code` says why: forbidden, invalid_room, ...).
   */
  status: 'fresh' | 'resumed' | 'reset' | 'refused';
  /** With `refused`: the error code. */
  code?: string;
  /** With `refused`: a human-readable reason. */
  message?: string;
}

export interface Welcome {
  type: 'welcome';
  v: number;
  sessionId: string;
  /** Secret to resume this session within `sessionGraceMs` after a disconnect. */
  resumeKey: string;
  /** Whether a previous session was resumed (its de-duplication window is kept). */
  resumed: boolean;
  userId: string;
  /** Seconds since epoch when the token expires, if it does. Refresh with `auth` before then. */
  tokenExp?: number;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  maxPayload: number;
  sessionGraceMs: number;
  /** Rooms entered through `hello.rooms`, and the automatic ones (`user:<id>`, `system`). */
  rooms: RoomState[];
  serverTime: number;
}

export interface Ack {
  type: 'ack';
  id: string;
  data?: unknown;
}
export interface Nack {
  type: 'nack';
  id: string;
  code: string;
  message: string;
  retryAfterMs?: number;
}
export interface Response {
  type: 'response';
  id: string;
  data?: unknown;
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  id?: string;
}
export interface Reset {
  type: 'reset';
  room: string;
  /** Latest sequence number of the room: continue from here after reloading the room's state. */
  seq: number;
  reason: 'retention' | 'unknown_room_state';
}
export interface ServerBatch {
  type: 'batch';
  items: ServerMessage[];
}
/**
 * Ephemeral events of one room and type (`event`), for clients that said `ephemeral_groups`: `items` holds
 * `from, ts, data` for each, flat (`from` null for a server-made event). Each stands for the event
 * `{type: event, room, ts, data, from?}`, in order.
 */
export interface EphemeralGroup {
  type: 'ephemeral';
  room: string;
  event: string;
  items: unknown[];
}

/** A room event as delivered to subscribers. */
export interface EventMessage<T extends EventType = EventType> {
  type: T;
  room: string;
  /** Sequence number in the room's log; absent for ephemeral events. */
  seq?: number;
  /** Server time of publication (ms since epoch). */
  ts: number;
  /** User id of the publisher; absent for server-made events. */
  from?: string;
  data: EventData<T>;
}

export type ServerMessage =
  | Welcome
  | Ack
  | Nack
  | Response
  | ErrorMessage
  | Reset
  | Ping
  | Pong
  | ServerBatch
  | EphemeralGroup
  | EventMessage;

export const SERVER_MESSAGE_TYPES = [
  'welcome',
  'ack',
  'nack',
  'response',
  'error',
  'reset',
  'ping',
  'pong',
  'batch',
  'ephemeral',
  ...EVENT_TYPES,
] as const;

/** Delivery class of every non-event message type (events declare theirs in the catalogue). */
export const MESSAGE_DELIVERY: Record<
  Exclude<ClientMessageType | ServerMessage['type'], EventType>,
  Delivery
> = {
  hello: 'critical',
  welcome: 'critical',
  auth: 'critical',
  join_room: 'critical',
  leave_room: 'critical',
  subscribe: 'critical',
  unsubscribe: 'critical',
  publish: 'critical',
  request: 'critical',
  ack: 'critical',
  nack: 'critical',
  response: 'critical',
  error: 'critical',
  reset: 'critical',
  batch: 'critical',
  ping: 'ephemeral',
  pong: 'ephemeral',
  ephemeral: 'ephemeral',
};

export function isEventMessage(m: ServerMessage): m is EventMessage {
  return EVENT_TYPES.includes(m.type as EventType);
}
