import type { BBox } from '@syncline/doc';

/**
 * The geometry of moving and resizing a zone box, in page units (PDF points; a blank page is 612 × 792): no DOM, no
 * React. A box stays on its page and keeps the smallest size drawing allows; every coordinate it sets is rounded to
 * two decimals, as a drawn box is. A resize never turns a box inside out: an edge dragged past the opposite one stops
 * at the smallest size.
 */

/** A resize handle: the edge or corner it moves (`n` top, `e` right, `s` bottom, `w` left). */
export type Handle = 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw';
/** What a drag does: move the whole box, or move the edges of a handle. */
export type DragKind = 'move' | Handle;
export interface PageSize {
  width: number;
  height: number;
}

/** The order the handles are drawn in: corners last, so on a box too small for all eight, the corners are on top. */
export const HANDLES: readonly Handle[] = ['n', 'e', 's', 'w', 'nw', 'ne', 'se', 'sw'];

/** A handle's side in CSS px (styles.css `.zone-handle`): bigger for a finger (a coarse pointer). */
export const HANDLE_PX = { fine: 10, coarse: 18 } as const;

export interface HandleLayout {
  /** The handles to draw, in `HANDLES` order. */
  handles: Handle[];
  /**
   * The handles sit outside the box's edge instead of centred on it: on a box too small for them, the inside is
   * left for moving it.
   */
  outside: boolean;
}

/**
 * Which handles a selected box of `width` × `height` CSS px shows, with handles of `size` px, and where. A box at
 * least three handles wide and tall has all eight on its edge. A smaller one keeps its whole inside for moving: its
 * handles go outside the edge, and an edge handle goes where there is no room for it between the corners (the top
 * and bottom ones on a narrow box, the side ones on a flat one); the corners always stay, so every box can be
 * resized both ways by mouse (and by Alt+arrows).
 */
export function handleLayout(width: number, height: number, size: number): HandleLayout {
  const wide = width >= 3 * size;
  const tall = height >= 3 * size;
  return {
    handles: HANDLES.filter((h) => h.length === 2 || (h === 'n' || h === 's' ? wide : tall)),
    outside: !wide || !tall,
  };
}

/** The smallest box, in fractions of its page: what drawing a zone accepts. */
export const MIN_FRACTION = { w: 0.01, h: 0.005 } as const;

/** An arrow key moves (or with Alt resizes) a box by this many page units; with Shift by `KEY_STEP_LARGE`. */
export const KEY_STEP = 1;
export const KEY_STEP_LARGE = 10;

/**
 * How far (CSS px) a pointer goes before a press on a box becomes a drag; less is a click that selects. A finger
 * wobbles more than a mouse.
 */
export function dragThreshold(pointerType: string): number {
  return pointerType === 'touch' ? 8 : 4;
}

/** Whether a pointer that went `dx`, `dy` px from where it was pressed is dragging. */
export function isDrag(dx: number, dy: number, pointerType: string): boolean {
  return Math.hypot(dx, dy) >= dragThreshold(pointerType);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
// A hair of tolerance, so that 612 - 0.1 (611.9 in floating point, 611.8999…) does not floor to 611.89.
const floor2 = (v: number) => Math.floor(v * 100 + 1e-6) / 100;
const ceil2 = (v: number) => Math.ceil(v * 100 - 1e-6) / 100;
/** `v` within [lo, hi]; `lo` when the range is empty. */
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** The smallest width and height of a box on `page`, rounded up to two decimals. */
export function minSize(page: PageSize): { w: number; h: number } {
  return { w: ceil2(page.width * MIN_FRACTION.w), h: ceil2(page.height * MIN_FRACTION.h) };
}

/**
 * `start` moved by `dx`, `dy` page units, kept on the page (a box larger than the page sits at its top-left
 * corner). Its size does not change.
 */
export function moveBox(start: BBox, dx: number, dy: number, page: PageSize): BBox {
  return {
    x: clamp(round2(start.x + dx), 0, Math.max(0, floor2(page.width - start.w))),
    y: clamp(round2(start.y + dy), 0, Math.max(0, floor2(page.height - start.h))),
    w: start.w,
    h: start.h,
  };
}

/**
 * `start` with the edges of `handle` moved by `dx` (left or right edge) and `dy` (top or bottom edge) page units.
 * A moved edge stays on the page and at least the smallest size from the opposite edge; the others stay put.
 */
export function resizeBox(start: BBox, handle: Handle, dx: number, dy: number, page: PageSize): BBox {
  const min = minSize(page);
  let left = round2(start.x);
  let top = round2(start.y);
  let right = round2(start.x + start.w);
  let bottom = round2(start.y + start.h);
  // The smallest size wins over the page's edge: only a box already narrower than that at the edge can pass it.
  if (handle.includes('w')) left = round2(Math.min(right - min.w, Math.max(0, round2(left + dx))));
  if (handle.includes('e'))
    right = round2(Math.max(left + min.w, Math.min(floor2(page.width), round2(right + dx))));
  if (handle.includes('n')) top = round2(Math.min(bottom - min.h, Math.max(0, round2(top + dy))));
  if (handle.includes('s'))
    bottom = round2(Math.max(top + min.h, Math.min(floor2(page.height), round2(bottom + dy))));
  return { x: left, y: top, w: round2(right - left), h: round2(bottom - top) };
}

/** `start` after a drag of `kind` by `dx`, `dy` page units. */
export function dragBox(start: BBox, kind: DragKind, dx: number, dy: number, page: PageSize): BBox {
  return kind === 'move' ? moveBox(start, dx, dy, page) : resizeBox(start, kind, dx, dy, page);
}

const ARROWS: Record<string, { x: number; y: number }> = {
  ArrowLeft: { x: -1, y: 0 },
  ArrowRight: { x: 1, y: 0 },
  ArrowUp: { x: 0, y: -1 },
  ArrowDown: { x: 0, y: 1 },
};

export interface KeyMods {
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
}

/**
 * What an arrow key does to a box: moves it `KEY_STEP` page units (Shift: `KEY_STEP_LARGE`), or with Alt resizes it
 * by its bottom-right corner (right and down grow it, left and up shrink it), as the keys of drawing apps do.
 * `null` for any other key, and with Ctrl or Cmd (left to the browser and the system).
 */
export function keyDrag(key: string, mods: KeyMods): { kind: DragKind; dx: number; dy: number } | null {
  const dir = isArrowKey(key) ? ARROWS[key] : undefined;
  if (!dir || mods.ctrlKey || mods.metaKey) return null;
  const step = mods.shiftKey ? KEY_STEP_LARGE : KEY_STEP;
  return { kind: mods.altKey ? (dir.x !== 0 ? 'e' : 's') : 'move', dx: dir.x * step, dy: dir.y * step };
}

/** `start` after the arrow key `key` (see `keyDrag`), or `null` when the key does not move boxes. */
export function keyBox(start: BBox, key: string, mods: KeyMods, page: PageSize): BBox | null {
  const drag = keyDrag(key, mods);
  return drag && dragBox(start, drag.kind, drag.dx, drag.dy, page);
}

export function isArrowKey(key: string): boolean {
  return Object.hasOwn(ARROWS, key);
}

/**
 * What a gesture that took a box from `start` to `end` sends, once the document has the box as `now`: `now` with the
 * coordinates the gesture changed set as `end` has them. Another user's change of the other coordinates meanwhile
 * stays (narrowed while I moved it: moved and narrowed), as it would had it come a moment later; the op sets only the
 * coordinates that differ from `now` (`zoneUpdate`).
 */
export function gestureOnto(start: BBox, end: BBox, now: BBox): BBox {
  const pick = (k: keyof BBox) => (end[k] === start[k] ? now[k] : end[k]);
  return { x: pick('x'), y: pick('y'), w: pick('w'), h: pick('h') };
}

export function sameBox(a: BBox, b: BBox): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}
