import { describe, expect, it } from 'vitest';
import { type PlacedGlyph, respace, spacedOut } from './letter-spacing.js';

/**
 * Glyphs of `text` on a baseline from x = 72, each `width` wide and `gap` after the one before; a space in `text` is
 * a space glyph (`spaceBefore` on the next), `|` a gap `wide` wider instead.
 */
function glyphs(
  text: string,
  gap: number,
  { width = 8, wide = 0 } = {},
): (i: number) => PlacedGlyph | undefined {
  const out: PlacedGlyph[] = [];
  let x = 72;
  let space = false;
  for (const c of text) {
    if (c === ' ' || c === '|') {
      x += c === ' ' ? width : wide;
      space = c === ' ';
      continue;
    }
    out.push({ text: c, x, y: 700, ex: x + width, ey: 700, spaceBefore: space });
    x += width + gap;
    space = false;
  }
  return (i) => out[i];
}

describe('spacedOut', () => {
  it('tells text pdfjs read with a space between every two letters', () => {
    expect(spacedOut('S U M M A R Y')).toBe(true);
    expect(spacedOut('日 本 語')).toBe(true);
    expect(spacedOut('a b')).toBe(false);
    expect(spacedOut('An ordinary line')).toBe(false);
    expect(spacedOut('S U M  M A R Y')).toBe(false);
  });
});

describe('respace', () => {
  it('joins the letters, with a space where a space glyph was or a gap wider than the letters’ is', () => {
    // Tracked by character spacing (2 units at 14 pt), the words apart by a space glyph.
    expect(respace('E X E C U T I V E S U M M A R Y', 14, glyphs('EXECUTIVE SUMMARY', 2))).toBe(
      'EXECUTIVE SUMMARY',
    );
    // Tracked by TJ numbers, the words apart by a wider one (no space glyph).
    expect(respace('A N N U A L R E P O R T', 14, glyphs('ANNUAL|REPORT', 2, { wide: 6 }))).toBe(
      'ANNUAL REPORT',
    );
    // One word, evenly spaced; and letters really apart (a space glyph between each two) stay apart.
    expect(respace('S U M M A R Y', 14, glyphs('SUMMARY', 2))).toBe('SUMMARY');
    expect(respace('a b c', 12, glyphs('a b c', 0))).toBe('a b c');
  });

  it('keeps pdfjs’s text when the glyphs are not its letters', () => {
    expect(respace('S U M M A R Y', 14, glyphs('SUMMARIES', 2))).toBeUndefined();
    expect(respace('S U M M A R Y', 14, glyphs('SUM', 2))).toBeUndefined();
  });
});
