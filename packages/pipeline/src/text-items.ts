import type { TextContent, TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { DrawnText } from './drawn-text.js';

/** One run of text on a page, in page units with the origin at the top-left. */
export type Glyphs = {
  str: string;
  x: number;
  /** Top of the line box (baseline minus the font's ascent). */
  y: number;
  w: number;
  h: number;
  /** Baseline, from the top. */
  base: number;
  size: number;
  font: string;
  /** pdfjs reports the run as right-to-left (its `str` is already in logical order). */
  rtl?: boolean;
  /** The page draws the run invisibly (text render mode 3 or 7: an OCR layer). */
  invisible?: boolean;
};

/** Maps a point in PDF user space to the page's top-left space (the viewport at scale 1). */
export type ToPage = (x: number, y: number) => [number, number];

const DEFAULT_ASCENT = 0.8;
const DEFAULT_DESCENT = -0.2;

/**
 * Control characters (C0 but tab, line feed and carriage return; DEL; C1): what a font's broken ToUnicode map
 * gives glyphs it does not know, never text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose.
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * A run's text without control characters, in NFC: a letter and the accent a font draws apart from it (`e` + U+0301)
 * become the one character a user types (`é`), so a search for what they typed finds it.
 */
export function cleanText(s: string): string {
  return s.replace(CONTROLS, '').normalize('NFC');
}

/**
 * The non-blank text items of a page with their boxes. `check` is called once per item, so a cancel
 * stops the work at the next item. `drawn`: the items the page draws invisibly (marked `invisible`) or not at all
 * (left out), and the text of letter-spaced ones.
 */
export function textItems(
  content: TextContent,
  toPage: ToPage,
  check: () => void,
  drawn?: DrawnText,
): Glyphs[] {
  const out: Glyphs[] = [];
  for (const [index, raw] of content.items.entries()) {
    check();
    if (!('str' in raw) || drawn?.hidden.has(index)) continue;
    const item = raw as TextItem;
    const str = cleanText(drawn?.respaced.get(index) ?? item.str);
    if (str.trim() === '') continue;
    const [a, b, c, d, e, f] = item.transform as number[];
    const size = Math.hypot(c, d) || Math.hypot(a, b);
    if (!(size > 0) || !Number.isFinite(e) || !Number.isFinite(f)) continue;
    const style = content.styles[item.fontName];
    const ascent = style && style.ascent > 0 && style.ascent < 2 ? style.ascent : DEFAULT_ASCENT;
    const descent = style && style.descent < 0 && style.descent > -1 ? style.descent : DEFAULT_DESCENT;
    // The run's box in text space: from the baseline origin along the writing direction, ascent up.
    const ux = a / (Math.hypot(a, b) || 1);
    const uy = b / (Math.hypot(a, b) || 1);
    const width = Math.max(0, item.width);
    const corners: [number, number][] = isVertical(item, content)
      ? verticalCorners(e, f, ux, uy, width || size, Math.max(0, item.height), toPage)
      : [
          toPage(e - uy * descent * size, f + ux * descent * size),
          toPage(e - uy * ascent * size, f + ux * ascent * size),
          toPage(e + ux * width - uy * descent * size, f + uy * width + ux * descent * size),
          toPage(e + ux * width - uy * ascent * size, f + uy * width + ux * ascent * size),
        ];
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    const base = toPage(e, f)[1];
    out.push({
      str,
      x,
      y,
      w: Math.max(...xs) - x,
      h: Math.max(...ys) - y,
      base,
      size,
      font: item.fontName,
      rtl: item.dir === 'rtl',
      ...(drawn?.invisible.has(index) ? { invisible: true } : {}),
    });
  }
  return out;
}

/** Runs this close (times the font size, at the start and at the end of the run, and between baselines) overlap. */
const SAME_PLACE = 0.5;
/** Kept runs of one text in one square of the grid that a run is compared with (the latest ones). */
const MAX_REPEAT_CANDIDATES = 64;

/**
 * The runs without those that repeat a run already kept: the same text, at about the same size, drawn over it
 * (`sameRun`). PDFs draw text twice for a fake bold (a second pass a
 * fraction of a point to the side), a drop shadow, a fill and then a stroke, or an invisible OCR layer laid over the
 * same words; read as it is, each line of such text would come out twice ("HelloHello"). A reader sees it once.
 */
export function withoutRepeats(items: Glyphs[], check: () => void): Glyphs[] {
  const out: Glyphs[] = [];
  // Kept runs by text, in a grid of squares as wide as the page's largest font: a repeat starts within half its font
  // size of its original, so in the same square or one next to it. A square holding many runs of one text (a dot
  // leader's dots) is searched among its latest `MAX_REPEAT_CANDIDATES`, so no page costs more than that per run.
  const unit = items.reduce((m, g) => Math.max(m, g.size), 1);
  const seen = new Map<string, Map<number, Glyphs[]>>();
  for (const g of items) {
    check();
    const text = g.str.trim();
    const col = Math.floor(g.x / unit);
    const row = Math.floor(g.base / unit);
    let cells = seen.get(text);
    if (cells !== undefined && isRepeat(cells, col, row, g)) continue;
    out.push(g);
    if (cells === undefined) seen.set(text, (cells = new Map()));
    const key = cellKey(col, row);
    const kept = cells.get(key);
    if (kept) kept.push(g);
    else cells.set(key, [g]);
  }
  return out;
}

/** A square of the grid as one number (two squares that share one are only compared with each other's runs too). */
const cellKey = (col: number, row: number): number => col * 2 ** 22 + row;

/** Whether `g` repeats a run kept in its square (`cells` of its text) or one next to it. */
function isRepeat(cells: Map<number, Glyphs[]>, col: number, row: number, g: Glyphs): boolean {
  for (let dc = -1; dc <= 1; dc++) {
    for (let dr = -1; dr <= 1; dr++) {
      const kept = cells.get(cellKey(col + dc, row + dr));
      if (kept === undefined) continue;
      for (let i = kept.length - 1; i >= Math.max(0, kept.length - MAX_REPEAT_CANDIDATES); i--) {
        if (sameRun(kept[i], g)) return true;
      }
    }
  }
  return false;
}

/**
 * Whether `b` is `a` drawn again: the same size (within 20 %) and place: its baseline within half the font size, its
 * start and end within half the font size and less than half its width away (so that the next of a line's glyphs drawn
 * one by one, `l` then `l`, is never taken for a repeat of the one before).
 */
const sameRun = (a: Glyphs, b: Glyphs): boolean => {
  const size = Math.max(a.size, b.size);
  const near = SAME_PLACE * size;
  const across = Math.min(near, SAME_PLACE * Math.min(a.w, b.w));
  return (
    Math.min(a.size, b.size) >= 0.8 * size &&
    Math.abs(a.x - b.x) <= across &&
    Math.abs(a.x + a.w - (b.x + b.w)) <= across &&
    Math.abs(a.base - b.base) <= near
  );
};

/** A run of vertical writing (a CJK font's `-V` encoding): pdfjs says `ttb`, its style `vertical`. */
export function isVertical(item: TextItem, content: TextContent): boolean {
  return (
    item.dir === 'ttb' ||
    (content.styles[item.fontName] as { vertical?: boolean } | undefined)?.vertical === true
  );
}

/**
 * The box of a vertical run: from its origin (the top of its first glyph, centred across the column) down
 * the text space's y axis by its advance (`height`), `width` (one glyph) across.
 */
function verticalCorners(
  e: number,
  f: number,
  ux: number,
  uy: number,
  width: number,
  height: number,
  toPage: ToPage,
): [number, number][] {
  const half = width / 2;
  return [
    toPage(e - ux * half, f - uy * half),
    toPage(e + ux * half, f + uy * half),
    toPage(e - ux * half + uy * height, f - uy * half - ux * height),
    toPage(e + ux * half + uy * height, f + uy * half - ux * height),
  ];
}
