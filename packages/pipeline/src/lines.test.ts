import { describe, expect, it } from 'vitest';
import { groupRows } from './lines.js';
import type { Glyphs } from './text-items.js';

const SIZE = 10;

/** A text run at baseline `base` (from the top), `w` wide. */
const glyph = (str: string, x: number, base: number, w: number): Glyphs => ({
  str,
  x,
  y: base - 0.718 * SIZE,
  w,
  h: 0.925 * SIZE,
  base,
  size: SIZE,
  font: 'regular',
});

/** `text` set from `x0` to `x1` (justified), `space` between words, each word its own run (as some PDFs do). */
const words = (text: string, x0: number, x1: number, base: number, space: number): Glyphs[] => {
  const ws = text.split(' ');
  const perChar = (x1 - x0 - space * (ws.length - 1)) / ws.join('').length;
  let x = x0;
  return ws.map((w) => {
    const g = glyph(w, x, base, w.length * perChar);
    x += w.length * perChar + space;
    return g;
  });
};

/** One line of a column, a single run ending (`align: 'end'`) or starting at `x`, about 0.5 em per character. */
const line = (str: string, x: number, base: number, align: 'start' | 'end' = 'start'): Glyphs =>
  glyph(str, align === 'end' ? x - str.length * 5 : x, base, str.length * 5);

const noop = () => {};
const texts = (items: Glyphs[]) => groupRows(items, noop).map((r) => r.pieces.map((p) => p.text));
const crosses = (row: Glyphs[], x: number) => row.some((g) => g.x < x && g.x + g.w > x);

describe('groupRows', () => {
  it('splits two columns again where they resume below a full-width line crossing their gutter', () => {
    // Two justified columns 1 em apart (the gutter at x = 205), a full-width caption, then the two columns
    // again at the same x: the lower rows are as much a two-column block as the upper ones.
    const columns = (top: number) =>
      [0, 1, 2, 3].flatMap((i) => [
        line(`left column line ${i} of text`, 200, top + i * 12, 'end'),
        line(`right column line ${i} of text`, 210, top + i * 12),
      ]);
    const caption = 'Figure 1: a caption set across both columns of the page';
    const rows = texts([...columns(100), line(caption, 72, 160), ...columns(190)]);
    const pair = (i: number) => [`left column line ${i} of text`, `right column line ${i} of text`];
    expect(rows).toEqual([pair(0), pair(1), pair(2), pair(3), [caption], pair(0), pair(1), pair(2), pair(3)]);
  });

  it('does not split a justified paragraph at a chance river of word spaces', () => {
    // One column, 72 to 372, each word its own run, word spaces 0.3 to 0.45 em. Down the middle of the
    // paragraph the spaces happen to line up at x = 200 (a river), one of them a loose line's 0.6 em. Only
    // that one is as wide as the narrowest gutter (0.5 em): a river is no gutter.
    const river = (base: number, left: string, right: string, gap: number, space: number) => [
      ...words(left, 72, 200 - (gap * SIZE) / 2, base, space),
      ...words(right, 200 + (gap * SIZE) / 2, 372, base, space),
    ];
    const paragraph = (gaps: number[]) => [
      ...words('In justified text the spaces between words are stretched to', 72, 372, 100, 3.6),
      ...words('fill each line so that the edges of the paragraph stay even', 72, 372, 112, 4.1),
      ...gaps.flatMap((gap, i) =>
        river(124 + i * 12, 'and now and then', 'the spaces of several lines', gap, [3, 4.5, 3.4, 4, 3.2][i]),
      ),
      ...words('happen to line up as a river of white running down the page', 72, 372, 184, 3.9),
      ...words('which a reader may notice but which is not a gap of columns', 72, 372, 196, 3.3),
    ];
    for (const gaps of [
      [0.6, 0.35, 0.42, 0.3, 0.45],
      // Even three rows as wide as a gutter there are no gutter when tight rows in between are not.
      [0.6, 0.35, 0.55, 0.4, 0.6],
    ]) {
      const items = paragraph(gaps);
      // The other lines cross x = 200: the river is five rows long.
      expect(
        [100, 112, 184, 196].map((b) =>
          crosses(
            items.filter((g) => g.base === b),
            200,
          ),
        ),
      ).toEqual([true, true, true, true]);
      const rows = texts(items);
      expect(rows.map((r) => r.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(rows[2]).toEqual(['and now and then the spaces of several lines']);
    }
  });

  it('splits at a gutter only the rows with a gap as wide as a gutter there', () => {
    // Two columns 1 em apart (the gutter at x = 205), below a short line whose word space (0.35 em) happens
    // to be at the gutter's x: that line is one piece, not two.
    const rows = texts([
      glyph('a', 198.25, 88, 5),
      glyph('short', 206.75, 88, 25),
      ...[0, 1, 2, 3].flatMap((i) => [
        line(`left column line ${i} of text`, 200, 100 + i * 12, 'end'),
        line(`right column line ${i} of text`, 210, 100 + i * 12),
      ]),
    ]);
    expect(rows[0]).toEqual(['a short']);
    expect(rows.slice(1).map((r) => r.length)).toEqual([2, 2, 2, 2]);
  });
});
