import { describe, expect, it } from 'vitest';
import { canShowZone, registerZoneShower, showZone } from './zone-focus.js';

describe('zone focus', () => {
  it('shows a zone only through the viewer of its document, and only while the zone exists', () => {
    const zones = new Set(['z1']);
    const shown: string[] = [];
    const off = registerZoneShower('d1', { has: (id) => zones.has(id), show: (id) => shown.push(id) });
    expect(canShowZone('d1', 'z1')).toBe(true);
    expect(canShowZone('d1', 'z2')).toBe(false);
    expect(canShowZone('d2', 'z1')).toBe(false);
    expect(showZone('d1', 'z1')).toBe(true);
    zones.delete('z1');
    expect(showZone('d1', 'z1')).toBe(false);
    expect(shown).toEqual(['z1']);
    // A newer viewer of the same document replaces the older; the older's unregistration leaves it be.
    const newer = registerZoneShower('d1', { has: () => true, show: (id) => shown.push(`newer:${id}`) });
    off();
    expect(showZone('d1', 'z9')).toBe(true);
    newer();
    expect(canShowZone('d1', 'z9')).toBe(false);
    expect(shown).toEqual(['z1', 'newer:z9']);
  });

  it('passes on whether to put the caret in the zone', () => {
    const shown: unknown[] = [];
    const off = registerZoneShower('d3', {
      has: () => true,
      show: (id, options) => shown.push([id, options]),
    });
    showZone('d3', 'z1', { focus: true });
    showZone('d3', 'z2');
    expect(shown).toEqual([
      ['z1', { focus: true }],
      ['z2', undefined],
    ]);
    off();
  });
});
