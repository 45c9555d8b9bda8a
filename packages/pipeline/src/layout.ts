import type { BBox, ZoneType } from '@syncline/doc';
import { groupRows, mostCommon, type Piece } from './lines.js';
import { type ListMarker, listMarker } from './list-marker.js';
import { findTables, round2, type TableRun } from './tables.js';
import type { Glyphs } from './text-items.js';

/** A zone found on a page, before it has an id and an order. */
export type LayoutZone = { bbox: BBox; type: ZoneType; label: string; confidence: number; text: string };

/** Lines further apart than this (times the font size, bottom to top) start a new block. */
const BLOCK_GAP = 0.9;
/** Font sizes differing by more than this fraction start a new block. */
const SIZE_CHANGE = 0.12;
/** A block at least this much larger than the page's body text is a heading candidate. */
const HEADING_RATIO = 1.15;
/** Text this close (times its font size) below or above a figure is its caption. */
const CAPTION_GAP = 2.5;
const CAPTION_WORDS = /^(figure|fig\.|image|chart|photo|illustration|plate|table)\s*[\dIVXivx]/i;

type Block = {
  kind: 'text' | 'list';
  lines: Piece[];
  /** For lists: the items, each a marker line plus continuation lines. */
  items: { marker: ListMarker; lines: Piece[] }[];
  x: number;
  right: number;
  bottom: number;
  size: number;
  /** The usual gap between its lines, once it has two. */
  gap: number | null;
};

/**
 * Page layout analysis: text items become rows, rows with aligned cells become tables, the other pieces
 * are grouped into blocks (by vertical proximity, horizontal overlap, font size, and list markers), and each
 * block is classified: a heading by its size relative to the page's body text (or by a distinct font on a
 * short line), a list by its markers, a caption by its place next to a figure, a paragraph otherwise.
 * `figures` are the image boxes found on the page. `check` is called often, so a cancel stops it promptly.
 */
export function layoutPage(items: Glyphs[], figures: BBox[], check: () => void): LayoutZone[] {
  const rows = groupRows(items, check);
  const { tables, rest } = findTables(rows);
  const pieces = rest.flatMap((r) => r.pieces);
  const body = bodyStyle(pieces, tables);
  const blocks = groupBlocks(pieces, check);
  const zones: LayoutZone[] = [];
  for (const t of tables) zones.push(tableZone(t));
  for (const f of figures)
    zones.push({ bbox: f, type: 'figure', label: 'Figure', confidence: 0.9, text: '' });
  for (const b of blocks) {
    check();
    zones.push(classify(b, body, figures));
  }
  return zones;
}

/** The size and font most characters of the page have (its body text). */
function bodyStyle(pieces: Piece[], tables: TableRun[]): { size: number; font: string } {
  const sizes = new Map<number, number>();
  const fonts = new Map<string, number>();
  const all = [...pieces, ...tables.flatMap((t) => t.rows.flatMap((r) => r.pieces))];
  for (const p of all) {
    sizes.set(p.size, (sizes.get(p.size) ?? 0) + p.chars);
    fonts.set(p.font, (fonts.get(p.font) ?? 0) + p.chars);
  }
  return { size: all.length ? mostCommon(sizes) : 0, font: all.length ? mostCommon(fonts) : '' };
}

function groupBlocks(pieces: Piece[], check: () => void): Block[] {
  const sorted = [...pieces].sort((a, b) => a.base - b.base || a.x - b.x);
  const open: Block[] = [];
  const done: Block[] = [];
  for (const p of sorted) {
    check();
    // Blocks far above this line cannot grow any more.
    for (let i = open.length - 1; i >= 0; i--) {
      if (p.y - open[i].bottom > 3 * open[i].size) done.push(...open.splice(i, 1));
    }
    const marker = listMarker(p.text);
    const target = open.find((b) => fits(b, p, marker));
    if (target) add(target, p, marker);
    else open.push(start(p, marker));
  }
  return [...done, ...open];
}

function start(p: Piece, marker: ListMarker | null): Block {
  return {
    kind: marker ? 'list' : 'text',
    lines: [p],
    items: marker ? [{ marker, lines: [p] }] : [],
    x: p.x,
    right: p.x + p.w,
    bottom: p.y + p.h,
    size: p.size,
    gap: null,
  };
}

function fits(b: Block, p: Piece, marker: ListMarker | null): boolean {
  if (Math.abs(p.size - b.size) > SIZE_CHANGE * b.size) return false;
  const gap = p.y - b.bottom;
  if (gap < -0.5 * p.size || gap > BLOCK_GAP * p.size) return false;
  if (b.gap !== null && gap > b.gap + 0.4 * p.size) return false;
  if (p.x >= b.right || p.x + p.w <= b.x) return false;
  const last = b.lines[b.lines.length - 1];
  if (b.kind === 'list') {
    const first = b.items[0].lines[0];
    // Another item at the same indent, or a continuation line indented past the marker.
    if (marker) return Math.abs(p.x - first.x) <= 0.6 * p.size && marker.kind === b.items[0].marker.kind;
    return p.x > first.x + 0.3 * p.size;
  }
  if (marker) return false;
  // A short first line in another font (often bold) is a run-in heading over the text, not its first line.
  if (b.lines.length === 1 && last.font !== p.font && last.w < 0.7 * p.w) return false;
  // A line that starts well to the right of a paragraph's left edge is not its next line.
  return p.x <= Math.max(b.x, last.x) + 2 * p.size;
}

function add(b: Block, p: Piece, marker: ListMarker | null): void {
  const gap = p.y - b.bottom;
  b.gap = b.gap === null ? Math.max(0, gap) : Math.max(b.gap, gap);
  b.lines.push(p);
  if (b.kind === 'list') {
    if (marker) b.items.push({ marker, lines: [p] });
    else b.items[b.items.length - 1].lines.push(p);
  }
  b.x = Math.min(b.x, p.x);
  b.right = Math.max(b.right, p.x + p.w);
  b.bottom = Math.max(b.bottom, p.y + p.h);
}

function boxOf(pieces: Piece[]): BBox {
  const x = Math.min(...pieces.map((p) => p.x));
  const y = Math.min(...pieces.map((p) => p.y));
  const right = Math.max(...pieces.map((p) => p.x + p.w));
  const bottom = Math.max(...pieces.map((p) => p.y + p.h));
  return { x: round2(x), y: round2(y), w: round2(right - x), h: round2(bottom - y) };
}

/** A line ending in a hyphen: the hyphen-minus or the Unicode hyphen (U+2010) some typesetters draw. */
const HYPHENATED = /[-\u2010]$/;

/** Joins lines into running text; a line ending in a hyphen joins the next without a space. */
function joinLines(lines: Piece[]): string {
  let text = '';
  for (const l of lines) text += text === '' || HYPHENATED.test(text) ? l.text : ` ${l.text}`;
  return text;
}

function tableZone(t: TableRun): LayoutZone {
  const pieces = t.rows.flatMap((r) => r.pieces);
  return {
    bbox: boxOf(pieces),
    type: 'table',
    label: `Table ${t.rows.length}×${t.columns}`,
    confidence: t.confidence,
    text: t.rows.map((r) => r.pieces.map((p) => p.text).join(' | ')).join('\n'),
  };
}

function classify(b: Block, body: { size: number; font: string }, figures: BBox[]): LayoutZone {
  const bbox = boxOf(b.lines);
  const ratio = body.size > 0 ? b.size / body.size : 1;
  // A lone numbered line in large type is a numbered heading ("1. Introduction"), not a list.
  const numberedHeading = b.kind === 'list' && b.items.length === 1 && ratio >= HEADING_RATIO;
  if (b.kind === 'list' && !numberedHeading) {
    const numbered = b.items[0].marker.kind === 'number';
    const text = b.items.map((it) => joinLines(it.lines)).join('\n');
    // Several items with the same kind of marker are clear evidence; a lone item less so.
    const confidence = b.items.length >= 2 ? 0.9 : 0.65;
    return { bbox, type: 'list', label: numbered ? 'Numbered list' : 'Bulleted list', confidence, text };
  }
  const text = joinLines(b.lines);
  const short = b.lines.length <= 3 && text.length <= 200;
  const sentence = /[.;,]$/.test(text);
  const near = captionOf(bbox, b.size, figures);
  const captionLike =
    near === 'below' || (near === 'above' && (CAPTION_WORDS.test(text) || b.lines.length <= 2));
  if (captionLike && b.lines.length <= 4 && ratio < HEADING_RATIO) {
    const confidence = CAPTION_WORDS.test(text) ? 0.9 : near === 'below' ? 0.75 : 0.6;
    return { bbox, type: 'caption', label: 'Caption', confidence, text };
  }
  if (ratio >= HEADING_RATIO && short) {
    // The bigger the text relative to the body, the surer; a heading rarely ends like a sentence.
    const confidence = Math.min(0.95, 0.6 + (ratio - HEADING_RATIO) * 1.2) - (sentence ? 0.2 : 0);
    const level = ratio >= 1.5 ? 1 : 2;
    return { bbox, type: 'heading', label: `Heading ${level}`, confidence: round2(confidence), text };
  }
  if (CAPTION_WORDS.test(text) && b.lines.length <= 3 && /^\S+\s*[\dIVXivx]+[.:]/.test(text)) {
    return { bbox, type: 'caption', label: 'Caption', confidence: 0.55, text };
  }
  if (
    b.lines.length === 1 &&
    text.length <= 80 &&
    !sentence &&
    b.lines[0].font !== body.font &&
    ratio >= 1 - SIZE_CHANGE
  ) {
    // Same size but another font (typically bold) on a short line: a run-in heading, weak evidence.
    return { bbox, type: 'heading', label: 'Heading 3', confidence: 0.5, text };
  }
  // Text only slightly larger than the body could be a minor heading: say so in the confidence.
  const ambiguous = ratio > 1 + SIZE_CHANGE / 2 && ratio < HEADING_RATIO;
  const confidence = ambiguous ? 0.6 : b.lines.length >= 2 ? 0.85 : 0.7;
  return { bbox, type: 'paragraph', label: 'Paragraph', confidence, text };
}

/** Whether a text box sits right below or above a figure (overlapping it horizontally). */
function captionOf(box: BBox, size: number, figures: BBox[]): 'below' | 'above' | null {
  for (const f of figures) {
    const overlap = Math.min(box.x + box.w, f.x + f.w) - Math.max(box.x, f.x);
    if (overlap <= 0) continue;
    const below = box.y - (f.y + f.h);
    if (below >= -0.5 * size && below <= CAPTION_GAP * size) return 'below';
    // Above a figure is a less usual place: only text right next to it counts.
    const above = f.y - (box.y + box.h);
    if (above >= -0.5 * size && above <= size) return 'above';
  }
  return null;
}
