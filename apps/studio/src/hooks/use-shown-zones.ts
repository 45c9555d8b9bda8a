import type { Zone } from '@syncline/doc';
import { useMemo, useRef } from 'react';
import { filtering, matcher, sortZones, type ZoneFilter } from '../lib/zone-filter.js';

export interface ShownZones {
  /** The zones the text pane lists, in the filter's order. */
  shown: readonly Zone[];
  /** How many zones match the filter (all of them, unfiltered). */
  matching: number;
  /** The zones listed that do not match it (see `useShownZones`). */
  kept: ReadonlySet<string>;
  /** Whether the filter leaves zones out. */
  filtered: boolean;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The zones the text pane lists under `filter`, from `zones` (in reading order): those that match it, and two kinds
 * that do not, which it keeps so that nothing is taken away from under the reader or the caret:
 *
 * - a zone that matched and stopped matching (its text, label, type or confidence changed: mine, someone else's, an
 *   undo) stays listed, marked as not matching, until the filter is changed: a remote user's edit never pulls the zone
 *   I am reading or typing in out of the list (and its editor, with the focus, out of the page);
 * - the selected zone stays listed while it is selected, also when it never matched (selected on a page, or by a
 *   toast's or History's "Show zone"): its text comes into view and takes the caret as it does unfiltered, marked as
 *   not matching. Once another zone is selected it goes (unless it came to match meanwhile).
 *
 * The count (`matching`) is of the zones that match. Unfiltered (any sort), every zone is listed.
 */
export function useShownZones(
  zones: readonly Zone[],
  filter: ZoneFilter,
  selected: string | null,
): ShownZones {
  // The zones listed under the filter since it was set (it is a new object at each change of it).
  const listed = useRef<{ filter: ZoneFilter; ids: Set<string> } | null>(null);
  return useMemo(() => {
    if (!filtering(filter)) {
      listed.current = null;
      return { shown: sortZones(zones, filter.sort), matching: zones.length, kept: NONE, filtered: false };
    }
    if (listed.current?.filter !== filter) listed.current = { filter, ids: new Set() };
    const ids = listed.current.ids;
    const matches = matcher(filter);
    const out: Zone[] = [];
    const kept = new Set<string>();
    let matching = 0;
    for (const z of zones) {
      if (matches(z)) {
        matching++;
        out.push(z);
        ids.add(z.id);
      } else if (ids.has(z.id) || z.id === selected) {
        out.push(z);
        kept.add(z.id);
      }
    }
    return { shown: sortZones(out, filter.sort), matching, kept: kept.size ? kept : NONE, filtered: true };
  }, [zones, filter, selected]);
}
