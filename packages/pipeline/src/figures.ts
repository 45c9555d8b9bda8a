import type { BBox } from '@syncline/doc';
import { isShown, type OptionalContent } from './drawn-text.js';
import { asMatrix, type Matrix, multiply } from './matrix.js';
import { clipToPage, type PageSize } from './page-box.js';
import type { ToPage } from './text-items.js';

type OperatorList = { fnArray: number[]; argsArray: unknown[] };
type Ops = Record<string, number>;

/** Images smaller than this (page units, either side) are ornaments (bullets, rules), not figures. */
const MIN_FIGURE_SIDE = 24;

/**
 * The boxes (top-left origin) where a page paints images, from its operator list: the current transform is
 * followed through save/restore, `cm` and form XObjects, and an image fills the unit square of the
 * transform in force. Boxes are clipped to the page (images often bleed off its edges); overlapping ones are
 * merged, small ones dropped. Images in a layer (optional content) that `layers` does not show are not painted.
 */
export function imageBoxes(
  list: OperatorList,
  OPS: Ops,
  toPage: ToPage,
  page: PageSize,
  check: () => void,
  layers?: OptionalContent,
): BBox[] {
  const paints = new Set(
    [
      'paintImageXObject',
      'paintInlineImageXObject',
      'paintImageMaskXObject',
      'paintImageXObjectRepeat',
      'paintInlineImageXObjectGroup',
      'paintImageMaskXObjectGroup',
    ]
      .map((k) => OPS[k])
      .filter((v) => v !== undefined),
  );
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const boxes: BBox[] = [];
  // Marked content open around what is painted, whether each is shown, and how many are not (as in pdfjs's canvas).
  const marked: boolean[] = [];
  let unshown = 0;
  for (let i = 0; i < list.fnArray.length; i++) {
    if ((i & 255) === 0) check();
    const fn = list.fnArray[i];
    const args = list.argsArray[i] as unknown[] | null;
    if (fn === OPS.beginMarkedContent) marked.push(true);
    else if (fn === OPS.beginMarkedContentProps) {
      const shown = args?.[0] !== 'OC' || isShown(layers, args[1]);
      marked.push(shown);
      if (!shown) unshown++;
    } else if (fn === OPS.endMarkedContent) {
      if (marked.pop() === false) unshown--;
    } else if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform) {
      const m = asMatrix(args);
      if (m) ctm = multiply(ctm, m);
    } else if (fn === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      const m = asMatrix(args?.[0]);
      if (m) ctm = multiply(ctm, m);
    } else if (fn === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? ctm;
    else if (paints.has(fn) && unshown === 0) {
      const corners = [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ].map(([u, v]) => toPage(ctm[0] * u + ctm[2] * v + ctm[4], ctm[1] * u + ctm[3] * v + ctm[5]));
      const x = Math.min(...corners.map((c) => c[0]));
      const y = Math.min(...corners.map((c) => c[1]));
      const box = clipToPage(
        { x, y, w: Math.max(...corners.map((c) => c[0])) - x, h: Math.max(...corners.map((c) => c[1])) - y },
        page,
      );
      if (box && box.w >= MIN_FIGURE_SIDE && box.h >= MIN_FIGURE_SIDE) boxes.push(box);
    }
  }
  return merge(boxes).map((b) => ({
    x: Math.round(b.x * 100) / 100,
    y: Math.round(b.y * 100) / 100,
    w: Math.round(b.w * 100) / 100,
    h: Math.round(b.h * 100) / 100,
  }));
}

function merge(boxes: BBox[]): BBox[] {
  const out = [...boxes];
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i];
      const b = out[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        out[i] = { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
        out.splice(j, 1);
        j = i;
      }
    }
  }
  return out;
}
