import type { Glyphs } from '../text-items.js';

/** For tests: a run of `size` units of Helvetica-ish text (half an em per character) with its baseline at `base`. */
export const glyphRun = (
  str: string,
  x: number,
  base: number,
  size = 12,
  w = str.length * size * 0.5,
): Glyphs => ({
  str,
  x,
  y: base - 0.72 * size,
  w,
  h: 0.93 * size,
  base,
  size,
  font: 'F1',
});
