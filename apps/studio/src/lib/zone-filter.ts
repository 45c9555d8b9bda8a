import { ZONE_TYPES, type Zone, type ZoneType } from '@syncline/doc';
import { pageIndex } from './zones.js';

/** The orders the zone list can be sorted in; `reading` (the document's reading order) is the default. */
export const ZONE_SORTS = ['reading', 'page', 'confidence', 'type'] as const;
export type ZoneSort = (typeof ZONE_SORTS)[number];

export const SORT_LABELS: Record<ZoneSort, string> = {
  reading: 'Reading order',
  page: 'Page, top to bottom',
  confidence: 'Confidence, lowest first',
  type: 'Type',
};

/**
 * What the zone list shows, one user's view of it (kept in the viewer, never in the shared document): zones whose text
 * or label contains `query` (case and accents aside), of type `type` (`all`: any), only those of low confidence, in
 * the order `sort`.
 */
export interface ZoneFilter {
  query: string;
  type: ZoneType | 'all';
  lowConfidence: boolean;
  sort: ZoneSort;
}

export const NO_FILTER: ZoneFilter = { query: '', type: 'all', lowConfidence: false, sort: 'reading' };

/**
 * A zone is of low confidence below this. The analysis gives 0.5 to 0.65 to what it guessed from weak evidence (a
 * bold line taken for a heading, a caption by its wording alone, a paragraph that may be a minor heading, a list of one
 * item, a table of few rows) and 0.7 or more to an ordinary paragraph of one line and everything surer; a zone drawn
 * by hand is 1. Below 0.7 is what is worth a reviewer's second look.
 */
export const LOW_CONFIDENCE = 0.7;

/** Whether `filter` leaves zones out (its sort aside). */
export const filtering = (filter: ZoneFilter): boolean =>
  normalizeQuery(filter.query) !== '' || filter.type !== 'all' || filter.lowConfidence;

/**
 * `text` as searched: compatibility forms unfolded (a PDF's `ﬁ` ligature is `fi`, full-width letters are letters),
 * accents taken off (`é` is `e`: the combining diacritical marks, not every mark, so the vowel signs and viramas of
 * Indic scripts stay), lower case, runs of white space (a line break in a zone's text) one space.
 */
export function searchable(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

/** The query as matched: `searchable`, without the blanks around it. */
export const normalizeQuery = (query: string): string => searchable(query).trim();

/**
 * Each zone's text and label as searched, per zone object: a zone changed is a new object, so a keystroke makes one
 * zone's again, not those of thousands.
 */
const searched = new WeakMap<Zone, string>();
function searchedOf(z: Zone): string {
  let s = searched.get(z);
  if (s === undefined) {
    // The label after the text, apart from it (a query does not match across the two).
    s = `${searchable(z.text)}\n${searchable(z.label)}`;
    searched.set(z, s);
  }
  return s;
}

/** A test of zones against `filter` (its query normalized once). */
export function matcher(filter: ZoneFilter): (z: Zone) => boolean {
  const query = normalizeQuery(filter.query);
  const { type, lowConfidence } = filter;
  return (z) =>
    (type === 'all' || z.type === type) &&
    (!lowConfidence || z.confidence < LOW_CONFIDENCE) &&
    (query === '' || searchedOf(z).includes(query));
}

const TYPE_RANK = new Map<string, number>(ZONE_TYPES.map((t, i) => [t, i]));

/**
 * `zones` (in reading order) in the order `sort`: `reading` as they are; `page`, by page, then from the top of the
 * page down (then left to right), whatever the columns; `confidence`, lowest first; `type`, in the order the Type
 * menus list the types (headings, paragraphs, lists, tables, figures, captions, other). Ties keep reading order (the
 * sort is stable). Returns `zones` itself for `reading`, else a new array.
 */
export function sortZones(zones: readonly Zone[], sort: ZoneSort): readonly Zone[] {
  switch (sort) {
    case 'reading':
      return zones;
    case 'page':
      return [...zones].sort(
        (a, b) => pageIndex(a.page) - pageIndex(b.page) || a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x,
      );
    case 'confidence':
      return [...zones].sort((a, b) => a.confidence - b.confidence);
    case 'type':
      return [...zones].sort((a, b) => (TYPE_RANK.get(a.type) ?? 99) - (TYPE_RANK.get(b.type) ?? 99));
  }
}

const integer = new Intl.NumberFormat('en');

/**
 * What the list's count says: `1,480 zones` unfiltered; filtered, how many of them match (`12 of 1,480 zones`) and how
 * many more it shows that do not (see `useShownZones`).
 */
export function countText(matching: number, total: number, kept: number, filtered: boolean): string {
  const zones = `${integer.format(total)} ${total === 1 ? 'zone' : 'zones'}`;
  if (!filtered) return zones;
  const more =
    kept > 0 ? ` (and ${integer.format(kept)} shown that ${kept === 1 ? 'does' : 'do'} not match)` : '';
  return `${integer.format(matching)} of ${zones}${more}`;
}

/** Zones per group of the text pane at most, in a sort other than by page (see `groupZones`). */
export const MAX_GROUP = 64;

/** Pages per group of the text pane (see `groupZones`). */
export const GROUP_PAGES = 4;

/** A run of the text pane's zones in one element (see `ZoneGroup`), with the index of its first in the list. */
export interface ZoneRun {
  key: string;
  first: number;
  zones: Zone[];
}

/**
 * The zones of the text pane in groups, each with a key that stays its own while the list changes around it: a zone
 * keeps its group, and its editor (the focus, the caret), while zones come, go or move elsewhere in the list.
 *
 * In an order by page (`reading`, `page`) a group is a few pages' zones (keyed by its first page): a zone stays in it
 * while it stays on its page. In another order (confidence, type) zones of any page follow each other, so a group is
 * cut before each zone whose id hashes to a multiple of 16 (content-defined, keyed by that zone's id): a zone coming or
 * going changes only its own group (or splits one in two), not the groups of every zone after it as fixed-size groups
 * would. About 16 zones a group; a run of `MAX_GROUP` without such a zone is cut there too.
 */
export function groupZones(zones: readonly Zone[], sort: ZoneSort): ZoneRun[] {
  const out: ZoneRun[] = [];
  if (sort === 'reading' || sort === 'page') {
    let last: ZoneRun | undefined;
    zones.forEach((z, i) => {
      const key = `p${Math.floor(pageIndex(z.page) / GROUP_PAGES)}`;
      if (last?.key === key) last.zones.push(z);
      else out.push((last = { key, first: i, zones: [z] }));
    });
    return out;
  }
  let last: ZoneRun | undefined;
  let anchor = '';
  let cuts = 0;
  zones.forEach((z, i) => {
    if (last === undefined || hash(z.id) % 16 === 0) {
      anchor = last === undefined ? '' : z.id; // the first group's key (`z`) is no zone's
      cuts = 0;
      out.push((last = { key: `z${anchor}`, first: i, zones: [z] }));
    } else if (last.zones.length >= MAX_GROUP) {
      out.push((last = { key: `z${anchor}#${++cuts}`, first: i, zones: [z] }));
    } else last.zones.push(z);
  });
  return out;
}

/** FNV-1a of `s`'s UTF-16 units: cheap, and spread enough to pick one zone in 16. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
