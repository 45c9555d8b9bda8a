import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  centreOf,
  dragBy,
  eventually,
  nearBox,
  openWithZones,
  type PageBox,
  type Point,
  rectOf,
  StudioHarness,
  shownBoxOf,
  unitsPerPx,
  zoneAt,
  zoneBoxOf,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** A table of tiny zones: cells of 24 × 9 page units, 2 apart, in 4 rows of 5. */
const ROWS = 4;
const COLUMNS = 5;
const CELL = { w: 24, h: 9, gap: 2, x: 200, y: 300 };
const cellId = (row: number, column: number) => `cell-${row}-${column}`;
const cellBox = (row: number, column: number): PageBox => ({
  x: CELL.x + column * (CELL.w + CELL.gap),
  y: CELL.y + row * (CELL.h + CELL.gap),
  w: CELL.w,
  h: CELL.h,
});
const CELLS = Array.from({ length: ROWS * COLUMNS }, (_, i) => ({
  row: Math.floor(i / COLUMNS),
  column: i % COLUMNS,
}));

/** The id of the zone box `page` shows selected (`null`: none). */
const selectedId = (page: Page) =>
  page.evaluate(() => document.querySelector('.zone-box.selected')?.getAttribute('data-zone-id') ?? null);

/** The zone box (its `data-zone-id`) and the handle (`data-handle`, if one) a press at `point` lands on. */
const hitAt = (page: Page, point: Point) =>
  page.evaluate(({ x, y }) => {
    const el = document.elementFromPoint(x, y);
    return {
      zone: el?.closest('.zone-box')?.getAttribute('data-zone-id') ?? null,
      handle: (el as HTMLElement | null)?.dataset.handle ?? null,
    };
  }, point);

/** Every cell's box as `page` shows it, by zone id. */
async function shownCells(page: Page): Promise<Map<string, PageBox>> {
  const out = new Map<string, PageBox>();
  for (const { row, column } of CELLS)
    out.set(cellId(row, column), await shownBoxOf(page, cellId(row, column)));
  return out;
}

/**
 * Tiny zones packed together (a table's cells, 2 page units apart, their number badges over the cells above): each is
 * picked by a click on it, and the selected one's handles, outside it and over its neighbours, resize it and not them.
 */
describe.runIf(chromiumAvailable)('Studio: tiny zones packed together', () => {
  const h = new StudioHarness();
  let ada: Page;
  const documentId = `packed-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await h.start();
    ada = await openWithZones(h, documentId, (doc) => {
      for (const { row, column } of CELLS)
        doc.createZone(zoneAt(cellId(row, column), 1, cellBox(row, column)));
    });
    await eventually(
      () => ada.locator('.zone-box').count(),
      (n) => n === CELLS.length,
      10_000,
      'every cell on the page',
    );
    await zoneBoxOf(ada, cellId(0, 0)).scrollIntoViewIfNeeded();
  });

  afterAll(() => h.close());

  it('selects each cell clicked, whichever was selected before, and moves none', async () => {
    // A cell a few pixels tall: its badge rises over the cells above it.
    const cell = await rectOf(zoneBoxOf(ada, cellId(1, 1)));
    expect(cell.height).toBeLessThan(16);
    const badge = await rectOf(zoneBoxOf(ada, cellId(1, 1)).locator('.zone-number'));
    expect(badge.y).toBeLessThan(cell.y - cell.height);
    const before = await shownCells(ada);
    // Every cell, in an order that jumps about: down and up, to neighbours and far.
    const order = CELLS.map((_, i) => CELLS[(i * 7) % CELLS.length]);
    for (const { row, column } of order) {
      const id = cellId(row, column);
      await ada.mouse.click(...xy(centreOf(await rectOf(zoneBoxOf(ada, id)))));
      await eventually(
        () => selectedId(ada),
        (selected) => selected === id,
        5000,
        `cell ${id} selected`,
      );
    }
    expect(await shownCells(ada)).toEqual(before);
  });

  it('resizes the selected cell by its handles outside it, over its neighbours, and leaves the neighbours be', async () => {
    const id = cellId(1, 2);
    await zoneBoxOf(ada, id).click();
    await zoneBoxOf(ada, id).and(ada.locator('.movable')).waitFor();
    await eventually(
      () =>
        zoneBoxOf(ada, id)
          .locator('.zone-handle')
          .evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.handle).join()),
      (names) => names === 'nw,ne,se,sw',
      5000,
      'its corner handles, outside it',
    );
    const before = await shownCells(ada);
    const u = await unitsPerPx(ada);

    // Its bottom-right handle lies over the corner of the cell down and to the right: a press there takes the handle.
    const se = centreOf(await rectOf(zoneBoxOf(ada, id).locator('[data-handle="se"]')));
    const diagonal = await rectOf(zoneBoxOf(ada, cellId(2, 3)));
    expect(se.x > diagonal.x && se.y > diagonal.y).toBe(true);
    expect(await hitAt(ada, se)).toEqual({ zone: id, handle: 'se' });
    await dragBy(ada, se, 20, 12);
    const grown = cellBox(1, 2);
    grown.w += 20 * u.x;
    grown.h += 12 * u.y;
    expect(nearBox(await shownBoxOf(ada, id), grown, 0.1)).toBe(true);

    // Its top-left one, over the cell up and to the left: the box grows up and left.
    const nw = centreOf(await rectOf(zoneBoxOf(ada, id).locator('[data-handle="nw"]')));
    const upLeft = await rectOf(zoneBoxOf(ada, cellId(0, 1)));
    expect(nw.x < upLeft.x + upLeft.width && nw.y < upLeft.y + upLeft.height).toBe(true);
    expect(await hitAt(ada, nw)).toEqual({ zone: id, handle: 'nw' });
    await dragBy(ada, nw, -10, -6);
    const after = await shownBoxOf(ada, id);
    const expected = {
      x: grown.x - 10 * u.x,
      y: grown.y - 6 * u.y,
      w: grown.w + 10 * u.x,
      h: grown.h + 6 * u.y,
    };
    expect(nearBox(after, expected, 0.1)).toBe(true);

    // The neighbours did not move, and it is still the one selected.
    const now = await shownCells(ada);
    now.delete(id);
    before.delete(id);
    expect(now).toEqual(before);
    expect(await selectedId(ada)).toBe(id);
  });
});

const xy = (p: Point): [number, number] => [p.x, p.y];
