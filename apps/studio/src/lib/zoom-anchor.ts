import { rangeIn } from './visible-range.js';

/** A point of the pages pane's pages: page `page` (its index), at `x`, `y` in fractions of its width and height. */
export interface ZoomAnchor {
  page: number;
  x: number;
  y: number;
}

/** The pages (`.page-frame`s) of the pages pane `pane`, in order, and the centre of what it shows, on screen. */
function pagesOf(pane: HTMLElement) {
  const frames = pane.querySelectorAll<HTMLElement>('.page-frame');
  const r = pane.getBoundingClientRect();
  return {
    frames,
    cx: r.left + pane.clientLeft + pane.clientWidth / 2,
    cy: r.top + pane.clientTop + pane.clientHeight / 2,
  };
}

/** The point of the pages at the centre of the pages pane `pane` (null without pages). */
export function anchorAt(pane: HTMLElement): ZoomAnchor | null {
  const { frames, cx, cy } = pagesOf(pane);
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
