import type { Zone, ZoneType } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import {
  countText,
  filtering,
  groupZones,
  MAX_GROUP,
  matcher,
  NO_FILTER,
  searchable,
  sortZones,
  type ZoneFilter,
} from './zone-filter.js';

const zone = (
  id: string,
  page: number,
  y: number,
  type: ZoneType,
  confidence: number,
  text = '',
  label = '',
) => ({ id, page, bbox: { x: 10, y, w: 100, h: 20 }, type, label, confidence, text }) as Zone;

const ids = (zones: readonly Zone[]) => zones.map((z) => z.id);
const filter = (change: Partial<ZoneFilter>): ZoneFilter => ({ ...NO_FILTER, ...change });

describe('zone filter', () => {
  it('matches text and label whatever the case, the accents, ligatures and line breaks', () => {
    expect(searchable('Résumé ﬁnal\nNAÏVE')).toBe('resume final naive');
    const zones = [
      zone('a', 1, 0, 'heading', 1, 'Résumé of the year'),
      zone('b', 1, 30, 'paragraph', 1, 'Cost of\nliving', 'Quarterly RESULTS'),
      zone('c', 1, 60, 'paragraph', 1, 'नमस्ते'),
    ];
    const find = (query: string) => ids(zones.filter(matcher(filter({ query }))));
    expect(find('RESUME')).toEqual(['a']);
    expect(find('  cost of living ')).toEqual(['b']);
    expect(find('quarterly results')).toEqual(['b']);
    // Not across the text and the label.
    expect(find('living quarterly')).toEqual([]);
    // The vowel signs and viramas of an Indic script are letters, not accents.
    expect(find('नमस्ते')).toEqual(['c']);
    expect(find('नमसते')).toEqual([]);
    expect(filtering(filter({ query: '   ' }))).toBe(false);
  });

  it('keeps zones of a type and of low confidence (under 0.7)', () => {
    const zones = [
      zone('a', 1, 0, 'table', 0.69),
      zone('b', 1, 30, 'table', 0.7),
      zone('c', 1, 60, 'paragraph', 0.5),
    ];
    expect(ids(zones.filter(matcher(filter({ type: 'table' }))))).toEqual(['a', 'b']);
    expect(ids(zones.filter(matcher(filter({ lowConfidence: true }))))).toEqual(['a', 'c']);
    expect(ids(zones.filter(matcher(filter({ type: 'table', lowConfidence: true }))))).toEqual(['a']);
  });

  it('sorts by page from the top, by confidence and by type, ties in reading order', () => {
    // Reading order of two columns on page 1: the left one (a, b), then the right one (c, d).
    const zones = [
      zone('a', 1, 0, 'paragraph', 0.9),
      zone('b', 1, 100, 'heading', 0.5),
      zone('c', 1, 50, 'table', 0.9),
      zone('d', 1, 150, 'heading', 0.7),
      zone('e', 2, 0, 'paragraph', 0.5),
    ];
    expect(sortZones(zones, 'reading')).toBe(zones);
    expect(ids(sortZones(zones, 'page'))).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(ids(sortZones(zones, 'confidence'))).toEqual(['b', 'e', 'd', 'a', 'c']);
    expect(ids(sortZones(zones, 'type'))).toEqual(['b', 'd', 'a', 'e', 'c']);
  });

  it('counts', () => {
    expect(countText(1480, 1480, 0, false)).toBe('1,480 zones');
    expect(countText(12, 1480, 0, true)).toBe('12 of 1,480 zones');
    expect(countText(0, 1, 1, true)).toBe('0 of 1 zone (and 1 shown that does not match)');
    expect(countText(3, 9, 2, true)).toBe('3 of 9 zones (and 2 shown that do not match)');
  });

  it('groups by pages in an order by page, else in groups that keep their keys as zones come and go', () => {
    const paged = Array.from({ length: 30 }, (_, i) => zone(`p${i}`, i + 1, 0, 'paragraph', 1));
    expect(groupZones(paged, 'reading').map((g) => [g.key, g.first, g.zones.length])).toEqual([
      ['p0', 0, 4],
      ['p1', 4, 4],
      ['p2', 8, 4],
      ['p3', 12, 4],
      ['p4', 16, 4],
      ['p5', 20, 4],
      ['p6', 24, 4],
      ['p7', 28, 2],
    ]);
    const many = Array.from({ length: 2000 }, (_, i) => zone(`z-${i}`, 1, i, 'paragraph', (i % 97) / 97));
    const sorted = sortZones(many, 'confidence');
    const groups = groupZones(sorted, 'confidence');
    expect(groups.every((g) => g.zones.length <= MAX_GROUP)).toBe(true);
    expect(groups.length).toBeGreaterThan(2000 / 64);
    expect(groups.length).toBeLessThan(2000 / 6);
    expect(new Set(groups.map((g) => g.key)).size).toBe(groups.length);
    expect(groups.flatMap((g) => g.zones)).toEqual(sorted);
    // A zone taken out: the other zones keep their groups' keys, but for a few.
    const groupOf = (gs: typeof groups) => new Map(gs.flatMap((g) => g.zones.map((z) => [z.id, g.key])));
    const before = groupOf(groups);
    const after = groupOf(groupZones([...sorted.slice(0, 500), ...sorted.slice(501)], 'confidence'));
    const moved = [...after].filter(([id, key]) => before.get(id) !== key);
    expect(moved.length).toBeLessThanOrEqual(MAX_GROUP);
  });
});
