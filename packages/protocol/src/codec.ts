import { C1, Packr } from 'msgpackr';
import { encodeSpliced, PLACEHOLDER_TOKEN, type Preencoded, placeholder } from './preencoded.js';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Subprotocol } from './version.js';

/**
 * One encoded message or frame: text for JSON, bytes for MessagePack. A JSON message that carries a `Preencoded`
 * value is its UTF-8 bytes instead (the value's bytes are made once; a text frame all the same).
 */
export type Encoded = string | Uint8Array;

/**
 * A codec turns messages into frames and back. `batch` joins already-encoded messages into one
 * `{"type":"batch","items":[...]}` frame without re-encoding them, so a broadcast is encoded once
 * however many connections and batches it ends up in.
 */
export interface Codec {
  readonly name: 'json' | 'msgpack';
  readonly subprotocol: Subprotocol;
  /** Whether frames are binary WebSocket frames. */
  readonly binary: boolean;
  encode(message: unknown): Encoded;
  /** Throws on undecodable input; callers map that to `ErrorCode.Malformed`. */
  decode(frame: Encoded | ArrayBuffer | Uint8Array): unknown;
  batch(items: readonly Encoded[]): Encoded;
  /** Size in bytes of an encoded item (for limits and metrics). */
  byteLength(item: Encoded): number;
}

const nativeByteLength = (globalThis as { Buffer?: { byteLength(s: string, encoding: 'utf8'): number } })
  .Buffer?.byteLength;

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

const toText = (frame: Encoded | ArrayBuffer | Uint8Array): string => {
  if (typeof frame === 'string') return frame;
  return textDecoder.decode(frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame);
};

export const jsonCodec: Codec = {
  name: 'json',
  subprotocol: SUBPROTOCOL_JSON,
  binary: false,
  encode: (message) => encodeSpliced(message, stringify, spliceJson),
  decode: (frame) => JSON.parse(toText(frame)),
  batch: (items) => {
    if (items.length === 1) return items[0];
    if (items.every((item) => typeof item === 'string'))
      return `{"type":"batch","items":[${items.join(',')}]}`;
    // A spliced message among them (UTF-8 bytes): the frame is bytes too, its text encoded once more only in part.
    const parts: Uint8Array[] = [jsonBatchOpen];
    items.forEach((item, i) => {
      if (i > 0) parts.push(jsonComma);
      parts.push(asBytes(item));
    });
    parts.push(jsonBatchClose);
    return concatBytes(parts);
  },
  byteLength: (item) => (typeof item === 'string' ? utf8Length(item) : item.byteLength),
};

const jsonBatchOpen = textEncoder.encode('{"type":"batch","items":[');
const jsonComma = textEncoder.encode(',');
const jsonBatchClose = textEncoder.encode(']}');

/** Node's allocation without zero-filling, where there is one: every byte is written at once. */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafe(size: number): Uint8Array } }).Buffer
  ?.allocUnsafe;

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = allocUnsafe !== undefined ? allocUnsafe(size) : new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function stringify(message: unknown): string {
  return JSON.stringify(message);
}

/**
 * Each value's JSON in place of its placeholder, as UTF-8 bytes: the value's bytes are made once, and the text around
 * them is small (a 5 MB string would be flattened and encoded to UTF-8 again for every socket it is sent to). The
 * token must occur exactly once per value, in order, each time as the whole string `"<placeholder i>"` (a string
 * inside a string has its quotes escaped); null otherwise.
 */
function spliceJson(text: string, values: readonly Preencoded[]): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < values.length; i++) {
    const quoted = `"${placeholder(i)}"`;
    const at = text.indexOf(PLACEHOLDER_TOKEN, from) - 1;
    if (at < from || !text.startsWith(quoted, at)) return null;
    parts.push(textEncoder.encode(text.slice(from, at)), values[i].bytes(jsonCodec));
    from = at + quoted.length;
  }
  if (text.includes(PLACEHOLDER_TOKEN, from)) return null;
  parts.push(textEncoder.encode(text.slice(from)));
  return concatBytes(parts);
}

/** UTF-8 length of a string without allocating (fast path for ASCII). */
export function utf8Length(s: string): number {
  // Node's native count when there is one: a JS loop over every frame sent costs more than the sending.
  if (nativeByteLength !== undefined) return nativeByteLength(s, 'utf8');
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

// Plain MessagePack (no records or extensions), so any MessagePack library can read our frames.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  int64AsType: 'number',
});

// `{"type":"batch","items":` as MessagePack: fixmap(2), "type", "batch", "items".
const batchPrefix = (() => {
  const head = packr.pack({ type: 'batch', items: [] });
  return head.subarray(0, head.length - 1); // drop the empty fixarray (0x90)
})();

function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >> 8, n & 0xff);
  return Uint8Array.of(0xdd, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function pack(message: unknown): Uint8Array {
  return packr.pack(message);
}

const tokenBytes = textEncoder.encode(PLACEHOLDER_TOKEN);

/** Where `needle` next occurs in `bytes` from `from`, or -1. (The messages searched are small: the values are out.) */
function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = bytes.length - needle.length;
  outer: for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Length of the MessagePack str header ending at `end` that announces `n` bytes, or 0 when there is none. */
function strHeaderBefore(bytes: Uint8Array, end: number, n: number): number {
  if (n < 32 && end >= 1 && bytes[end - 1] === (0xa0 | n)) return 1;
  if (n < 0x100 && end >= 2 && bytes[end - 2] === 0xd9 && bytes[end - 1] === n) return 2;
  if (
    n < 0x10000 &&
    end >= 3 &&
    bytes[end - 3] === 0xda &&
    bytes[end - 2] === n >> 8 &&
    bytes[end - 1] === (n & 0xff)
  )
    return 3;
  return 0;
}

/**
 * Each value's MessagePack in place of its placeholder string (header and bytes): one element replaces another, and
 * MessagePack counts elements, not bytes, so nothing around it changes. The token must occur exactly once per value,
 * in order, each time as a whole str element; null otherwise.
 */
function spliceMsgpack(bytes: Uint8Array, values: readonly Preencoded[]): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < values.length; i++) {
    const ph = textEncoder.encode(placeholder(i));
    const at = indexOfBytes(bytes, tokenBytes, from);
    if (at === -1 || indexOfBytes(bytes, ph, at) !== at) return null;
    // The placeholder is the whole string: its header announces exactly its length (not that of `<token>10`).
    const header = strHeaderBefore(bytes, at, ph.length);
    if (header === 0 || at - header < from) return null;
    parts.push(bytes.subarray(from, at - header), values[i].bytes(msgpackCodec));
    from = at + ph.length;
  }
  if (indexOfBytes(bytes, tokenBytes, from) !== -1) return null;
  parts.push(bytes.subarray(from));
  return concatBytes(parts);
}

const asBytes = (item: Encoded): Uint8Array => (typeof item === 'string' ? textEncoder.encode(item) : item);

export const msgpackCodec: Codec = {
  name: 'msgpack',
  subprotocol: SUBPROTOCOL_MSGPACK,
  binary: true,
  encode: (message) => encodeSpliced(message, pack, spliceMsgpack),
  decode: (frame) => {
    if (typeof frame === 'string') throw new TypeError('text frame on a MessagePack connection');
    const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame;
    const message = packr.unpack(bytes);
    // 0xC1 ("never used") reads back as a marker object, not an error: a frame that is only that is malformed.
    if (message === C1) throw new TypeError('0xC1 is not a MessagePack value');
    return message;
  },
  batch: (items) => {
    if (items.length === 1) return items[0];
    const header = arrayHeader(items.length);
    let size = batchPrefix.length + header.length;
    const parts = items.map(asBytes);
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    out.set(batchPrefix, 0);
    out.set(header, batchPrefix.length);
    let at = batchPrefix.length + header.length;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  },
  byteLength: (item) => (typeof item === 'string' ? utf8Length(item) : item.byteLength),
};

export const CODECS = { [SUBPROTOCOL_JSON]: jsonCodec, [SUBPROTOCOL_MSGPACK]: msgpackCodec } as const;

/** The codec for a negotiated subprotocol; JSON when none was negotiated. */
export function codecFor(subprotocol: string | undefined | null): Codec {
  return subprotocol === SUBPROTOCOL_MSGPACK ? msgpackCodec : jsonCodec;
}
