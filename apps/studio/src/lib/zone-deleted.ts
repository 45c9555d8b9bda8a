import { type Zone, zoneName } from '@syncline/doc';
import { type NameSource, nameOf } from './author-names.js';

/**
 * What the "Zone deleted" toast says when a zone I was working in (selected) was deleted elsewhere: who deleted it
 * (`by`, the change's author) by a name from `names` (`nameOf`: "Someone" or "Pipeline" without one, never an id;
 * "You ... in another tab or on another device" for me), and the zone as it was last shown (`zoneName`).
 */
export function zoneDeletedMessage(
  by: string | undefined,
  selfId: string,
  zone: Zone | undefined,
  names: readonly NameSource[],
): string {
  const what = (zone && zoneName(zone)) ?? 'the zone';
  if (by === selfId) return `You deleted ${what} in another tab or on another device.`;
  const who = by === undefined ? 'Someone' : nameOf(by, names, true);
  return `${who} deleted ${what}, which you were working on.`;
}
