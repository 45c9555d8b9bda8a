import { apply, type Json, type Op } from './ot.js';
import type { Zone, ZoneDocument } from './zone.js';

/** What an op that touches one zone and nothing else makes of that zone. */
export interface OneZoneResult {
  zoneId: string;
  /** The zone before the op (`undefined`: it did not exist). */
  before: Zone | undefined;
  /** The zone after the op (`undefined`: the op removed it, or it still does not exist). */
  after: Zone | undefined;
}

/**
 * Applies an op that stays inside one zone (`['zones', id, ...]` in json1's normalized form: an edit, a
 * set, a create or a delete of that zone) to that zone alone, leaving `doc` untouched. The op runs through
 * the same `apply` (json1 and its text subtype) on a document holding only that zone, which is what it does
 * to the whole document, because a json1 op changes only what lies under its paths; the whole `zones` map
 * is never copied (an immutable apply copies it on every op: ~190 us per keystroke with 1,000 zones).
 * Returns `null` for any other op (several zones, `meta`, the `zones` map itself). Throws what `apply`
 * throws for an op that does not fit the zone.
 */
export function applyOneZone(doc: ZoneDocument, op: Op): OneZoneResult | null {
  if (!Array.isArray(op) || op.length < 3 || op[0] !== 'zones') return null;
  const zoneId = op[1];
  if (typeof zoneId !== 'string' || zoneId === '__proto__') return null;
  const before = Object.hasOwn(doc.zones, zoneId) ? doc.zones[zoneId] : undefined;
  const alone: Record<string, Zone> = {};
  if (before !== undefined) alone[zoneId] = before;
  const out = apply({ zones: alone } as unknown as Json, op) as unknown as { zones?: Record<string, Zone> };
  const zones = out.zones;
  const after = zones !== undefined && Object.hasOwn(zones, zoneId) ? zones[zoneId] : undefined;
  return { zoneId, before, after };
}

/**
 * Puts a `applyOneZone` result into `doc` in place (the zone replaced, added or removed; the zone objects
 * themselves are never changed). For a document one owner keeps and hands out only as copies (the server's
 * sequencer); anything that shares `doc` sees the change.
 */
export function setOneZone(doc: ZoneDocument, r: OneZoneResult): void {
  if (r.after === undefined) delete doc.zones[r.zoneId];
  else doc.zones[r.zoneId] = r.after;
}
