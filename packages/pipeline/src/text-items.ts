import type { TextContent, TextItem } from 'pdfjs-dist/types/src/display/api.js';

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

/** A run's text without control characters. */
export function cleanText(s: string): string {
  return s.replace(CONTROLS, '');
}

/**
 * The non-blank text items of a page with their boxes. `check` is called once per item, so a cancel
 * stops the work at the next item.
 */
export function textItems(content: TextContent, toPage: ToPage, check: () => void): Glyphs[] {
  const out: Glyphs[] = [];
  for (const raw of content.items) {
    check();
    if (!('str' in raw)) continue;
    const item = raw as TextItem;
    const str = cleanText(item.str);
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
    });
  }
  return out;
}

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
