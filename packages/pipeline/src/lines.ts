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
  return rows.map((r) => {
    const pieces = splitPieces(r.sort((a, b) => a.x - b.x));
    return { base: pieces[0].base, size: Math.max(...pieces.map((p) => p.size)), pieces };
  });
}

function splitPieces(items: Glyphs[]): Piece[] {
  const pieces: Glyphs[][] = [];
  let right = Number.NEGATIVE_INFINITY;
  for (const g of items) {
    if (pieces.length === 0 || g.x - right > PIECE_GAP * g.size) pieces.push([g]);
    else pieces[pieces.length - 1].push(g);
    right = Math.max(right, g.x + g.w);
  }
  return pieces.map(toPiece);
}

function toPiece(items: Glyphs[]): Piece {
  let text = '';
  let right = Number.NEGATIVE_INFINITY;
  const sizes = new Map<number, number>();
  const fonts = new Map<string, number>();
  let chars = 0;
  for (const g of items) {
    if (text !== '' && g.x - right > SPACE_GAP * g.size && !/\s$/.test(text) && !/^\s/.test(g.str)) {
      text += ' ';
    }
    text += g.str;
    right = Math.max(right, g.x + g.w);
    const n = g.str.trim().length;
    chars += n;
    const s = Math.round(g.size * 2) / 2;
    sizes.set(s, (sizes.get(s) ?? 0) + n);
    fonts.set(g.font, (fonts.get(g.font) ?? 0) + n);
  }
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
