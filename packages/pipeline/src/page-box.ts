import type { BBox } from '@syncline/doc';

/** The size of a page as shown (the viewport at scale 1: CropBox, rotation applied), in page units. */
export type PageSize = { width: number; height: number };

const round2 = (x: number): number => Math.round(x * 100) / 100;
/** Rounded down to 0.01 (give or take the float noise of a difference of two such numbers). */
const floor2 = (x: number): number => Math.floor(x * 100 + 1e-6) / 100;

/**
 * The part of a box that lies on the page (top-left origin), rounded to 0.01, or null when nothing of it
 * does. Images bleed off the edges, and text may run past them (or past a CropBox inside the MediaBox); a
 * zone's box must stay on the page it is drawn over.
 */
export function clipToPage(b: BBox, page: PageSize): BBox | null {
  const x0 = Math.max(0, b.x);
  const y0 = Math.max(0, b.y);
  const x1 = Math.min(page.width, b.x + b.w);
  const y1 = Math.min(page.height, b.y + b.h);
  if (!(x1 >= x0 && y1 >= y0)) return null;
  const x = round2(x0);
  const y = round2(y0);
  // Rounded down, so that the box does not end past the page's edge.
  return { x, y, w: Math.max(0, floor2(x1 - x)), h: Math.max(0, floor2(y1 - y)) };
}
