// @vitest-environment jsdom
import { documentOrder, type Zone } from '@syncline/doc';
import { exportDocument } from '@syncline/pipeline';
import { act, renderHook } from '@testing-library/react';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { until, worldPerTest } from './testing/server.js';
import { useRealTimeDocument } from './use-real-time-document.js';
import { readingOrder, zoneOrderer } from './zones.js';

const zone = (id: string, page: number, x: number, y: number, order?: number) => ({
  id,
  page,
  bbox: { x, y, w: 100, h: 20 },
  type: 'paragraph' as const,
  label: 'Paragraph',
  confidence: 0.9,
  text: id,
  ...(order === undefined ? {} : { order }),
});

const ids = (zones: readonly Zone[]) => zones.map((z) => z.id);

describe('zone order in Studio', () => {
  const setup = worldPerTest();

  it("lists a document's zones in the order its exports read them, also where orders disagree with positions", async () => {
    const { world, documentId } = setup;
    const hook = renderHook(() => useRealTimeDocument(documentId), {
      wrapper: world.wrapper(world.client('ann')),
    });
    await until(() => hook.result.current.isReady);
    act(() => {
      // Page 2 was turned: the analysis read its zones right to left, the reverse of where their boxes sit.
      for (const z of [
        zone('p1-z001', 1, 72, 40, 1),
        zone('p1-z002', 1, 72, 80, 2),
        zone('p2-z001', 2, 400, 40, 1),
        zone('p2-z002', 2, 250, 40, 2),
        zone('p2-z003', 2, 100, 40, 3),
        zone('drawn', 2, 100, 300), // drawn by someone below the leftmost zone: read after it
      ])
        hook.result.current.createZone(z);
    });
    const studio = ids(hook.result.current.zones);
    const json = await exportDocument(hook.result.current.document, 'json', { documentId });
    expect(studio).toEqual(ids((JSON.parse(json.body) as { zones: Zone[] }).zones));
    expect(studio).toEqual(['p1-z001', 'p1-z002', 'p2-z001', 'p2-z002', 'p2-z003', 'drawn']);

    // Text typed into a zone keeps the order (and shows the new text); moving a zone drops its `order`.
    act(() => void hook.result.current.broadcastZoneUpdate('p2-z002', { text: 'typed' }));
    expect(hook.result.current.zones.map((z) => z.text)).toEqual([
      'p1-z001',
      'p1-z002',
      'p2-z001',
      'typed',
      'p2-z003',
      'drawn',
    ]);
    act(() => void hook.result.current.updateZone('p2-z001', { bbox: { x: 10, y: 400, w: 100, h: 20 } }));
    const moved = await exportDocument(hook.result.current.document, 'json', { documentId });
    expect(ids(hook.result.current.zones)).toEqual(ids((JSON.parse(moved.body) as { zones: Zone[] }).zones));
  });
});

describe('zoneOrderer', () => {
  const stamp = { updatedBy: 'u', updatedAt: 0 };
  const arbZone = fc.record({
    page: fc.integer({ min: 1, max: 3 }),
    x: fc.integer({ min: 0, max: 4 }).map((n) => n * 110),
    y: fc.integer({ min: 0, max: 4 }).map((n) => n * 30),
    order: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  });
  /** A change to a document: a zone added, moved, typed into, its order dropped, or deleted. */
  const arbChange = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), zone: arbZone }),
    fc.record({ kind: fc.constantFrom('move' as const), pick: fc.nat(), zone: arbZone }),
    fc.record({
      kind: fc.constantFrom('type' as const, 'unorder' as const, 'delete' as const),
      pick: fc.nat(),
    }),
  );

  it('always gives readingOrder, reusing a page whose zones did not move', () => {
    fc.assert(
      fc.property(
        fc.array(arbZone, { maxLength: 12 }),
        fc.array(arbChange, { maxLength: 20 }),
        (start, changes) => {
          let n = 0;
          const make = (a: (typeof start)[number]): Zone => ({
            ...zone(`z${n++}`, a.page, a.x, a.y, a.order),
            ...stamp,
          });
          let zones: Record<string, Zone> = Object.fromEntries(start.map(make).map((z) => [z.id, z]));
          const order = zoneOrderer();
          expect(ids(order(zones))).toEqual(ids(readingOrder(zones)));
          for (const c of changes) {
            const keys = Object.keys(zones);
            const id = 'pick' in c && keys.length > 0 ? keys[c.pick % keys.length] : undefined;
            zones = { ...zones };
            if (c.kind === 'add') {
              const z = make(c.zone);
              zones[z.id] = z;
            } else if (id === undefined) continue;
            else if (c.kind === 'move') {
              const { order: _, ...rest } = zones[id];
              zones[id] = { ...rest, page: c.zone.page, bbox: { ...rest.bbox, x: c.zone.x, y: c.zone.y } };
            } else if (c.kind === 'type') zones[id] = { ...zones[id], text: `${zones[id].text}!` };
            else if (c.kind === 'unorder') {
              const { order: _, ...rest } = zones[id];
              zones[id] = rest;
            } else delete zones[id];
            const got = order(zones);
            expect(ids(got)).toEqual(ids(documentOrder(Object.values(zones))));
            // The zones as they are now, not as they were when their page was ordered.
            for (const z of got) expect(z).toBe(zones[z.id]);
          }
        },
      ),
    );
  });

  it('takes a zone deleted and another added in one change (as many zones) for a change of the order', () => {
    const stamped = (z: ReturnType<typeof zone>): Zone => ({ ...z, ...stamp });
    const a = stamped(zone('a', 1, 0, 0));
    const b = stamped(zone('b', 1, 0, 100));
    const order = zoneOrderer();
    expect(ids(order({ a, b }))).toEqual(['a', 'b']);
    const c = stamped(zone('c', 1, 0, 50));
    expect(ids(order({ a, c }))).toEqual(['a', 'c']);
    expect(ids(order({ b, c }))).toEqual(['c', 'b']);
  });
});
