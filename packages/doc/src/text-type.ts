import { makeType, type Rope, type TextType } from 'ot-text-unicode';
import { wellFormed } from './json-value.js';

/**
 * ot-text-unicode over plain JS strings, as the package ships it, with one change in how a string is walked:
 * positions count Unicode code points, so the shipped string "rope" converts every position by walking the
 * text from its start, one UTF-16 unit at a time (a few microseconds per edit of a 10,000-character text,
 * paid by every replica for every op). Most texts have no surrogate pairs, and then a code point offset *is*
 * the string offset: one native regular-expression test per apply tells (for a Latin-1 string V8 answers
 * without reading it), and only texts with astral characters (emoji, ...) take the walk.
 *
 * Everything else (transform, compose, normalize, invert, ...) is the package's own `makeType`: the type's
 * semantics are unchanged (text-type.test.ts compares it with the shipped type). ot.ts registers it as
 * json1's `text-unicode` subtype in place of the shipped one.
 */

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether `s` holds a UTF-16 surrogate (so code points and string offsets differ): one native regular
 * expression test, which V8 answers for a Latin-1 string without reading it.
 */
export const hasSurrogates = (s: string): boolean => SURROGATE.test(s);

/** The UTF-16 offset of code point `n` of `s`. */
function codePointOffset(s: string, n: number): number {
  let pos = 0;
  for (; n > 0; n--) {
    const code = s.charCodeAt(pos);
    pos += code >= 0xd800 && code <= 0xdfff ? 2 : 1;
  }
  return pos;
}

const offsetOf = (s: string, plain: boolean, n: number) => (plain ? n : codePointOffset(s, n));

const stringRope: Rope<string> = {
  create: (s) => s,
  toString: (s) => s,
  builder(oldDoc) {
    if (typeof oldDoc !== 'string') throw Error(`Invalid document snapshot: ${oldDoc}`);
    let rest = oldDoc;
    const plain = !hasSurrogates(rest);
    const out: string[] = [];
    return {
      skip(n) {
        const offset = offsetOf(rest, plain, n);
        if (offset > rest.length) throw Error('The op is too long for this document');
        out.push(rest.slice(0, offset));
        rest = rest.slice(offset);
      },
      append(s) {
        out.push(s);
      },
      del(n) {
        const offset = offsetOf(rest, plain, n);
        if (offset > rest.length) throw Error('The op deletes past the end of the text');
        rest = rest.slice(offset);
      },
      build() {
        // Concatenated, not joined: V8 makes a rope of the pieces, flattened (one copy) when next read.
        let text = '';
        for (const piece of out) text += piece;
        return text + rest;
      },
    };
  },
  slice(s, start, end) {
    const plain = !hasSurrogates(s);
    const from = offsetOf(s, plain, start);
    return end === undefined
      ? s.slice(from)
      : s.slice(from, from + offsetOf(s.slice(from), plain, end - start));
  },
};

const shipped = makeType(stringRope);

/**
 * The type, whose `apply` also refuses a delete that names its text (`{d: "abc"}`, as invertible ops and undo carry
 * it) when the text there is another: the package deletes as many characters whatever they are, and the op would be
 * stored saying it removed what it did not (its inverse, an undo, would then put back the wrong text).
 */
export const textUnicodeType: TextType<string> = {
  ...shipped,
  apply(doc, op) {
    checkNamedDeletes(doc, op);
    return shipped.apply(doc, op);
  },
};

/** Throws when a `{d: string}` component of `op` does not match the text of `doc` at its place. */
function checkNamedDeletes(doc: string, op: readonly unknown[]): void {
  if (!op.some((c) => typeof (c as { d?: unknown } | null)?.d === 'string')) return;
  const plain = !hasSurrogates(doc);
  let at = 0; // UTF-16 offset in `doc`
  const skip = (n: number) => (plain ? n : codePointOffset(doc.slice(at), n));
  for (const c of op) {
    if (typeof c === 'number') at += skip(c);
    else if (typeof c === 'object' && c !== null) {
      const d = (c as { d: number | string }).d;
      if (typeof d === 'string') {
        if (!doc.startsWith(d, at)) throw Error('The op deletes text that is not there');
        at += d.length;
      } else at += skip(d);
    }
  }
}

/**
 * A component that text-unicode's `normalize` turns into a valid one (or drops): a skip (an integer >= 0), an
 * insert (a string), a delete (`{d}`: an integer >= 0 or the deleted string). Zero skips, empty inserts and
 * deletes are dropped by it; a negative or fractional count, or anything else, it keeps, and the text type then
 * throws on it (or, for a fractional one, applies nonsense).
 */
export function isTextComponent(c: unknown): boolean {
  // A string inserted or deleted must be whole characters: a lone surrogate reads differently on MessagePack peers.
  if (typeof c === 'string') return wellFormed(c);
  if (isCount(c)) return true;
  if (typeof c !== 'object' || c === null) return false;
  const d = (c as { d?: unknown }).d;
  return isCount(d) || (typeof d === 'string' && wellFormed(d));
}

/** A text op's skip or delete count: a safe integer >= 0. */
export const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
