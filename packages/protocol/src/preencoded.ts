import type { Codec, Encoded } from './codec.js';

const textEncoder = new TextEncoder();

/**
 * A value inside a message whose encoding is made at most once per codec and spliced into the encoding of every
 * message that carries it: a document's snapshot, sent whole to everyone who opens the document at one version,
 * is megabytes of JSON, and encoding it again per reply cost tens of ms of the server's event loop each time.
 * The frame is exactly what encoding the plain value in place gives (the codecs' `encode`).
 *
 * The value must not change while it is wrapped (its encodings would no longer be it). Outside `Codec.encode`
 * (`JSON.stringify` of a message for a log) it stands for its value.
 */
export class Preencoded<T = unknown> {
  private readonly encodings: { codec: Codec; bytes: Uint8Array }[] = [];

  constructor(readonly value: T) {}

  /** The value's encoding for `codec` as bytes (JSON's in UTF-8), made on first use. */
  bytes(codec: Codec): Uint8Array {
    for (const e of this.encodings) if (e.codec === codec) return e.bytes;
    const encoded = codec.encode(this.value);
    // Kept while the value is current (hours, maybe): not as a view of an encoder's buffer, which msgpackr grows to
    // up to four times what it wrote, and keeps writing later messages into.
    const bytes =
      typeof encoded === 'string'
        ? textEncoder.encode(encoded)
        : encoded.byteLength === encoded.buffer.byteLength
          ? encoded
          : new Uint8Array(encoded);
    this.encodings.push({ codec, bytes });
    return bytes;
  }

  /** Whether the value was encoded for `codec` already (tests, metrics). */
  encodedFor(codec: Codec): boolean {
    return this.encodings.some((e) => e.codec === codec);
  }

  /**
   * While a codec encodes a message (`encodeSpliced`): a placeholder string, the next one in output order, that
   * the codec replaces with the encoding. Otherwise the value itself. (`JSON.stringify` calls it, and so does
   * msgpackr for an object of a class of its own.)
   */
  toJSON(): unknown {
    if (slots === null) return this.value;
    slots.push(this);
    return placeholder(slots.length - 1);
  }
}

/**
 * The placeholders' common part: random per process, so no string of a message (a user's name, a zone's text) can
 * be one by intent; and `splice` checks that each occurs exactly where its value was, so none can be one by chance.
 */
const TOKEN = `syncline-preencoded-${randomHex(16)}-`;

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  const crypto = (globalThis as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;
  if (crypto) crypto.getRandomValues(b);
  else for (let i = 0; i < bytes; i++) b[i] = Math.floor(Math.random() * 256);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The placeholder string of the `i`th `Preencoded` value of a message, in output order. */
export function placeholder(i: number): string {
  return `${TOKEN}${i}`;
}

/** What every placeholder starts with. */
export const PLACEHOLDER_TOKEN: string = TOKEN;

/** The `Preencoded` values met by the encoding under way, in order; null: none under way (values stand for themselves). */
let slots: Preencoded[] | null = null;

/**
 * `plain(message)` with each `Preencoded` value in it replaced by its encoding for the codec. `plain` encodes with
 * placeholders in their place (each value's `toJSON`); `splice` puts the values' encodings where the placeholders are,
 * or answers null when the placeholders are not exactly one per value, in order (a string of the message that looks
 * like one): then the message is encoded again with the values in place, so the frame is right either way.
 */
export function encodeSpliced<P extends Encoded>(
  message: unknown,
  plain: (message: unknown) => P,
  splice: (out: P, values: readonly Preencoded[]) => Encoded | null,
): Encoded {
  const outer = slots;
  const mine: Preencoded[] = [];
  slots = mine;
  let out: P;
  try {
    out = plain(message);
  } finally {
    slots = outer;
  }
  if (mine.length === 0) return out;
  const spliced = splice(out, mine);
  if (spliced !== null) return spliced;
  slots = null;
  try {
    return plain(message);
  } finally {
    slots = outer;
  }
}
