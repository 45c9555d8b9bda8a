/**
 * How log stores serialize an entry's `data` and check their arguments, shared so that every adapter has the
 * same semantics: `data` is stored as JSON text (so it reads back exactly as `JSON.parse(JSON.stringify(data))`),
 * `undefined` data is stored as "no data" and reads back as `undefined`.
 */
import type { AppendInput, RetentionPolicy } from './log-store.js';

/** An input checked and serialized, ready to be written. `json` is null for `undefined` data. */
export interface EncodedInput {
  type: string;
  json: string | null;
  ts: number;
  from: string | null;
  dedupKey: string | null;
}

/** Serializes `data` to JSON text; throws a clear Error for data JSON cannot represent. */
export function encodeData(data: unknown): string | null {
  if (data === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    // NOTE: circular structures and BigInts throw a TypeError whose message does not say which field failed;
    // keep it as the cause.
    throw new Error(`log entry data cannot be serialized as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (json === undefined) {
    throw new Error(`log entry data cannot be serialized as JSON (top-level ${typeof data})`);
  }
  return json;
}

/**
 * Parses stored JSON text. Never throws: a stored value that is not valid JSON (a corrupt row, a row written by
 * another tool) reads as `null` and is reported through `onCorrupt`, so one bad row cannot break a resume.
 */
export function decodeData(json: string | null, onCorrupt: (err: Error) => void): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json);
  } catch (err) {
    onCorrupt(err as Error);
    return null;
  }
}

export function checkRoom(room: string): void {
  if (typeof room !== 'string' || room.length === 0) throw new TypeError('room must be a non-empty string');
}

/** Validates and serializes every input before anything is written, so that a bad input appends nothing. */
export function encodeInputs(inputs: readonly AppendInput[]): EncodedInput[] {
  if (!Array.isArray(inputs)) throw new TypeError('inputs must be an array');
  return inputs.map((input, i) => {
    if (typeof input?.type !== 'string' || input.type.length === 0) {
      throw new TypeError(`inputs[${i}].type must be a non-empty string`);
    }
    if (typeof input.ts !== 'number' || !Number.isFinite(input.ts)) {
      throw new TypeError(`inputs[${i}].ts must be a finite number`);
    }
    if (input.from !== undefined && typeof input.from !== 'string') {
      throw new TypeError(`inputs[${i}].from must be a string when set`);
    }
    if (input.dedupKey !== undefined && typeof input.dedupKey !== 'string') {
      throw new TypeError(`inputs[${i}].dedupKey must be a string when set`);
    }
    if (input.json !== undefined && input.json !== null && typeof input.json !== 'string') {
      throw new TypeError(`inputs[${i}].json must be a string or null when set`);
    }
    return {
      type: input.type,
      json: input.json !== undefined ? input.json : encodeData(input.data),
      ts: input.ts,
      from: input.from ?? null,
      dedupKey: input.dedupKey ?? null,
    };
  });
}

/** Normalizes `read` arguments. A limit of 0 or less reads no entries; `Infinity` reads all. */
/** The `beforeSeq` of `trimBefore`: a number (seqs are integers, so `seq < x` is `seq < ceil(x)`). */
export function checkBeforeSeq(beforeSeq: number): number {
  if (typeof beforeSeq !== 'number' || Number.isNaN(beforeSeq))
    throw new TypeError('beforeSeq must be a number');
  return Math.ceil(beforeSeq);
}

export function checkRead(afterSeq: number, limit: number): { afterSeq: number; limit: number } {
  if (typeof afterSeq !== 'number' || Number.isNaN(afterSeq))
    throw new TypeError('afterSeq must be a number');
  if (typeof limit !== 'number' || Number.isNaN(limit)) throw new TypeError('limit must be a number');
  return { afterSeq, limit: Math.max(0, Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)) };
}

/** A trim's `rooms` or `except` entry: a prefix string or `{ room }` (see `RoomSelector`). */
export function checkSelector(selector: unknown): void {
  if (typeof selector === 'string') return;
  const room = (selector as { room?: unknown } | null)?.room;
  if (typeof room !== 'string') throw new TypeError('rooms must be a prefix string or { room: string }');
}

/**
 * The age cutoff of a policy: entries with `ts < cutoff` are old. An entry exactly `maxAgeMs` old is kept.
 * `Infinity` disables either limit.
 */
export function checkPolicy(policy: RetentionPolicy, now: number): { maxEvents: number; cutoff: number } {
  const { maxEvents, maxAgeMs } = policy;
  if (typeof maxEvents !== 'number' || Number.isNaN(maxEvents) || maxEvents < 0) {
    throw new TypeError('policy.maxEvents must be a number >= 0');
  }
  if (typeof maxAgeMs !== 'number' || Number.isNaN(maxAgeMs) || maxAgeMs < 0) {
    throw new TypeError('policy.maxAgeMs must be a number >= 0');
  }
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('now must be a finite number');
  return { maxEvents: Math.floor(maxEvents), cutoff: now - maxAgeMs };
}
