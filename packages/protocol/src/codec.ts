import { Packr } from 'msgpackr';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Subprotocol } from './version.js';

/** One encoded message or frame: text for JSON, bytes for MessagePack. */
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
  encode: (message) => JSON.stringify(message),
  decode: (frame) => JSON.parse(toText(frame)),
  batch: (items) => (items.length === 1 ? items[0] : `{"type":"batch","items":[${items.join(',')}]}`),
  byteLength: (item) => (typeof item === 'string' ? utf8Length(item) : item.byteLength),
};

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

const asBytes = (item: Encoded): Uint8Array => (typeof item === 'string' ? textEncoder.encode(item) : item);

export const msgpackCodec: Codec = {
  name: 'msgpack',
  subprotocol: SUBPROTOCOL_MSGPACK,
  binary: true,
  encode: (message) => packr.pack(message),
  decode: (frame) => {
    if (typeof frame === 'string') throw new TypeError('text frame on a MessagePack connection');
    const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame;
    return packr.unpack(bytes);
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
