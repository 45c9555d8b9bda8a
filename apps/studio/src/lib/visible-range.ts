/** A half-open range of list indices, `[from, to)`. */
export interface IndexRange {
  from: number;
  to: number;
}

/**
 * The items of a list, top to bottom, that overlap the band `[top, bottom)`: `edge(i)` says where item `i` is (in
 * the band's coordinates). The items are in order and do not overlap, so it looks at about 2·log₂(count) of them.
 */
export function rangeIn(
  count: number,
  edge: (i: number) => { top: number; bottom: number },
  top: number,
  bottom: number,
): IndexRange {
  // The first item ending below the band's top, then the first one starting at or past its bottom.
  const first = (pred: (i: number) => boolean, lo: number) => {
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const from = first((i) => edge(i).bottom > top, 0);
  const to = first((i) => edge(i).top >= bottom, from);
  return { from, to };
}

/** The visible part of the scroll container `root` (`null`: the window), in viewport coordinates. */
export function visibleBand(root: Element | null): { top: number; bottom: number } {
  if (!root) return { top: 0, bottom: window.innerHeight };
  const { top, bottom } = root.getBoundingClientRect();
  return { top, bottom };
}
