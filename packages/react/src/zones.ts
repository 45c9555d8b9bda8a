import type { Zone } from '@syncline/doc';

/** Zones in reading order: by page, then top to bottom, then left to right, then id. */
export function readingOrder(zones: Readonly<Record<string, Zone>>): readonly Zone[] {
  return Object.freeze(
    Object.values(zones).sort(
      (a, b) =>
        (a.page ?? 0) - (b.page ?? 0) ||
        (a.bbox?.y ?? 0) - (b.bbox?.y ?? 0) ||
        (a.bbox?.x ?? 0) - (b.bbox?.x ?? 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    ),
  );
}
