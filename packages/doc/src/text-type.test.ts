import fc from 'fast-check';
import { type as shipped, type TextOp } from 'ot-text-unicode';
import { describe, expect, it } from 'vitest';
import { arbTextOpFor as arbOpFor, FC_PARAMS } from '../test/arbitraries.js';
import { textUnicodeType } from './text-type.js';

const arbText = fc
  .array(fc.constantFrom('a', 'b', ' ', 'é', '€', '😀', '𝄞'), { maxLength: 30 })
  .map((a) => a.join(''));

/** ot-text-unicode has `makeInvertible` and `invert` at run time, but its typings leave them out (or optional). */
type Invertible = { makeInvertible(op: TextOp, doc: string): TextOp; invert(op: TextOp): TextOp };
const ours = textUnicodeType as typeof textUnicodeType & Invertible;
const theirs = shipped as typeof shipped & Invertible;

describe('textUnicodeType', () => {
  it('refuses a delete past the end of the text, as it refuses a skip', () => {
    expect(() => textUnicodeType.apply('hello', [{ d: 100 }])).toThrow('deletes past the end');
    expect(() => textUnicodeType.apply('h😀llo', [2, { d: 4 }])).toThrow('deletes past the end');
    expect(() => textUnicodeType.apply('hello', [9, 'x'])).toThrow('too long');
    expect(textUnicodeType.apply('h😀llo', [1, { d: 4 }])).toBe('h');
  });

  it('refuses a delete naming text that is not there (it would be stored, and undone, as that text)', () => {
    expect(() => textUnicodeType.apply('abc', [{ d: 'zzz' }])).toThrow('deletes text that is not there');
    expect(() => textUnicodeType.apply('abc', [1, { d: 'bd' }])).toThrow('deletes text that is not there');
    expect(() => textUnicodeType.apply('a😀bc', [1, { d: '😀c' }])).toThrow('deletes text that is not there');
    expect(textUnicodeType.apply('a😀bc', [1, { d: '😀b' }])).toBe('ac');
    expect(textUnicodeType.apply('😀abc', [1, 'x', { d: 1 }, { d: 'b' }, 'y'])).toBe('😀xyc');
  });

  it('applies every op exactly as the shipped type, with and without astral characters', () => {
    fc.assert(
      fc.property(
        arbText.chain((text) => fc.tuple(fc.constant(text), arbOpFor(text))),
        ([text, op]) => {
          expect(textUnicodeType.apply(text, op)).toBe(shipped.apply(text, op));
          const inv = ours.makeInvertible(op, text);
          expect(inv).toEqual(theirs.makeInvertible(op, text));
          expect(textUnicodeType.apply(textUnicodeType.apply(text, op), ours.invert(inv))).toBe(text);
        },
      ),
      { ...FC_PARAMS, numRuns: 2000 },
    );
  });

  it('counts positions in code points and refuses an op longer than the text', () => {
    expect(textUnicodeType.apply('😀ab', [1, 'x'])).toBe('😀xab');
    expect(textUnicodeType.apply('abc', [1, { d: 1 }, 'X'])).toBe('aXc');
    expect(() => textUnicodeType.apply('ab', [3, 'x'])).toThrow(/too long/);
    expect(() => textUnicodeType.apply('😀', [2, 'x'])).toThrow(/too long/);
  });
});
