/** A new zone id, unique across users. */
export function newZoneId(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID().slice(0, 13)
      : Math.random().toString(36).slice(2, 15);
  return `z-${random}`;
}

/** The size of a page with no PDF behind it (US Letter, in points). */
export const BLANK_PAGE = { width: 612, height: 792 };

/**
 * Zone and cursor page numbers are 1-based (as the processing pipeline writes them); the pane works with
 * 0-based page indexes. A zone with page 0 is shown on the first page.
 */
export const pageIndex = (page: number): number => Math.max(0, page - 1);
export const pageNumber = (index: number): number => index + 1;
