import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { openDocument, StudioHarness, uploadPdf, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

const touchAction = (page: Page) =>
  page.locator('.page[data-page="0"]').evaluate((el) => getComputedStyle(el).touchAction);
const paneScrollTop = (page: Page) => page.locator('.pdf-pane').evaluate((el) => el.scrollTop);

/** The pane's scroll position once it has stopped moving (a swipe ends with a fling). */
async function settledScrollTop(page: Page): Promise<number> {
  let last = -1;
  for (;;) {
    const top = await paneScrollTop(page);
    if (top === last) return top;
    last = top;
    await page.waitForTimeout(250);
  }
}

/**
 * Swipes up 200 px (and right `right` px) by touch on the first page, from `across` of its width (touch events
 * through Chromium's input), halfway down its part on screen.
 */
async function swipeUpOnPage(page: Page, across: number, right = 0): Promise<void> {
  const box = await page.locator('.page[data-page="0"]').boundingBox();
  const pane = await page.locator('.pdf-pane').boundingBox();
  if (!box || !pane) throw new Error('no page or pane');
  const x = Math.round(box.x + box.width * across);
  const y = Math.round((Math.max(box.y, pane.y) + Math.min(box.y + box.height, pane.y + pane.height)) / 2);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= 10; i++) {
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchMove',
      touchPoints: [{ x: x + (right * i) / 10, y: y - i * 20 }],
    });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The pages by touch on a phone, and zone boxes by keyboard. */
describe.runIf(chromiumAvailable)('Studio: the pages by touch and keyboard', () => {
  const h = new StudioHarness();

  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('scrolls the pages pane when a page is swiped on a phone, and draws a zone instead in "Draw zone"', async () => {
    const context = await h.phoneContext();
    const page = await h.signIn(context, 'Ada');
    const pdf = await makeLargePdf(3);
    await uploadPdf(page, 'three.pdf', pdf.bytes);
    await waitForDocOpen(page);
    await page.locator('canvas.pdf-canvas[data-drawn]').first().waitFor({ timeout: 15_000 });

    expect(await touchAction(page)).not.toBe('none');
    expect(await paneScrollTop(page)).toBe(0);
    // Over the text (zone boxes once the document is processed) and in the margin.
    for (const across of [0.5, 0.04]) {
      await page.locator('.pdf-pane').evaluate((el) => {
        el.scrollTop = 0;
      });
      await swipeUpOnPage(page, across);
      await expect.poll(() => paneScrollTop(page)).toBeGreaterThan(100);
    }

    await page.getByRole('button', { name: 'Draw zone' }).click();
    expect(await touchAction(page)).toBe('none');
    // In the page's margin, where no zone box is: straight up draws nothing and does not scroll; up and right
    // draws a zone (selected once drawn).
    const before = await settledScrollTop(page);
    await swipeUpOnPage(page, 0.04);
    expect(await settledScrollTop(page)).toBe(before);
    await swipeUpOnPage(page, 0.04, 100);
    await page.locator('.zone-box.selected').waitFor({ timeout: 5_000 });
    // The zone drawn ends "Draw zone": swiping scrolls again.
    expect(await touchAction(page)).not.toBe('none');
  });

  it('shows a focus ring on the zone box reached with Tab', async () => {
    const page = await h.signIn(await h.context(), 'Ada');
    await openDocument(page, h.url, 'focus-rings');
    await page.getByRole('button', { name: 'Draw zone' }).click();
    const box = await page.locator('.page[data-page="0"]').boundingBox();
    if (!box) throw new Error('no page box');
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.3, { steps: 4 });
    await page.mouse.up();
    await page.locator('.zone-box').waitFor();

    await page.getByRole('button', { name: 'Zoom in' }).focus();
    for (let i = 0; i < 30; i++) {
      if (await page.evaluate(() => document.activeElement?.classList.contains('zone-box'))) break;
      await page.keyboard.press('Tab');
    }
    const ring = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return {
        zoneBox: el.classList.contains('zone-box'),
        focusVisible: el.matches(':focus-visible'),
        style: style.outlineStyle,
        width: Number.parseFloat(style.outlineWidth),
        color: style.outlineColor,
      };
    });
    expect(ring).toMatchObject({ zoneBox: true, focusVisible: true, style: 'solid' });
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(ring.color).not.toMatch(/^rgba\(.*, 0\)$|transparent/);
  });
});
