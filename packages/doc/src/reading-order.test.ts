import { describe, expect, it } from 'vitest';
import { documentOrder, readingOrder } from './reading-order.js';
import type { Zone } from './zone.js';

const zone = (
  id: string,
  page: number,
  x: number,
  y: number,
  more: { w?: number; order?: number } = {},
): Zone => ({
  id,
  page,
  bbox: { x, y, w: more.w ?? 100, h: 20 },
  type: 'paragraph',
  label: 'Paragraph',
  confidence: 0.8,
  text: id,
  updatedBy: 'u',
  updatedAt: 0,
  ...(more.order === undefined ? {} : { order: more.order }),
});

const ids = (zones: Zone[]) => zones.map((z) => z.id);

describe('readingOrder', () => {
  it('reads by page, then column by column, then top to bottom', () => {
    const zones = [
      zone('right-top', 1, 320, 100, { w: 200 }),
      zone('p2', 2, 72, 50, { w: 200 }),
      zone('title', 1, 72, 40, { w: 450 }),
      zone('left-bottom', 1, 72, 200, { w: 200 }),
      zone('left-top', 1, 72, 100, { w: 200 }),
      zone('right-bottom', 1, 320, 200, { w: 200 }),
      zone('footer', 1, 72, 400, { w: 450 }),
    ];
    expect(ids(readingOrder(zones))).toEqual([
      'title',
      'left-top',
      'left-bottom',
      'right-top',
      'right-bottom',
      'footer',
      'p2',
    ]);
  });

  it('orders a page of thousands of zones in two columns under a full-width title without quadratic time', () => {
    // The title keeps the columns from being cut first, so the page is cut into one band per row, and each
    // band joins the one above it. Checking every join against all the rows above took 15 s for 10 000 zones.
    const zones: Zone[] = [zone('title', 1, 72, -40, { w: 450 })];
    for (let i = 0; i < 10_000; i++)
      zones.push(zone(`z${i}`, 1, i % 2 ? 320 : 72, Math.floor(i / 2) * 25, { w: 200 }));
    const t0 = performance.now();
    const ordered = ids(readingOrder(zones));
    expect(performance.now() - t0).toBeLessThan(2000);
    const left = zones.filter((z, i) => i > 0 && z.bbox.x === 72).map((z) => z.id);
    const right = zones.filter((z) => z.bbox.x === 320).map((z) => z.id);
    expect(ordered).toEqual(['title', ...left, ...right]);
  });
});

describe('documentOrder', () => {
  it('without orders (documents stored before zones kept theirs) is readingOrder', () => {
    const zones = [zone('c', 1, 300, 10), zone('b', 1, 10, 200), zone('a', 1, 10, 10), zone('p2', 2, 0, 0)];
    expect(ids(documentOrder(zones))).toEqual(ids(readingOrder(zones)));
  });

  it("follows the analysis' order within each page, pages in order", () => {
    // A turned page: the analysis read right to left; the boxes alone read left to right.
    const zones = [
      zone('p2-left', 2, 10, 10, { order: 3 }),
      zone('p2-right', 2, 400, 10, { order: 1 }),
      zone('p2-mid', 2, 200, 10, { order: 2 }),
      zone('p1-a', 1, 10, 10, { order: 1 }),
    ];
    expect(ids(readingOrder(zones))).toEqual(['p1-a', 'p2-left', 'p2-mid', 'p2-right']);
    expect(ids(documentOrder(zones))).toEqual(['p1-a', 'p2-right', 'p2-mid', 'p2-left']);
  });

  it('keeps a zone people drew right after the zone it follows on the page, and one before them all first', () => {
    const zones = [
      zone('third', 1, 10, 10, { order: 3 }),
      zone('mine', 1, 110, 10), // drawn right of `third`: read after it
      zone('second', 1, 300, 10, { order: 2 }),
      zone('first', 1, 500, 10, { order: 1 }),
      zone('lead', 1, 10, 0), // above everything: stays first
    ];
    expect(ids(readingOrder(zones))).toEqual(['lead', 'third', 'mine', 'second', 'first']);
    expect(ids(documentOrder(zones))).toEqual(['lead', 'first', 'second', 'third', 'mine']);
  });

  it('on an upright page (analysis order = box order) changes nothing, whatever people added', () => {
    const zones = [
      zone('a', 1, 10, 10, { order: 1 }),
      zone('b', 1, 10, 50, { order: 2 }),
      zone('drawn', 1, 10, 90),
      zone('c', 1, 10, 130, { order: 3 }),
    ];
    expect(ids(documentOrder(zones))).toEqual(ids(readingOrder(zones)));
  });

  it('ignores an order that is not a number', () => {
    const zones = [zone('b', 1, 10, 50), { ...zone('a', 1, 10, 10), order: 'x' as unknown as number }];
    expect(ids(documentOrder(zones))).toEqual(['a', 'b']);
  });
});
