import { isZoneType } from './zone.js';

/**
 * What names a zone to a user, each part when known: a `Zone`, or the fields a `conflict` notice carries
 * (`text` may be the whole text or an excerpt of it).
 */
export interface ZoneNameParts {
  label?: string | undefined;
  type?: string | undefined;
  page?: number | undefined;
  text?: string | undefined;
}

/** How long an excerpt of a zone's text is at most, ellipsis included: a few words. */
export const ZONE_EXCERPT_MAX = 24;
/** How much of a distinctive label a name quotes at most (labels may be 256 characters long). */
const LABEL_MAX = 40;

/**
 * Words a label can be made of and still say no more than the zone's type: the type names, and the pipeline's
 * `Heading 2`, `Table 3×4`, `Numbered list`, `Figure`... (numbers and signs are no words).
 */
const GENERIC_WORDS = new Set<string>([
  'heading',
  'paragraph',
  'list',
  'table',
  'figure',
  'caption',
  'other',
  'zone',
  'numbered',
  'bulleted',
  'untitled',
  'x',
]);

/** How a type is named in a sentence (`other`, or a type a newer peer made up, is just "zone"). */
const typeWord = (type: string | undefined): string =>
  type !== undefined && isZoneType(type) && type !== 'other' ? type : 'zone';

/**
 * The start of `text` for a user to recognise it by: at most `max` characters (code points, the ellipsis
 * included), whitespace runs made one space, cut after a whole word with `…` when it goes on. Never more than
 * the text: a short text is given whole, an empty one is `''`. A first word longer than `max` is cut inside.
 *
 * @example zoneExcerpt('Revenue grew by 12% in the third quarter') // 'Revenue grew by 12% in…'
 */
export function zoneExcerpt(text: string, max: number = ZONE_EXCERPT_MAX): string {
  // The first max + 1 characters, whitespace made single spaces: enough to tell whether the text goes on, without
  // going through a long text (a zone's may be a million characters).
  const chars: string[] = [];
  let gap = false;
  for (const ch of text) {
    if (/\s/u.test(ch)) {
      gap = chars.length > 0;
      continue;
    }
    if (gap) chars.push(' ');
    gap = false;
    chars.push(ch);
    if (chars.length > max) break;
  }
  if (chars.length <= max) return chars.join('');
  const room = chars.slice(0, Math.max(1, max - 1)); // the ellipsis takes one
  // Cut at the last space in room, or keep room whole when the next character starts a new word.
  const space = chars[room.length] === ' ' ? room.length : room.lastIndexOf(' ');
  const cut = space > 0 ? room.slice(0, space) : room;
  return `${cut.join('').replace(/[\s,;:.\-–—(“"']+$/u, '') || cut.join('')}…`;
}

/** Whether a label says no more than a zone type does (`Paragraph`, `Heading 2`, `Table 3×4`, `''`). */
export function isGenericLabel(label: string): boolean {
  const words = label.toLowerCase().match(/\p{L}+/gu) ?? [];
  return words.every((w) => GENERIC_WORDS.has(w));
}

/**
 * A zone as a user can tell it apart, never by its id, for a sentence (“Ada deleted ___”):
 * - a distinctive label is the name, with the type and page: `the heading “Results” on page 3`;
 * - a label missing or no more than the type (as the pipeline writes them): the type, page and the first
 *   words of the text: `the paragraph on page 3 (“Revenue grew by 12% in…”)`, `the figure on page 2`;
 * - only a generic label known (an older server's notice): `the zone “Paragraph”`;
 * - nothing known: `undefined` (the caller says “a zone”).
 *
 * Pages are numbered from 1, as the pipeline writes them; a zone at page 0 is on the first page (as Studio
 * shows it).
 */
export function zoneName(z: ZoneNameParts | undefined): string | undefined {
  if (z === undefined) return undefined;
  const label = typeof z.label === 'string' ? z.label.trim() : '';
  const type = typeof z.type === 'string' ? z.type : undefined;
  const page =
    typeof z.page === 'number' && Number.isInteger(z.page) && z.page >= 0 ? Math.max(1, z.page) : undefined;
  const excerpt = typeof z.text === 'string' ? zoneExcerpt(z.text) : '';
  const where = page === undefined ? '' : ` on page ${page}`;
  if (label !== '' && (!isGenericLabel(label) || (type === undefined && page === undefined && !excerpt))) {
    return `the ${typeWord(type)} “${zoneExcerpt(label, LABEL_MAX)}”${where}`;
  }
  if (type === undefined && page === undefined && !excerpt) return undefined;
  return `the ${typeWord(type)}${where}${excerpt ? ` (“${excerpt}”)` : ''}`;
}
