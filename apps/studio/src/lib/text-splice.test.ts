import { describe, expect, it } from 'vitest';
import {
  inPieces,
  moveCaret,
  moveSelection,
  rebaseEdit,
  spliceBetween,
  spliceToTextEdit,
  toCodePoints,
  toUnits,
} from './text-splice.js';

describe('spliceBetween', () => {
  it('finds an insert, a delete and a replacement', () => {
    expect(spliceBetween('hello', 'hel-lo')).toEqual({ at: 3, removed: 0, inserted: 1 });
    expect(spliceBetween('hello', 'helo')).toEqual({ at: 2, removed: 1, inserted: 0 });
    expect(spliceBetween('hello', 'helo', 3)).toEqual({ at: 3, removed: 1, inserted: 0 });
    expect(spliceBetween('hello world', 'hello there')).toEqual({ at: 6, removed: 5, inserted: 5 });
  });

  it('places an ambiguous insert at the caret', () => {
    // "a" typed at position 1 of "aaa": the caret is at 2 afterwards.
    expect(spliceBetween('aaa', 'aaaa', 2)).toEqual({ at: 1, removed: 0, inserted: 1 });
    expect(spliceBetween('aaa', 'aaaa')).toEqual({ at: 0, removed: 0, inserted: 1 });
  });

  it('never splits a surrogate pair and counts code points in the text edit', () => {
    const before = 'a😀b';
    const after = 'a😃b';
    const s = spliceBetween(before, after);
    expect(s).toEqual({ at: 1, removed: 2, inserted: 2 });
    expect(spliceToTextEdit(before, after, s)).toEqual({ pos: 1, del: 1, ins: '😃' });
    expect(spliceToTextEdit('😀x', '😀yx', spliceBetween('😀x', '😀yx'))).toEqual({
      pos: 1,
      del: 0,
      ins: 'y',
    });
  });
});

describe('moveCaret', () => {
  const insert = { at: 2, removed: 0, inserted: 3 };
  it('keeps a caret before the change and moves one after it', () => {
    expect(moveCaret(1, insert)).toBe(1);
    expect(moveCaret(2, insert)).toBe(2);
    expect(moveCaret(4, insert)).toBe(7);
  });
  it('puts a caret inside a replaced part at the end of the replacement', () => {
    expect(moveCaret(3, { at: 2, removed: 4, inserted: 1 })).toBe(3);
    expect(moveCaret(8, { at: 2, removed: 4, inserted: 1 })).toBe(5);
  });
});

describe('toCodePoints / toUnits', () => {
  it('turn textarea offsets into code points and back, across astral characters, clamped to the text', () => {
    const s = 'a😀b🎉c';
    expect([0, 1, 3, 4, 6, 7].map((u) => toCodePoints(s, u))).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4, 5].map((n) => toUnits(s, n))).toEqual([0, 1, 3, 4, 6, 7]);
    expect(toUnits(s, 99)).toBe(s.length);
    expect(toCodePoints(s, 99)).toBe(5);
    expect(toUnits('', 3)).toBe(0);
  });
});

describe('moveSelection', () => {
  const typed = { at: 4, removed: 0, inserted: 2 }; // two characters typed at 4
  it("puts a user's caret after what they typed at it, and leaves others' where moveCaret does", () => {
    expect(moveSelection({ start: 4, end: 4 }, typed, true)).toEqual({ start: 6, end: 6 });
    expect(moveSelection({ start: 4, end: 4 }, typed, false)).toEqual({ start: 4, end: 4 });
    expect(moveSelection({ start: 1, end: 4 }, typed, true)).toEqual({ start: 1, end: 6 }); // a selection ending there
    expect(moveSelection({ start: 5, end: 8 }, typed, true)).toEqual({ start: 7, end: 10 }); // after: shifted
    expect(moveSelection({ start: 5, end: 8 }, { at: 4, removed: 2, inserted: 0 }, true)).toEqual({
      start: 4,
      end: 6,
    });
  });
});

describe('rebaseEdit', () => {
  it('makes my change of the base again on the text others changed meanwhile', () => {
    // Mine at the end, theirs at the start: both kept.
    expect(rebaseEdit('Alpha', 'Alpha日本', 'XAlpha')).toEqual({ text: 'XAlpha日本', caret: 8 });
    // Theirs after mine.
    expect(rebaseEdit('Alpha beta', 'Al日本pha beta', 'Alpha beta!')).toEqual({
      text: 'Al日本pha beta!',
      caret: 4,
    });
    // Nothing of theirs: mine as it is.
    expect(rebaseEdit('Alpha', 'Alpha日本', 'Alpha')).toEqual({ text: 'Alpha日本', caret: 7 });
    // Mine replaces a word; theirs inserted before it: the word is still the one replaced.
    expect(rebaseEdit('one two', 'one 二', 'zero one two')).toEqual({ text: 'zero one 二', caret: 10 });
  });
});

describe('inPieces', () => {
  it('cuts a long insert into edits applied one after the other, never in a surrogate pair', () => {
    const text = `${'ab📈'.repeat(5)}c`; // 16 code points, 21 UTF-16 units
    const pieces = inPieces({ pos: 3, del: 2, ins: text }, 4);
    expect(pieces).toEqual([
      { pos: 3, del: 2, ins: 'ab📈a' },
      { pos: 7, ins: 'b📈ab' },
      { pos: 11, ins: '📈ab📈' },
      { pos: 15, ins: 'ab📈c' },
    ]);
    // Applied in turn, they make the one edit.
    let s = '0123456789';
    const apply = (t: string, e: { pos: number; del?: number | string; ins?: string }) => {
      const cps = Array.from(t);
      cps.splice(e.pos, Number(e.del ?? 0), ...Array.from(e.ins ?? ''));
      return cps.join('');
    };
    const whole = apply(s, { pos: 3, del: 2, ins: text });
    for (const p of pieces) s = apply(s, p);
    expect(s).toBe(whole);
    expect(inPieces({ pos: 0, ins: 'short' }, 4096)).toEqual([{ pos: 0, ins: 'short' }]);
    expect(inPieces({ pos: 0, del: 9 }, 4)).toEqual([{ pos: 0, del: 9 }]);
  });
});
