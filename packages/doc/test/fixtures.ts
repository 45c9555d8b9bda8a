import type { Zone, ZoneDocument } from '../src/zone.js';

/** A complete, valid zone for tests: a 10×10 paragraph on page 0, last changed by 'ocr' at time 0. */
export const testZone = (id: string, text = '', extra: Partial<Zone> = {}): Zone => ({
  id,
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text,
  updatedBy: 'ocr',
  updatedAt: 0,
  ...extra,
});

/** A document holding these zones and no metadata. */
export const docOf = (...zones: Zone[]): ZoneDocument => ({
  meta: {},
  zones: Object.fromEntries(zones.map((z) => [z.id, z])),
});
