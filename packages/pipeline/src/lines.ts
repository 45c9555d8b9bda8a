import { isLoneMarker } from './list-marker.js';
import type { Glyphs } from './text-items.js';

/** Text runs on one baseline that belong together: a line of a paragraph, or one cell of a table row. */
export type Piece = {
  x: number;
  y: number;
  w: number;
  h: number;
  base: number;
  /** The font size most of its characters have. */
  size: number;
  /** The font most of its characters use. */
  font: string;
  text: string;
  chars: number;
};

/** The pieces on one baseline, left to right. */
export type Row = { base: number; size: number; pieces: Piece[] };

/** Items on baselines closer than this (times the font size) are on the same line. */
const SAME_LINE = 0.4;
/** A horizontal gap wider than this (times the font size) separates pieces (table cells, columns). */
const PIECE_GAP = 1.2;
/** A narrower gap (times the font size) is never a gutter between text columns. */
const MIN_GUTTER = 0.5;
/** A gutter runs down at least this many rows with text on both sides. */
const GUTTER_ROWS = 3;
/** Gutter tries per page at most (each scans the rows of a run). */
const MAX_GUTTER_TRIES = 500;
/** A list marker this close (times the font size) to the text after it is that text's marker (a hanging indent). */
const MARKER_GAP = 4;
/** A gap wider than this (times the font size) between items means a space that the PDF did not draw. */
const SPACE_GAP = 0.12;

/** Groups text items into rows (by baseline) and each row into pieces (split at wide gaps). */
export function groupRows(items: Glyphs[], check: () => void): Row[] {
  const sorted = [...items].sort((a, b) => a.base - b.base || a.x - b.x);
  const rows: Glyphs[][] = [];
  let current: Glyphs[] = [];
  let base = Number.NaN;
  let size = 0;
  for (const g of sorted) {
    check();
    if (current.length > 0 && Math.abs(g.base - base) <= SAME_LINE * Math.min(g.size, size)) {
      current.push(g);
      continue;
    }
    if (current.length > 0) rows.push(current);
    current = [g];
    base = g.base;
    size = g.size;
  }
  if (current.length > 0) rows.push(current);
  for (const r of rows) r.sort((a, b) => a.x - b.x);
  const gutters = findGutters(rows, check);
  return rows.map((r, i) => {
    const pieces = splitPieces(r, gutters[i]);
    return { base: pieces[0].base, size: Math.max(...pieces.map((p) => p.size)), pieces };
  });
}

/**
 * Narrow gutters between text columns, per row (x positions to split the row at). Two justified columns set
 * close together (LaTeX's two-column article: 1 em apart) leave less than `PIECE_GAP` between a left line's
 * end and the right line's start, so the gap alone does not tell them from a wide space. A gutter is an x
 * where at least `GUTTER_ROWS` rows of a run of consecutive rows have a gap of at least `MIN_GUTTER` (text on
 * both sides), and no row of the run has text across x or a narrower gap at x; only those rows are split there.
 * Word spaces inside one column's lines do not line up like that: a chance "river" of them is mostly spaces
 * narrower than a gutter.
 */
function findGutters(rows: Glyphs[][], check: () => void): number[][] {
  const out: number[][] = rows.map(() => []);
  // Per row, the positions (to half a unit) already tried from a row of its run: a column's gutter is seen from
  // each of its rows. Per row, not per page: the same gutter resumes below a full-width line that crosses it.
  const tried: (Set<number> | undefined)[] = rows.map(() => undefined);
  let tries = 0;
  for (let i = 0; i < rows.length; i++) {
    let right = Number.NEGATIVE_INFINITY;
    for (const g of rows[i]) {
      const gap = g.x - right;
      if (gap >= MIN_GUTTER * g.size && gap <= PIECE_GAP * g.size && tries < MAX_GUTTER_TRIES) {
        check();
        const x = (right + g.x) / 2;
        const key = Math.round(x * 2);
        // Not again where this row's run already tried it, nor in a gap already split.
        if (!tried[i]?.has(key) && !out[i].some((at) => right < at && at < g.x)) {
          tries++;
          markGutter(rows, i, x, key, out, tried);
        }
      }
      right = Math.max(right, g.x + g.w);
    }
  }
  return out;
}

/**
 * How a row meets a vertical line at x: text across it, a gap there at least as wide as a gutter (text on both
 * sides), a narrower one, or text on one side only.
 */
function atGutter(r: Glyphs[], x: number): 'crosses' | 'gap' | 'narrow' | 'open' {
  let left = Number.NEGATIVE_INFINITY;
  for (const g of r) {
    if (g.x < x && g.x + g.w > x) return 'crosses';
    if (g.x >= x) {
      if (left === Number.NEGATIVE_INFINITY) return 'open';
      return g.x - left >= MIN_GUTTER * g.size ? 'gap' : 'narrow';
    }
    left = Math.max(left, g.x + g.w);
  }
  return 'open';
}

function markGutter(
  rows: Glyphs[][],
  i: number,
  x: number,
  key: number,
  out: number[][],
  tried: (Set<number> | undefined)[],
): void {
  const ends = (k: number) => {
    const at = atGutter(rows[k], x);
    return at === 'crosses' || at === 'narrow';
  };
  let lo = i;
  let hi = i;
  while (lo > 0 && !ends(lo - 1)) lo--;
  while (hi < rows.length - 1 && !ends(hi + 1)) hi++;
  const split: number[] = [];
  for (let k = lo; k <= hi; k++) {
    (tried[k] ??= new Set()).add(key);
    if (atGutter(rows[k], x) === 'gap') split.push(k);
  }
  if (split.length >= GUTTER_ROWS) for (const k of split) out[k].push(x);
}

function splitPieces(items: Glyphs[], gutters: number[]): Piece[] {
  const pieces: Glyphs[][] = [];
  let right = Number.NEGATIVE_INFINITY;
  for (const g of items) {
    const gap = g.x - right;
    const last = pieces[pieces.length - 1];
    const wide = gap > PIECE_GAP * g.size || gutters.some((x) => right < x && x < g.x);
    // A list marker a hanging indent away from its item's text is part of that text, not a table cell of its
    // own (a bulleted list would be read as a table "• | item"). A dash only where it starts the row.
    const split =
      last === undefined ||
      (wide &&
        !(
          gap <= MARKER_GAP * g.size &&
          last.length <= 2 &&
          isLoneMarker(last.map((x) => x.str).join(''), pieces.length === 1)
        ));
    if (split) pieces.push([g]);
    else last.push(g);
    right = Math.max(right, g.x + g.w);
  }
  return pieces.map(toPiece);
}

/** `items` are left to right. */
function toPiece(items: Glyphs[]): Piece {
  const sizes = new Map<number, number>();
  const fonts = new Map<string, number>();
  let chars = 0;
  let rtlChars = 0;
  for (const g of items) {
    const n = g.str.trim().length;
    chars += n;
    if (g.rtl) rtlChars += n;
    const s = Math.round(g.size * 2) / 2;
    sizes.set(s, (sizes.get(s) ?? 0) + n);
    fonts.set(g.font, (fonts.get(g.font) ?? 0) + n);
  }
  // Right-to-left text is read from the right: each run's string is in logical order already (pdfjs), but
  // runs split at wide gaps (justified text) must be joined from the rightmost one.
  const rtl = rtlChars * 2 > chars;
  const ordered = rtl ? [...items].sort((a, b) => b.x + b.w - (a.x + a.w)) : items;
  let text = '';
  let edge = rtl ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const g of ordered) {
    const gap = rtl ? edge - (g.x + g.w) : g.x - edge;
    if (text !== '' && gap > SPACE_GAP * g.size && !/\s$/.test(text) && !/^\s/.test(g.str)) {
      text += ' ';
    }
    text += g.str;
    edge = rtl ? Math.min(edge, g.x) : Math.max(edge, g.x + g.w);
  }
  const right = Math.max(...items.map((g) => g.x + g.w));
  const x = Math.min(...items.map((g) => g.x));
  const y = Math.min(...items.map((g) => g.y));
  return {
    x,
    y,
    w: right - x,
    h: Math.max(...items.map((g) => g.y + g.h)) - y,
    base: Math.max(...items.map((g) => g.base)),
    size: mostCommon(sizes),
    font: mostCommon(fonts),
    text: text.replace(/\s+/g, ' ').trim(),
    chars,
  };
}

/** The key with the largest count (the first one seen on a tie). */
export function mostCommon<K>(counts: Map<K, number>): K {
  let best: K | undefined;
  let max = -1;
  for (const [k, n] of counts) {
    if (n > max) {
      best = k;
      max = n;
    }
  }
  return best as K;
}
