import { rangeIn } from './visible-range.js';

/** A point of the pages pane's pages: page `page` (its index), at `x`, `y` in fractions of its width and height. */
export interface ZoomAnchor {
  page: number;
  x: number;
  y: number;
}

/** The inside size of a pages pane (its `clientWidth` and `clientHeight`). */
export interface PaneSize {
  width: number;
  height: number;
}

/**
 * The pages (`.page-frame`s) of the pages pane `pane`, in order, and the centre of what it shows, on screen: of what
 * it shows now, or of what it showed at size `size` (the same scroll offsets, before a resize).
 */
function pagesOf(pane: HTMLElement, size: PaneSize = { width: pane.clientWidth, height: pane.clientHeight }) {
  const frames = pane.querySelectorAll<HTMLElement>('.page-frame');
  const r = pane.getBoundingClientRect();
  return {
    frames,
    cx: r.left + pane.clientLeft + size.width / 2,
    cy: r.top + pane.clientTop + size.height / 2,
  };
}

/**
 * The point of the pages at the centre of the pages pane `pane` (null without pages). With `size`, at the centre of
 * the pane as it was at that size: a pane just resized (its pages not yet zoomed to its new width) was showing that.
 */
export function anchorAt(pane: HTMLElement, size?: PaneSize): ZoomAnchor | null {
  const { frames, cx, cy } = pagesOf(pane, size);
  if (frames.length === 0) return null;
  // The page under the centre (in the gap between two pages, the one below it).
  const { from } = rangeIn(frames.length, (i) => frames[i].getBoundingClientRect(), cy, cy + 1);
  const page = Math.min(from, frames.length - 1);
  const r = frames[page].getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  return { page, x: (cx - r.left) / r.width, y: (cy - r.top) / r.height };
}

/**
 * Scrolls the pages pane `pane` so that `anchor` is at its centre again: after a change of zoom, what was in the middle
 * of the pane stays there, rather than the scroll offsets staying (which, the pages grown or shrunk, show another page).
 */
export function scrollToAnchor(pane: HTMLElement, anchor: ZoomAnchor): void {
  const { frames, cx, cy } = pagesOf(pane);
  const frame = frames[anchor.page];
  if (!frame) return;
  const r = frame.getBoundingClientRect();
  pane.scrollTop += r.top + anchor.y * r.height - cy;
  pane.scrollLeft += r.left + anchor.x * r.width - cx;
}
