/** The zoom steps of the Zoom in / Zoom out buttons. */
export const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

const EPSILON = 0.001;

/** The smallest and largest zoom "Fit" gives. */
export const FIT_MIN = 0.3;
export const FIT_MAX = 2;
/** The padding of the pages in the pane, both sides together (px). */
const PAGES_PADDING = 32;

/**
 * The zoom at which a page `pageWidth` wide (in points) fills the width of the pages pane, `paneWidth` px inside (its
 * `clientWidth`), within `FIT_MIN`..`FIT_MAX`.
 */
export function fitZoom(paneWidth: number, pageWidth: number): number {
  return Math.max(FIT_MIN, Math.min(FIT_MAX, (paneWidth - PAGES_PADDING) / pageWidth));
}

/**
 * The zoom after `step` presses of Zoom in (+1) or Zoom out (-1) from `current`. From a zoom between two
 * steps (what "Fit" gives), the first press goes to the nearest step in its direction: 120 % zooms in to
 * 125 % and out to 100 %.
 */
export function stepZoom(current: number, step: number): number {
  if (step === 0) return current;
  let i: number;
  if (step > 0) {
    // The first step above the current zoom, then the others.
    const above = ZOOMS.findIndex((z) => z > current + EPSILON);
    i = above < 0 ? ZOOMS.length - 1 : above + step - 1;
  } else {
    // The last step below the current zoom, then the others.
    const below = ZOOMS.findLastIndex((z) => z < current - EPSILON);
    i = below < 0 ? 0 : below + step + 1;
  }
  return ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, i))];
}
