import type { Zone } from '@syncline/doc';

/** Tops closer than this (in page units) are one row, read left to right. */
const ROW_TOLERANCE = 4;

/**
 * Zones in reading order: by page, then top to bottom (zones whose tops are within a few points are one
 * row), then left to right, then id.
 */
export function readingOrder(zones: Readonly<Record<string, Zone>>): readonly Zone[] {
  return Object.freeze(
    Object.values(zones).sort((a, b) => {
      const dy = (a.bbox?.y ?? 0) - (b.bbox?.y ?? 0);
      return (
        (a.page ?? 0) - (b.page ?? 0) ||
        (Math.abs(dy) > ROW_TOLERANCE ? dy : (a.bbox?.x ?? 0) - (b.bbox?.x ?? 0)) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      );
    }),
  );
}
