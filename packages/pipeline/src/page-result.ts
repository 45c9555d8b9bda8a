import type { BBox, ZoneType } from '@syncline/doc';

/**
 * A zone found by the analysis. Pages are 1-based; `order` is the reading order within the page: an integer >= 0,
 * ascending (as a stored zone's `order`), which the analysis numbers 1, 2, ….
 */
export type ExtractedZone = {
  /** `p<page>-z<order, 3 digits>`, e.g. `p3-z002`: the same PDF always gives the same ids. */
  id: string;
  page: number;
  bbox: BBox;
  type: ZoneType;
  label: string;
  confidence: number;
  text: string;
  order: number;
};

/** One analyzed page. A page that could not be parsed has no zones, `skipped: true` and a warning. */
export type PageResult = {
  page: number;
  pages: number;
  zones: ExtractedZone[];
  warnings: string[];
  /** How long the page took, in ms. */
  ms: number;
  skipped?: boolean;
};

export function zoneId(page: number, order: number): string {
  return `p${page}-z${String(order).padStart(3, '0')}`;
}
