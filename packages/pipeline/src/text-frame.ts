import type { BBox } from '@syncline/doc';
import type { TextContent, TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { PageSize } from './page-box.js';
import { isVertical, type ToPage } from './text-items.js';

/** Quarter turns clockwise from "runs to the right" to the way most of a page's text runs on the page as shown. */
export type Turn = 0 | 1 | 2 | 3;

/**
 * Where a page's text is upright: the page as shown (top-left origin) turned so that most of its text runs left
 * to right. Layout analysis (lines by baseline, blocks top to bottom, reading order) works in this frame; the
 * boxes it finds are turned back. A page turned by `/Rotate` whose content is drawn upright, or a landscape
 * table drawn sideways on a portrait page, shows its text running down or up the page: read in page space, its
 * lines would be columns and its paragraphs read backwards.
 */
export type TextFrame = {
  turn: Turn;
  /** A point of the page as shown, in the frame. */
  toFrame: ToPage;
  /** A box in the frame, on the page as shown. */
  toPageBox: (b: BBox) => BBox;
  /** A box on the page as shown, in the frame. */
  toFrameBox: (b: BBox) => BBox;
};

/**
 * A page is read turned only with at least this many characters of text running that way (or if most of them
 * are vertical writing).
 */
const MIN_TURNED_CHARS = 100;

/**
 * The quarter turn most characters of the page's text run in (on the page as shown, `toPage`; a vertical run
 * runs down its column): 0 unless more than twice as many characters (and at least `MIN_TURNED_CHARS`) run in
 * another direction as upright.
 */
export function textTurn(content: TextContent, toPage: ToPage): Turn {
  const counts = [0, 0, 0, 0];
  /** Characters of vertical writing (a CJK `-V` font), which runs down its columns by design. */
  const vertical = [0, 0, 0, 0];
  for (const raw of content.items) {
    if (!('str' in raw)) continue;
    const item = raw as TextItem;
    const n = item.str.trim().length;
    if (n === 0) continue;
    const [a, b, , , e, f] = item.transform as number[];
    const down = isVertical(item, content);
    const [x0, y0] = toPage(e, f);
    // A vertical run advances down its text space's y axis, a horizontal one along its x axis.
    const [x1, y1] = down ? toPage(e + b, f - a) : toPage(e + a, f + b);
    const dx = x1 - x0;
    const dy = y1 - y0;
    if (!Number.isFinite(dx) || !Number.isFinite(dy) || (dx === 0 && dy === 0)) continue;
    // y grows downwards: 1 is running down the page, 3 up.
    const turn = Math.abs(dx) >= Math.abs(dy) ? (dx > 0 ? 0 : 2) : dy > 0 ? 1 : 3;
    counts[turn] += n;
    if (down) vertical[turn] += n;
  }
  let best = 1;
  for (let t = 2; t < 4; t++) if (counts[t] > counts[best]) best = t;
  // Upright text is the rule: a page is read turned only when most of its text clearly is (a rotated stamp or
  // axis label beside a little upright text does not turn the page).
  const clear = counts[best] >= MIN_TURNED_CHARS || vertical[best] * 2 > counts[best];
  return counts[best] > 2 * counts[0] && clear ? (best as Turn) : 0;
}

/** The frame for a page (`size`: as shown) whose text runs `turn` quarter turns clockwise from upright. */
export function textFrame(size: PageSize, turn: Turn): TextFrame {
  const { width: W, height: H } = size;
  const toFrame: ToPage =
    turn === 0
      ? (x, y) => [x, y]
      : turn === 1
        ? (x, y) => [y, W - x]
        : turn === 2
          ? (x, y) => [W - x, H - y]
          : (x, y) => [H - y, x];
  const fromFrame: ToPage =
    turn === 0
      ? (x, y) => [x, y]
      : turn === 1
        ? (x, y) => [W - y, x]
        : turn === 2
          ? (x, y) => [W - x, H - y]
          : (x, y) => [y, H - x];
  const boxThrough =
    (map: ToPage) =>
    (b: BBox): BBox => {
      if (turn === 0) return b;
      const [ax, ay] = map(b.x, b.y);
      const [bx, by] = map(b.x + b.w, b.y + b.h);
      const x = Math.min(ax, bx);
      const y = Math.min(ay, by);
      return { x, y, w: Math.max(ax, bx) - x, h: Math.max(ay, by) - y };
    };
  return { turn, toFrame, toPageBox: boxThrough(fromFrame), toFrameBox: boxThrough(toFrame) };
}
