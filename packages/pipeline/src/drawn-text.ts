import type { TextContent, TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { respace, spacedOut } from './letter-spacing.js';
import { asMatrix, IDENTITY, type Matrix, multiply } from './matrix.js';

type OperatorList = { fnArray: number[]; argsArray: unknown[] };
type Ops = Record<string, number>;

/** What the text layout needs of a font pdfjs loaded: how its glyph widths scale, and whether it writes downwards. */
export type FontMetrics = { fontMatrix?: ArrayLike<number>; vertical?: boolean };

/** Which optional content (layers) the page shows: pdfjs's `OptionalContentConfig` for display. */
export type OptionalContent = { isVisible(group: never): boolean };

/** How a page draws its text items (indexes into its text content's items); items in neither set are visible. */
export type DrawnText = {
  /** Drawn invisibly: text render mode 3 or 7, as an OCR layer over a scan is. */
  invisible: Set<number>;
  /** Not drawn at all: in optional content (a layer) that the page as shown leaves out. */
  hidden: Set<number>;
  /** Letter-spaced items that pdfjs read with a space between every two letters, and their text (`respace`). */
  respaced: Map<number, string>;
};

/** A glyph as drawn: visible, invisibly, or not at all. */
const VISIBLE = 0;
const INVISIBLE = 1;
const HIDDEN = 2;

/**
 * Text render modes 3 (neither filled nor stroked) and 7 (only added to the clip) paint no glyphs. (What is painted
 * through a mode 7 clip afterwards, a gradient filling a heading, does show its text: such text is only left out
 * where visible text covers it, like an OCR layer, so a lone gradient heading is still read.)
 */
const isInvisibleMode = (mode: number): boolean => (mode & 3) === 3;

/** pdfjs's default font matrix: glyph widths in thousandths of the font size. */
const FONT_UNITS = 0.001;

/**
 * A text item starts at a glyph's origin within this (page units). Both are computed from the same numbers, but
 * pdfjs keeps the transform in single precision.
 */
const SAME_ORIGIN = 0.01;

/** pdfjs's glyph categories (`getCharUnicodeCategory`): skipped as a space, drawn without advance, or dropped. */
const CATEGORY = /^(\s)|(\p{Mn})|(\p{Cf})$/u;

type Glyph = { unicode?: unknown; width?: unknown; vmetric?: unknown; originalCharCode?: unknown };

type State = {
  /** Replaced, never changed in place. */
  ctm: Matrix;
  /** The text matrix and text line matrix: changed in place. */
  tm: number[];
  tlm: number[];
  /** The font's glyph width unit (its matrix's first number) and writing direction. */
  font: Font;
  size: number;
  charSpacing: number;
  wordSpacing: number;
  hScale: number;
  leading: number;
  rise: number;
  mode: number;
};

type Font = { unit: number; vertical: boolean };
const DEFAULT_FONT: Font = { unit: FONT_UNITS, vertical: false };

const initialState = (): State => ({
  ctm: IDENTITY,
  tm: [...IDENTITY],
  tlm: [...IDENTITY],
  font: DEFAULT_FONT,
  size: 0,
  charSpacing: 0,
  wordSpacing: 0,
  hScale: 1,
  leading: 0,
  rise: 0,
  mode: 0,
});

/** A saved copy of the state (q, a form XObject), with its own text matrices. */
const copyState = (s: State): State => ({ ...s, tm: s.tm.slice(), tlm: s.tlm.slice() });

const num = (x: unknown, otherwise = 0): number =>
  typeof x === 'number' && Number.isFinite(x) ? x : otherwise;

/** Whether the page may draw text other than visibly (a cheap scan, before the work of placing its glyphs). */
function mayHideText(list: OperatorList, OPS: Ops, layers: OptionalContent | undefined): boolean {
  for (let i = 0; i < list.fnArray.length; i++) {
    const fn = list.fnArray[i];
    const args = list.argsArray[i] as unknown[] | null;
    if (fn === OPS.setTextRenderingMode && isInvisibleMode(num(args?.[0]))) return true;
    if (fn === OPS.beginMarkedContentProps && args?.[0] === 'OC' && !isShown(layers, args[1])) return true;
  }
  return false;
}

/** Whether optional content of `group` is shown (as pdfjs's canvas decides; a group it cannot tell is shown). */
export const isShown = (layers: OptionalContent | undefined, group: unknown): boolean =>
  layers === undefined || layers.isVisible(group as never) !== false;

/**
 * How a page draws its text items (its text content's `items`): which it draws invisibly (in text render mode 3 or
 * 7, as an OCR layer laid over a scanned page is) or not at all (in a layer, optional content, that the page as
 * shown leaves out: `layers`, the document's setting for display), and the text of those whose letters it sets apart
 * (which pdfjs reads as `S U M M A R Y`). pdfjs's text content tells none of this; its operator list does: its glyphs
 * are placed the way pdfjs places them for the text content, and each item is matched to the glyph it starts at (its
 * origin; the first one there from where the previous item matched: items and glyphs are both in the order the page
 * draws them, so a visible word and an OCR line starting at the same point are told apart). An item that matches no
 * glyph counts as visible, and keeps pdfjs's text.
 */
export function drawnText(
  items: TextContent['items'],
  list: OperatorList,
  OPS: Ops,
  fontOf: (loadedName: string) => FontMetrics | undefined,
  view: number[],
  layers: OptionalContent | undefined,
  check: () => void,
): DrawnText {
  const out: DrawnText = { invisible: new Set(), hidden: new Set(), respaced: new Map() };
  const spaced = (raw: (typeof items)[number]): raw is TextItem => 'str' in raw && spacedOut(raw.str);
  if (!mayHideText(list, OPS, layers) && !items.some(spaced)) return out;
  const glyphs = glyphOrigins(list, OPS, fontOf, view, layers, check);
  // The glyphs by their origin rounded to a grid finer than `SAME_ORIGIN` (column, then row), each square's list in
  // drawing order.
  const squares = new Map<number, Map<number, number[]>>();
  for (let k = 0; k < glyphs.x.length; k++) {
    const qx = Math.round(glyphs.x[k] / SAME_ORIGIN);
    const qy = Math.round(glyphs.y[k] / SAME_ORIGIN);
    let column = squares.get(qx);
    if (column === undefined) squares.set(qx, (column = new Map()));
    const list = column.get(qy);
    if (list) list.push(k);
    else column.set(qy, [k]);
  }
  let next = 0;
  items.forEach((raw, index) => {
    if (!('str' in raw) || raw.str.trim() === '') return;
    check();
    const e = num(raw.transform?.[4], Number.NaN);
    const f = num(raw.transform?.[5], Number.NaN);
    if (Number.isNaN(e) || Number.isNaN(f)) return;
    const qx = Math.round(e / SAME_ORIGIN);
    const qy = Math.round(f / SAME_ORIGIN);
    // The first glyph there from `next` on, else the last one before it (an item out of step: matched, not moved on).
    let ahead = -1;
    let behind = -1;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const list = squares.get(qx + dx)?.get(qy + dy);
        if (list === undefined) continue;
        const i = firstAtLeast(list, next);
        if (i < list.length && (ahead < 0 || list[i] < ahead)) ahead = list[i];
        if (i > 0 && list[i - 1] > behind) behind = list[i - 1];
      }
    }
    const k = ahead >= 0 ? ahead : behind;
    if (k < 0) return;
    if (ahead >= 0) next = ahead + 1;
    if (glyphs.drawn[k] === INVISIBLE) out.invisible.add(index);
    else if (glyphs.drawn[k] === HIDDEN) out.hidden.add(index);
    // (A right-to-left run's text is in reading order, its glyphs in drawing order: it keeps pdfjs's text.)
    if (spaced(raw) && raw.dir !== 'rtl') {
      const [a, b, c, d] = raw.transform as number[];
      const em = Math.max(Math.hypot(a, b), Math.hypot(c, d));
      const text = respace(raw.str, em, (i) =>
        k + i < glyphs.x.length
          ? {
              text: glyphs.text[k + i],
              x: glyphs.x[k + i],
              y: glyphs.y[k + i],
              ex: glyphs.ex[k + i],
              ey: glyphs.ey[k + i],
              spaceBefore: glyphs.spaceBefore[k + i],
            }
          : undefined,
      );
      if (text !== undefined && text !== raw.str) out.respaced.set(index, text);
    }
  });
  return out;
}

/** The index of the first element of ascending `list` that is at least `n` (its length when none is). */
function firstAtLeast(list: number[], n: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Origins = {
  x: number[];
  y: number[];
  drawn: number[];
  /** The glyph's text, where its advance ends, and whether a space glyph came since the glyph before. */
  text: string[];
  ex: number[];
  ey: number[];
  spaceBefore: boolean[];
};

/**
 * Where each glyph that can start a text item is drawn (PDF user space), in drawing order, and how (`VISIBLE`,
 * `INVISIBLE`, `HIDDEN`). This follows pdfjs's text content (`getTextContent` in its evaluator), not its canvas:
 * the same text state, advances, spacing (`Tc` after every glyph, `Tw` after a space, a `TJ` number after the glyph
 * before it, `Tz` scaling them), skipped spaces and format marks, and glyphs off the page advancing without their
 * spacing.
 */
function glyphOrigins(
  list: OperatorList,
  OPS: Ops,
  fontOf: (loadedName: string) => FontMetrics | undefined,
  view: number[],
  layers: OptionalContent | undefined,
  check: () => void,
): Origins {
  const out: Origins = { x: [], y: [], drawn: [], text: [], ex: [], ey: [], spaceBefore: [] };
  let space = false;
  // Marked content open around what is drawn, whether each is shown (optional content may be off), and how many are
  // not: pdfjs's canvas draws nothing inside one that is not. (Not part of the graphics state: q/Q leave it.)
  const marked: boolean[] = [];
  let unshown = 0;
  const [v0, v1, v2, v3] = [0, 1, 2, 3].map((i) => num(view[i]));
  let s = initialState();
  const stack: State[] = [];
  const categories = new Map<string, number>();
  const category = (unicode: string): number => {
    let c = categories.get(unicode);
    if (c === undefined) {
      const m = CATEGORY.exec(unicode);
      c = m?.[1] ? 1 : m?.[2] ? 2 : m?.[3] ? 3 : 0;
      categories.set(unicode, c);
    }
    return c;
  };
  // The text matrices are changed in place, per glyph: no garbage for each of a page's thousands of glyphs.
  const translate = (x: number, y: number) => {
    const m = s.tm;
    m[4] += m[0] * x + m[2] * y;
    m[5] += m[1] * x + m[3] * y;
  };
  const moveLine = (x: number, y: number) => {
    const m = s.tlm;
    m[4] += m[0] * x + m[2] * y;
    m[5] += m[1] * x + m[3] * y;
    s.tm = m.slice();
  };
  /** The current glyph's origin (`ox`, `oy`): the text rise above the text matrix's origin, through the CTM. */
  let ox = 0;
  let oy = 0;
  const origin = () => {
    const { tm, ctm, rise } = s;
    const e = tm[2] * rise + tm[4];
    const f = tm[3] * rise + tm[5];
    ox = ctm[0] * e + ctm[2] * f + ctm[4];
    oy = ctm[1] * e + ctm[3] * f + ctm[5];
  };
  // Per font, read once: pdfjs's font objects decode their properties from a buffer on every read.
  const fonts = new Map<string, Font>();
  const fontNamed = (name: string): Font => {
    let font = fonts.get(name);
    if (font === undefined) {
      const metrics = fontOf(name);
      font = { unit: num(metrics?.fontMatrix?.[0], FONT_UNITS), vertical: metrics?.vertical === true };
      fonts.set(name, font);
    }
    return font;
  };
  const setFont = (name: unknown, size: unknown) => {
    s.font = typeof name === 'string' ? fontNamed(name) : DEFAULT_FONT;
    s.size = num(size);
  };
  /** One stretch of glyphs of a show-text operator, `extra` (a `TJ` number, in text space) after its last. */
  const run = (glyphs: Glyph[], extra: number) => {
    const vertical = s.font.vertical;
    const base = vertical ? -s.charSpacing : s.charSpacing;
    const advance = (spacing: number) =>
      vertical ? translate(0, -spacing) : translate(spacing * s.hScale, 0);
    if (glyphs.length === 0) {
      if (base + extra) advance(base + extra);
      return;
    }
    const scale = s.font.unit * s.size;
    for (let i = 0; i < glyphs.length; i++) {
      const g = glyphs[i];
      const kind = category(typeof g.unicode === 'string' ? g.unicode : '');
      if (kind === 3) continue;
      let spacing = base + (i + 1 === glyphs.length ? extra : 0);
      let width = num(g.width);
      if (vertical) width = Array.isArray(g.vmetric) ? num(g.vmetric[0]) : -width;
      let dim = width * scale;
      if (g.originalCharCode === 0x20) spacing += s.wordSpacing;
      if (kind === 1) {
        advance(spacing + (vertical ? -dim : dim));
        space = true;
        continue;
      }
      origin();
      const x = ox;
      const y = oy;
      const offPage = vertical
        ? x < v0 || x > v2 || y + dim < v1 || y > v3
        : x + dim < v0 || x > v2 || y < v1 || y > v3;
      if (kind !== 2 && offPage) {
        if (vertical) translate(0, dim);
        else translate(dim * s.hScale, 0);
        continue;
      }
      out.x.push(x);
      out.y.push(y);
      out.drawn.push(unshown > 0 ? HIDDEN : isInvisibleMode(s.mode) ? INVISIBLE : VISIBLE);
      out.text.push(typeof g.unicode === 'string' ? g.unicode : '');
      out.spaceBefore.push(space);
      space = false;
      if (kind === 2) dim = 0;
      if (vertical) translate(0, dim);
      else translate(dim * s.hScale, 0);
      origin();
      out.ex.push(ox);
      out.ey.push(oy);
      if (spacing) advance(spacing);
    }
  };
  /** A show-text operator's glyphs (and, from a `TJ`, numbers): stretches split at the numbers, as pdfjs reads them. */
  const show = (elements: unknown) => {
    if (!Array.isArray(elements)) return;
    const spaceFactor = ((s.font.vertical ? 1 : -1) * s.size) / 1000;
    let stretch: Glyph[] = [];
    for (const el of elements) {
      if (typeof el === 'number') {
        if (el !== 0 && Number.isFinite(el)) {
          run(stretch, el * spaceFactor);
          stretch = [];
        }
      } else if (el !== null && typeof el === 'object') stretch.push(el as Glyph);
    }
    if (stretch.length > 0) run(stretch, 0);
  };
  for (let i = 0; i < list.fnArray.length; i++) {
    if ((i & 255) === 0) check();
    const fn = list.fnArray[i];
    const args = list.argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push(copyState(s));
        break;
      case OPS.restore:
        s = stack.pop() ?? s;
        break;
      case OPS.transform: {
        const m = asMatrix(args);
        if (m) s.ctm = multiply(s.ctm, m);
        break;
      }
      case OPS.paintFormXObjectBegin: {
        stack.push(copyState(s));
        const m = asMatrix(args?.[0]);
        if (m) s.ctm = multiply(s.ctm, m);
        break;
      }
      case OPS.paintFormXObjectEnd:
        s = stack.pop() ?? s;
        break;
      case OPS.beginText:
        s.tm = [...IDENTITY];
        s.tlm = [...IDENTITY];
        break;
      case OPS.setFont:
        setFont(args?.[0], args?.[1]);
        break;
      case OPS.setGState:
        for (const entry of Array.isArray(args?.[0]) ? (args[0] as unknown[]) : []) {
          if (Array.isArray(entry) && entry[0] === 'Font' && Array.isArray(entry[1])) {
            setFont(entry[1][0], entry[1][1]);
          }
        }
        break;
      case OPS.setTextRenderingMode:
        s.mode = num(args?.[0]);
        break;
      case OPS.setTextRise:
        s.rise = num(args?.[0]);
        break;
      case OPS.setHScale:
        s.hScale = num(args?.[0], 100) / 100;
        break;
      case OPS.setLeading:
        s.leading = num(args?.[0]);
        break;
      case OPS.setCharSpacing:
        s.charSpacing = num(args?.[0]);
        break;
      case OPS.setWordSpacing:
        s.wordSpacing = num(args?.[0]);
        break;
      case OPS.moveText:
        moveLine(num(args?.[0]), num(args?.[1]));
        break;
      case OPS.setLeadingMoveText:
        s.leading = -num(args?.[1]);
        moveLine(num(args?.[0]), num(args?.[1]));
        break;
      case OPS.nextLine:
        moveLine(0, -s.leading);
        break;
      case OPS.setTextMatrix: {
        // pdfjs hands the matrix over as one argument (a Float32Array); the six numbers are taken too.
        const m = asMatrix(args?.[0]) ?? asMatrix(args);
        if (m) {
          s.tm = m;
          s.tlm = m.slice();
        }
        break;
      }
      case OPS.beginMarkedContent:
        marked.push(true);
        break;
      case OPS.beginMarkedContentProps: {
        const shown = args?.[0] !== 'OC' || isShown(layers, args[1]);
        marked.push(shown);
        if (!shown) unshown++;
        break;
      }
      case OPS.endMarkedContent:
        if (marked.pop() === false) unshown--;
        break;
      case OPS.showText:
      case OPS.showSpacedText:
        show(args?.[0]);
        break;
      case OPS.nextLineShowText:
        moveLine(0, -s.leading);
        show(args?.[0]);
        break;
      case OPS.nextLineSetSpacingShowText:
        s.wordSpacing = num(args?.[0]);
        s.charSpacing = num(args?.[1]);
        moveLine(0, -s.leading);
        show(args?.[2]);
        break;
    }
  }
  return out;
}
