import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { codecFor, jsonCodec, msgpackCodec, utf8Length } from './codec.js';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from './version.js';

const event = {
  type: 'app_event',
  room: 'doc:1',
  seq: 7,
  ts: 1_795_631_335_069,
  from: 'u1',
  data: { name: 'x', n: [1, 2] },
};
const plain = new Unpackr({ useRecords: false, mapsAsObjects: true });

describe('codecs', () => {
  it.each([jsonCodec, msgpackCodec])('$name round-trips messages', (codec) => {
    for (const m of [
      event,
      { type: 'ack', id: 'a:1', data: { seq: 1 } },
      { type: 'ping', ts: 1 },
      { s: 'é😀' },
    ]) {
      expect(codec.decode(codec.encode(m))).toEqual(m);
    }
  });

  it.each([jsonCodec, msgpackCodec])(
    '$name joins encoded items into one batch frame without re-encoding',
    (codec) => {
      const items = [event, { ...event, seq: 8 }, { type: 'ack', id: 'x' }].map((m) => codec.encode(m));
      expect(codec.decode(codec.batch(items))).toEqual({
        type: 'batch',
        items: [event, { ...event, seq: 8 }, { type: 'ack', id: 'x' }],
      });
      expect(codec.batch([items[0]])).toBe(items[0]); // a single item is sent as itself
    },
  );

  it('builds MessagePack batches with 16- and 32-bit array headers', () => {
    for (const n of [15, 16, 70_000]) {
      const items = Array.from({ length: n }, (_, i) => msgpackCodec.encode(i));
      const decoded = msgpackCodec.decode(msgpackCodec.batch(items)) as { items: number[] };
      expect(decoded.items.length).toBe(n);
      expect(decoded.items[n - 1]).toBe(n - 1);
    }
  });

  it('writes plain MessagePack any decoder reads (no records, undefined as nil)', () => {
    const bytes = msgpackCodec.encode({ a: { b: 1 }, u: undefined }) as Uint8Array;
    expect(plain.unpack(bytes)).toEqual({ a: { b: 1 }, u: null });
  });

  it('rejects undecodable frames by throwing', () => {
    expect(() => jsonCodec.decode('{nope')).toThrow();
    expect(() => msgpackCodec.decode('text frame')).toThrow();
    // 0xC1, the one byte MessagePack never uses: its decoder returns a marker instead of throwing.
    expect(() => msgpackCodec.decode(Uint8Array.of(0xc1))).toThrow('0xC1 is not a MessagePack value');
  });

  it('decodes JSON sent as binary UTF-8', () => {
    expect(jsonCodec.decode(new TextEncoder().encode('{"type":"ping"}'))).toEqual({ type: 'ping' });
  });

  it('picks the codec of the negotiated subprotocol, JSON by default', () => {
    expect(codecFor(SUBPROTOCOL_MSGPACK)).toBe(msgpackCodec);
    expect(codecFor(SUBPROTOCOL_JSON)).toBe(jsonCodec);
    expect(codecFor('')).toBe(jsonCodec);
    expect(codecFor(undefined)).toBe(jsonCodec);
  });

  it('counts UTF-8 bytes', () => {
    for (const s of ['', 'abc', 'é', '😀', 'a€😀b']) expect(utf8Length(s)).toBe(Buffer.byteLength(s));
  });
});
