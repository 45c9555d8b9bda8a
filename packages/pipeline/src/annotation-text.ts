import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';

/** What the analysis reads of an annotation pdfjs reports (`page.getAnnotations()`). */
type Annotation = {
  subtype?: unknown;
  fieldType?: unknown;
  fieldValue?: unknown;
  combo?: unknown;
  password?: unknown;
  rect?: unknown;
  textContent?: unknown;
  textPosition?: unknown;
  defaultAppearanceData?: { fontSize?: unknown } | null;
};

/** Inside a form field its text starts this far in from the left edge (as readers draw it). */
const PADDING = 2;
/** The font size of a field that says none (auto size), at most. */
const AUTO_SIZE = 12;
/** Lines of a multi-line field are this many times the font size apart. */
const LEADING = 1.15;
/** Glyphs are this wide on average, times the font size (the width of a field's text is not reported). */
const AVERAGE_WIDTH = 0.5;

const isNumbers = (x: unknown, n: number): x is number[] =>
  Array.isArray(x) &&
  x.length >= n &&
  x.slice(0, n).every((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * The text that a page's annotations show, as text items in its user space: the values of filled-in form fields
 * (text fields and combo boxes) and the text of free-text annotations (typewriter notes). pdfjs's text content leaves
 * annotations out, so a filled form read without them has its labels and none of its answers. pdfjs reports the
 * text each one's appearance draws (its lines, and where the first starts); a field without an appearance (the form
 * asks readers to draw them) shows its value, from its top left. Only annotations shown on the page are reported;
 * password fields are not read, nor are links and highlights (whose text is the page's own).
 */
export function annotationItems(annotations: unknown[]): TextItem[] {
  const out: TextItem[] = [];
  for (const raw of annotations) {
    const a = raw as Annotation;
    const field =
      a.subtype === 'Widget' && (a.fieldType === 'Tx' || (a.fieldType === 'Ch' && a.combo === true));
    if ((!field && a.subtype !== 'FreeText') || a.password === true || !isNumbers(a.rect, 4)) continue;
    const [x0, y0, x1, y1] = a.rect;
    const lines = shownLines(a);
    if (lines.length === 0) continue;
    const stated = a.defaultAppearanceData?.fontSize;
    const height = Math.abs(y1 - y0);
    const auto = lines.length > 1 ? AUTO_SIZE : Math.min(AUTO_SIZE, 0.6 * height);
    const size = typeof stated === 'number' && stated > 0 ? Math.min(stated, height || stated) : auto;
    if (!(size > 0)) continue;
    // Where the first line starts: as drawn, else in from the top left.
    const [dx, dy] = isNumbers(a.textPosition, 2)
      ? a.textPosition
      : [PADDING, lines.length > 1 ? height - PADDING - size : (height - size) / 2 + 0.2 * size];
    const left = Math.min(x0, x1);
    lines.forEach((str, i) => {
      if (str.trim() === '') return;
      const width = Math.min(str.length * AVERAGE_WIDTH * size, Math.max(Math.abs(x1 - x0) - dx, size));
      out.push({
        str,
        dir: 'ltr',
        width,
        height: size,
        transform: [size, 0, 0, size, left + dx, Math.min(y0, y1) + dy - i * LEADING * size],
        fontName: '',
        hasEOL: false,
      });
    });
  }
  return out;
}

/** The lines an annotation shows: as its appearance draws them, else a field's value. */
function shownLines(a: Annotation): string[] {
  if (Array.isArray(a.textContent) && a.textContent.length > 0) {
    return a.textContent.filter((l): l is string => typeof l === 'string');
  }
  if (a.subtype !== 'Widget') return [];
  const value = Array.isArray(a.fieldValue) ? a.fieldValue[0] : a.fieldValue;
  return typeof value === 'string' ? value.split(/\r\n|\r|\n/) : [];
}
