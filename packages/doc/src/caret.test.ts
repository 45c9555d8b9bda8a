import fc from 'fast-check';
import { type TextOp, type as textUnicode } from 'ot-text-unicode';
import { describe, expect, it } from 'vitest';
import { arbTextOpFor, FC_PARAMS } from '../test/arbitraries.js';
import { caretBack, caretThrough } from './caret.js';
import { type Op, transformCaret } from './ot.js';

const textArb = fc.array(fc.constantFrom('a', 'b', 'c', '😀'), { maxLength: 12 }).map((a) => a.join(''));
const cps = (s: string) => Array.from(s).length;

/** A text and a random normalized text op on it. */
const caseArb = textArb.chain((text) =>
  arbTextOpFor(text).map((es) => ({ text, after: textUnicode.apply(text, es), es })),
);
const opOf = (es: TextOp): Op => ['zones', 'z', 'text', { es }] as Op;

/** The ranges of the text after `es` that `es` inserted, as [start, end) code point offsets. */
function insertedRanges(es: TextOp): [number, number][] {
  const out: [number, number][] = [];
  let after = 0;
  for (const c of es) {
    if (typeof c === 'number') after += c;
    else if (typeof c === 'string') {
      out.push([after, after + cps(c)]);
      after += cps(c);
    }
  }
  return out;
}

describe('caretThrough / caretBack', () => {
  it('moves a caret as json1 does for anyone else’s op, and past an insert at it for its owner', () => {
    fc.assert(
      fc.property(caseArb, ({ text, es }) => {
        for (let p = 0; p <= cps(text); p++) {
          expect(caretThrough('z', p, opOf(es))).toBe(transformCaret('z', p, opOf(es)));
          const own = caretThrough('z', p, opOf(es), true) as number;
          expect(own).toBeGreaterThanOrEqual(caretThrough('z', p, opOf(es)) as number);
        }
      }),
      FC_PARAMS,
    );
    expect(caretThrough('z', 2, opOf([2, 'xy']))).toBe(2);
    expect(caretThrough('z', 2, opOf([2, 'xy']), true)).toBe(4);
  });

  it('takes a caret back to the text before an op and forward again to where it was', () => {
    fc.assert(
      fc.property(caseArb, ({ after, es }) => {
        const inserted = insertedRanges(es);
        for (let p = 0; p <= cps(after); p++) {
          const back = caretBack('z', p, opOf(es));
          expect(back).not.toBeNull();
          // Inside (or at the start of) inserted text the caret has no place of its own before the op.
          if (inserted.some(([s, e]) => p >= s && p < e)) continue;
          expect(caretThrough('z', back as number, opOf(es), true)).toBe(p);
        }
      }),
      FC_PARAMS,
    );
  });

  it('leaves carets of other zones alone, and loses them with their zone', () => {
    expect(caretThrough('other', 3, opOf([0, 'xyz']))).toBe(3);
    expect(caretBack('other', 3, opOf([0, 'xyz']))).toBe(3);
    expect(caretThrough('z', 3, ['zones', 'z', { r: true }] as Op)).toBeNull();
    expect(caretBack('z', 0, ['zones', 'z', { i: { id: 'z', text: '' } }] as Op)).toBeNull();
  });
});
