import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { jsonCodec, msgpackCodec } from './codec.js';
import { PLACEHOLDER_TOKEN, Preencoded, placeholder } from './preencoded.js';

// The codec's MessagePack settings, for the frames a plain encoder makes of the same message.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  int64AsType: 'number',
});

/** Counts the encoders' walks over it: JSON.stringify, and msgpackr for an object of a class, call `toJSON`. */
class Counter {
  n = 0;
  toJSON(): string {
    this.n++;
    return 'c';
  }
}

/** A document-like value, and how often an encoder walked it. */
function snapshot(zones = 3) {
  const counter = new Counter();
  const walks = counter;
  const value = {
    meta: { title: 'Report' },
    zones: Object.fromEntries(
      Array.from({ length: zones }, (_, i) => [`z${i}`, { id: `z${i}`, text: `é ${'x'.repeat(i)} 😀` }]),
    ),
    counter,
  };
  return { value, walks };
}

const reply = (snap: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'response',
  id: 'a:1',
  data: {
    documentId: 'd',
    version: 7,
    snapshot: snap,
    checksum: 'abc',
    members: [{ userId: 'u' }],
    ...extra,
  },
});

describe.each([jsonCodec, msgpackCodec])('Preencoded with the $name codec', (codec) => {
  it('encodes the value once, however many messages carry it', () => {
    const { value, walks } = snapshot();
    const pre = new Preencoded(value);
    const a = codec.encode(reply(pre));
    const b = codec.encode(reply(pre, { locks: [{ zoneId: 'z1' }] }));
    expect(walks.n).toBe(1);
    expect(pre.encodedFor(codec)).toBe(true);
    expect(codec.decode(a)).toEqual(codec.decode(codec.encode(reply(value))));
    expect(codec.decode(b)).toEqual(codec.decode(codec.encode(reply(value, { locks: [{ zoneId: 'z1' }] }))));
  });

  it('writes exactly the frame of the plain message', () => {
    const { value } = snapshot(40);
    const spliced = codec.encode(reply(new Preencoded(value)));
    if (codec.binary) expect(Array.from(spliced as Uint8Array)).toEqual(Array.from(packr.pack(reply(value))));
    // UTF-8 bytes of exactly the text (sent as a text frame); a message without a Preencoded value stays text.
    else {
      expect(new TextDecoder().decode(spliced as Uint8Array)).toBe(JSON.stringify(reply(value)));
      expect(codec.encode(reply(value))).toBe(JSON.stringify(reply(value)));
    }
  });

  it('splices several values, the same one twice, and past ten (placeholder 1 is not a prefix of 10)', () => {
    const values = Array.from({ length: 12 }, (_, i) => ({ i, s: `v${i}` }));
    const pres = values.map((v) => new Preencoded(v));
    const message = { list: pres, again: pres[3], nested: { deep: [pres[11]] } };
    expect(codec.decode(codec.encode(message))).toEqual({
      list: values,
      again: values[3],
      nested: { deep: [values[11]] },
    });
  });

  it('is not fooled by strings that look like placeholders', () => {
    const { value } = snapshot();
    const forged = [
      placeholder(0),
      placeholder(1),
      `"${placeholder(0)}"`,
      `x${placeholder(0)}`,
      `${placeholder(0)}0`,
      PLACEHOLDER_TOKEN,
    ];
    for (const s of forged) {
      // Before the value, after it, as a key, and inside a value's own strings.
      for (const message of [
        { a: s, snap: new Preencoded(value) },
        { snap: new Preencoded(value), z: s },
        { [s]: 1, snap: new Preencoded(value) },
        { snap: new Preencoded({ ...value, title: s }) },
      ]) {
        const plain = JSON.parse(JSON.stringify(message));
        expect(codec.decode(codec.encode(message))).toEqual(plain);
      }
    }
    if (codec.binary) {
      // Bytes holding a placeholder's MessagePack string.
      const bin = packr.pack(placeholder(0));
      const decoded = codec.decode(codec.encode({ b: bin, snap: new Preencoded({ x: 1 }) })) as {
        b: Uint8Array;
      };
      expect(Array.from(decoded.b)).toEqual(Array.from(bin));
    }
  });

  it('joins spliced messages into batches like any other', () => {
    const { value } = snapshot();
    const items = [
      codec.encode({ type: 'ack', id: 'é' }),
      codec.encode(reply(new Preencoded(value))),
      codec.encode({ type: 'ack', id: 'x' }),
    ];
    expect(codec.decode(codec.batch(items))).toEqual({
      type: 'batch',
      items: [{ type: 'ack', id: 'é' }, JSON.parse(JSON.stringify(reply(value))), { type: 'ack', id: 'x' }],
    });
    expect(codec.batch([items[1]])).toBe(items[1]);
  });

  it('splices a value that holds another', () => {
    const inner = new Preencoded({ deep: 'yes' });
    const outer = new Preencoded({ inner, n: 1 });
    expect(codec.decode(codec.encode({ outer }))).toEqual({ outer: { inner: { deep: 'yes' }, n: 1 } });
  });
});

describe('Preencoded outside a codec', () => {
  it('stands for its value in JSON.stringify (a message logged)', () => {
    const { value } = snapshot();
    expect(JSON.stringify({ s: new Preencoded(value) })).toBe(JSON.stringify({ s: value }));
  });

  it('keeps its MessagePack bytes in a buffer of their own, not a view of the encoder’s', () => {
    const pre = new Preencoded(snapshot(50).value);
    const bytes = pre.bytes(msgpackCodec);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(pre.bytes(msgpackCodec)).toBe(bytes);
  });

  it('uses a placeholder token nobody can know in advance', () => {
    expect(PLACEHOLDER_TOKEN).toMatch(/^syncline-preencoded-[0-9a-f]{32}-$/);
  });
});
