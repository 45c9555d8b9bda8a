import type { z } from 'zod';
import { ErrorCode } from './codes.js';
import { EVENTS, type EventType, isEventType } from './events.js';
import {
  type BatchableClientMessage,
  batchableClientSchema,
  CLIENT_MESSAGE_TYPES,
  clientBatchSchema,
  type Hello,
  helloSchema,
} from './messages.js';

/** The result of checking one incoming value: a message, or an error code and a human-readable reason. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; id?: string };

/**
 * A refusal, with the message's id whenever it had a string one, however long or wrong: the sender waits for an
 * answer under that id, and one without it would leave the sender waiting forever (an id over 64 characters is
 * itself a schema violation, answered under that id). The frame size limit bounds what is echoed.
 */
const fail = (code: ErrorCode, message: string, id?: unknown): Parsed<never> => ({
  ok: false,
  code,
  message,
  ...(typeof id === 'string' ? { id } : {}),
});

function describe(error: z.ZodError, root = 'message'): string {
  const issue = error.issues[0];
  if (!issue) return `invalid ${root}`;
  const path = issue.path.length
    ? [...(root === 'message' ? [] : [root]), ...issue.path].map(String).join('.')
    : root;
  return `${path}: ${issue.message}`;
}

const clientTypes = new Set<string>(CLIENT_MESSAGE_TYPES);

function envelope(value: unknown): Parsed<{ type: string; id?: unknown }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ErrorCode.Malformed, 'a message must be an object');
  }
  const type = (value as { type?: unknown }).type;
  const id = (value as { id?: unknown }).id;
  if (typeof type !== 'string') return fail(ErrorCode.Invalid, 'type: must be a string', id);
  if (!clientTypes.has(type))
    return fail(ErrorCode.UnknownType, `unknown message type "${type.slice(0, 64)}"`, id);
  return { ok: true, value: value as { type: string; id?: unknown } };
}

/** Checks the first message of a connection, which must be `hello`. */
export function parseHello(value: unknown): Parsed<Hello> {
  const env = envelope(value);
  if (!env.ok) return env;
  if (env.value.type !== 'hello')
    return fail(ErrorCode.HelloRequired, 'the first message must be hello', env.value.id);
  const r = helloSchema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : fail(ErrorCode.Invalid, describe(r.error));
}

/**
 * Checks a message after the handshake. A `batch` is unpacked into its items, each checked on its own,
 * so one bad item is answered by its own nack and the others still take effect.
 */
export function parseClientMessages(value: unknown): Parsed<BatchableClientMessage>[] {
  const env = envelope(value);
  if (!env.ok) return [env];
  if (env.value.type === 'hello') return [fail(ErrorCode.AlreadyAuthenticated, 'hello was already received')];
  if (env.value.type === 'batch') {
    const b = clientBatchSchema.safeParse(value);
    if (!b.success) return [fail(ErrorCode.Invalid, describe(b.error))];
    return b.data.items.map((item) => {
      const e = envelope(item);
      if (!e.ok) return e;
      if (e.value.type === 'batch' || e.value.type === 'hello') {
        return fail(ErrorCode.Invalid, `${e.value.type} cannot be batched`, e.value.id);
      }
      return parseOne(item, e.value.id);
    });
  }
  return [parseOne(value, env.value.id)];
}

function parseOne(value: unknown, id: unknown): Parsed<BatchableClientMessage> {
  const r = batchableClientSchema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : fail(ErrorCode.Invalid, describe(r.error), id);
}

/** Checks the data of a room event against the catalogue. */
export function parseEventData(event: string, data: unknown): Parsed<{ type: EventType; data: unknown }> {
  if (!isEventType(event)) return fail(ErrorCode.UnknownEvent, `unknown event "${event.slice(0, 64)}"`);
  const r = EVENTS[event].schema.safeParse(data);
  return r.success
    ? { ok: true, value: { type: event, data: r.data } }
    : fail(ErrorCode.Invalid, describe(r.error, 'data'));
}
