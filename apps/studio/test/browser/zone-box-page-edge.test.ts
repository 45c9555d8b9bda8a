import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  centreOf,
  dragBy,
  eventually,
  nearBox,
  openDocument,
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

/**
 * Zones at the edges of the pages: a tiny one in page 1's bottom-right corner, one against its right edge, and one at
 * the top of page 2.
 */
const CORNER: PageBox = { x: 592, y: 784, w: 20, h: 8 };
const RIGHT: PageBox = { x: 412, y: 300, w: 200, h: 100 };
const TOP: PageBox = { x: 100, y: 0, w: 300, h: 40 };

/**
 * Whether points of `locator`'s element all reach it (or something in it) when hit: just inside its corners (`top`: its
 * top corners), or (`column`, for a round handle) its centre and the middles of its top and bottom edges. What a page
 * clips away, or what another page covers, is not hit there.
 */
function wholeOnTop(locator: Locator, points: 'corners' | 'top' | 'column' = 'corners'): Promise<boolean> {
  return locator.evaluate((el, points) => {
    const r = el.getBoundingClientRect();
    const inset = 1.5;
    const [left, right, top, bottom] = [r.left + inset, r.right - inset, r.top + inset, r.bottom - inset];
    const middle = (r.left + r.right) / 2;
    const at = {
      corners: [
        [left, top],
        [right, top],
        [left, bottom],
        [right, bottom],
      ],
      top: [
        [left, top],
        [right, top],
      ],
      column: [
        [middle, top],
        [middle, (r.top + r.bottom) / 2],
        [middle, bottom],
      ],
    }[points];
    return at.every(([x, y]) => {
      const hit = document.elementFromPoint(x, y);
      return hit !== null && el.contains(hit);
    });
  }, points);
}

/** Whether `point` is outside page `index`'s frame. */
async function outsidePage(page: Page, index: number, point: Point): Promise<boolean> {
  const f = await rectOf(page.locator(`.page-frame:has(.page[data-page="${index}"])`));
  return point.x < f.x || point.x > f.x + f.width || point.y < f.y || point.y > f.y + f.height;
}

async function select(page: Page, id: string) {
  await zoneBoxOf(page, id).click();
  await zoneBoxOf(page, id).and(page.locator('.movable')).waitFor();
}

/** A selected zone box at the edge of its page shows its handles and number whole, and its handles outside resize it. */
describe.runIf(chromiumAvailable)('Studio: zone boxes at the edge of a page', () => {
  const h = new StudioHarness();
  let ada: Page;
  const documentId = `page-edge-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await h.start();
    ada = await openWithZones(h, documentId, (doc) => {
      doc.createZone(zoneAt('corner', 1, CORNER, 'corner'));
      doc.createZone(zoneAt('right', 1, RIGHT, 'right'));
      doc.createZone(zoneAt('top', 2, TOP, 'top'));
    });
    await zoneBoxOf(ada, 'top').waitFor();
  });

  afterAll(() => h.close());

  it("shows a tiny corner zone's handles outside the page whole, and resizes it by one of them", async () => {
    await zoneBoxOf(ada, 'corner').scrollIntoViewIfNeeded();
    await select(ada, 'corner');
    const handles = zoneBoxOf(ada, 'corner').locator('.zone-handle');
    await eventually(
      () => handles.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.handle).join()),
      (names) => names === 'nw,ne,se,sw',
      5000,
      'its corner handles, outside it',
    );
    for (const name of ['nw', 'ne', 'se', 'sw']) {
      const handle = zoneBoxOf(ada, 'corner').locator(`[data-handle="${name}"]`);
      expect(await wholeOnTop(handle), `handle ${name}`).toBe(true);
    }

    // Its top-right handle, right of the page: dragged up and left, the box grows up and narrows.
    const ne = centreOf(await rectOf(zoneBoxOf(ada, 'corner').locator('[data-handle="ne"]')));
    expect(await outsidePage(ada, 0, ne)).toBe(true);
    const u = await unitsPerPx(ada);
    await dragBy(ada, ne, -8, -30);
    const resized = await shownBoxOf(ada, 'corner');
    expect(
      nearBox(
        resized,
        { x: CORNER.x, y: CORNER.y - 30 * u.y, w: CORNER.w - 8 * u.x, h: CORNER.h + 30 * u.y },
        0.1,
      ),
    ).toBe(true);
  });

  it("shows the number badge of a zone at a page's top whole, above the page", async () => {
    // (The badge lets presses through to what is under it: made to take them here, to see what is hit.)
    const hittable = await ada.addStyleTag({ content: '.zone-box .zone-number { pointer-events: auto; }' });
    try {
      await zoneBoxOf(ada, 'top').scrollIntoViewIfNeeded();
      const badge = zoneBoxOf(ada, 'top').locator('.zone-number');
      const r = await rectOf(badge);
      expect(await outsidePage(ada, 1, { x: r.x + 2, y: r.y + 2 })).toBe(true);
      expect(await wholeOnTop(badge)).toBe(true);
      // Selected (its page above the others), its top-left handle over the badge's foot.
      await select(ada, 'top');
      expect(await wholeOnTop(badge, 'top')).toBe(true);
    } finally {
      await hittable.evaluate((el) => (el as HTMLElement).remove());
    }
  });

  it("shows a finger's bigger handles below a page whole, over the next page", async () => {
    const phone = await h.signIn(await h.phoneContext(), 'Ada');
    await openDocument(phone, h.url, documentId);
    await zoneBoxOf(phone, 'corner').scrollIntoViewIfNeeded();
    await zoneBoxOf(phone, 'corner').tap();
    const se = zoneBoxOf(phone, 'corner').locator('[data-handle="se"]');
    await se.waitFor();
    const r = await rectOf(se);
    expect(r.width).toBeGreaterThanOrEqual(18);
    // The handle (round) reaches into page 2 (the pages are 1rem apart), and is on top there.
    const next = await rectOf(phone.locator('.page-frame:has(.page[data-page="1"])'));
    expect(r.y + r.height - 1.5).toBeGreaterThan(next.y);
    expect(await wholeOnTop(se, 'column')).toBe(true);
    expect(await wholeOnTop(zoneBoxOf(phone, 'corner').locator('[data-handle="sw"]'), 'column')).toBe(true);
    await phone.context().close();
  });

  it("resizes a zone against the page's right edge by the half of its handle outside the page", async () => {
    await zoneBoxOf(ada, 'right').scrollIntoViewIfNeeded();
    await select(ada, 'right');
    const e = zoneBoxOf(ada, 'right').locator('[data-handle="e"]');
    expect(await wholeOnTop(e)).toBe(true);
    const r = await rectOf(e);
    const outside = { x: r.x + r.width - 2, y: r.y + r.height / 2 };
    expect(await outsidePage(ada, 0, outside)).toBe(true);
    const u = await unitsPerPx(ada);
    await dragBy(ada, outside, -50, 0);
    const resized = await shownBoxOf(ada, 'right');
    expect(nearBox(resized, { ...RIGHT, w: RIGHT.w - 50 * u.x }, 0.1)).toBe(true);
  });

  it('keeps the zone tools in view when a zoomed page is scrolled sideways', async () => {
    for (let i = 0; i < 3; i++) await ada.getByRole('button', { name: 'Zoom in' }).click();
    const pane = ada.locator('.pdf-pane');
    try {
      await eventually(
        () => pane.evaluate((el) => el.scrollWidth - el.clientWidth),
        (wider) => wider > 100,
        5000,
        'a page wider than the pane',
      );
      await pane.evaluate((el) => {
        el.scrollLeft = el.scrollWidth;
      });
      const tools = ada.getByRole('toolbar', { name: 'Zone tools' });
      expect((await rectOf(tools)).x).toBeCloseTo((await rectOf(pane)).x, 0);
      const draw = await rectOf(ada.getByRole('button', { name: 'Draw zone' }));
      expect(draw.x).toBeGreaterThan((await rectOf(pane)).x);
      expect(await wholeOnTop(ada.getByRole('button', { name: 'Draw zone' }), 'column')).toBe(true);
    } finally {
      await ada.getByRole('button', { name: 'Fit' }).click();
    }
  });
});
