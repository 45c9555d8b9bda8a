import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { StudioHarness, uploadPdf, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Pages of the test document. */
const PAGES = 36;
/** How many heights of the pane above and below the visible part drawn pages may keep their image (KEEP_MARGIN). */
const KEPT_SCREENS = 3;

interface PageState {
  /** The page's frame, from the top of the pane's visible part (px). */
  top: number;
  bottom: number;
  width: number;
  /** The canvas's size (device pixels). */
  canvasWidth: number;
  canvasHeight: number;
  drawn: boolean;
}

/** The pages pane as the test sees it: its visible height, and each page's place and canvas. */
const pagesPane = (page: Page) =>
  page.evaluate(() => {
    const pane = document.querySelector('.pdf-pane') as HTMLElement;
    const top = pane.getBoundingClientRect().top + pane.clientTop;
    return {
      height: pane.clientHeight,
      scrollTop: pane.scrollTop,
      scrollHeight: pane.scrollHeight,
      dpr: window.devicePixelRatio,
      zoom: document.querySelector('[aria-label="Zoom level"]')?.textContent ?? '',
      pages: Array.from(document.querySelectorAll('.page-frame'), (frame): PageState => {
        const box = frame.getBoundingClientRect();
        const canvas = frame.querySelector('canvas.pdf-canvas') as HTMLCanvasElement;
        return {
          top: box.top - top,
          bottom: box.bottom - top,
          width: box.width,
          canvasWidth: canvas.width,
          canvasHeight: canvas.height,
          drawn: canvas.hasAttribute('data-drawn'),
        };
      }),
    };
  });
type Pane = Awaited<ReturnType<typeof pagesPane>>;

const pixels = (p: PageState) => p.canvasWidth * p.canvasHeight;
const totalPixels = (pane: Pane) => pane.pages.reduce((sum, p) => sum + pixels(p), 0);
const onScreen = (pane: Pane) => pane.pages.filter((p) => p.bottom > 0 && p.top < pane.height);

/**
 * What must hold whatever the scrolling and zooming before, as the problems found (none: it holds): only pages
 * within `KEPT_SCREENS` pane heights of the visible part hold an image, at the current zoom, so all of them
 * together hold at most that band's pages.
 */
function overBound(pane: Pane): string[] {
  const problems: string[] = [];
  const held = pane.pages.map((p, i) => ({ ...p, i })).filter((p) => pixels(p) > 0);
  const band = KEPT_SCREENS * pane.height;
  const far = held.filter((p) => p.bottom < -band - 1 || p.top > pane.height + band + 1);
  if (far.length) problems.push(`pages far from the screen holding an image: ${far.map((p) => p.i + 1)}`);
  const stale = held.filter((p) => Math.abs(p.canvasWidth - p.width * pane.dpr) > 1);
  if (stale.length) problems.push(`pages holding an image at another zoom: ${stale.map((p) => p.i + 1)}`);
  const pageWidth = pane.pages[0].width * pane.dpr;
  const pageHeight = Math.max(...pane.pages.map((p) => p.bottom - p.top)) * pane.dpr;
  const bound = ((2 * band + pane.height) * pane.dpr + 2 * pageHeight) * pageWidth;
  if (totalPixels(pane) > bound)
    problems.push(`${totalPixels(pane)} pixels held, more than ${Math.round(bound)}`);
  return problems;
}

/** Waits until `overBound` finds nothing (pages that left release their image as the browser reports it). */
async function expectBounded(page: Page): Promise<Pane> {
  let pane = await pagesPane(page);
  await expect
    .poll(
      async () => {
        pane = await pagesPane(page);
        return overBound(pane);
      },
      { timeout: 3_000 },
    )
    .toEqual([]);
  return pane;
}

/** Scrolls the pane to `top` and waits until the pages on screen are drawn. */
async function scrollTo(page: Page, top: number): Promise<Pane> {
  await page.locator('.pdf-pane').evaluate((el, y) => {
    el.scrollTop = y;
  }, top);
  await expect
    .poll(async () => onScreen(await pagesPane(page)).every((p) => p.drawn && pixels(p) > 0), {
      timeout: 15_000,
    })
    .toBe(true);
  return pagesPane(page);
}

/** Clicks Zoom in or Zoom out until the zoom shown is `zoom` (e.g. `300%`). */
async function zoomTo(page: Page, button: 'Zoom in' | 'Zoom out', zoom: string): Promise<void> {
  for (let i = 0; i < 10 && (await pagesPane(page)).zoom !== zoom; i++) {
    await page.getByRole('button', { name: button }).click();
  }
  expect((await pagesPane(page)).zoom).toBe(zoom);
}

/** A long PDF at a 1280x800 window: the pages' images are drawn near the screen and released away from it. */
describe.runIf(chromiumAvailable)('Studio: the images of the pages of a long document', () => {
  const h = new StudioHarness();
  let page: Page;

  beforeAll(async () => {
    await h.start();
    page = await h.signIn(await h.context(), 'Ada');
    const pdf = await makeLargePdf(PAGES);
    await uploadPdf(page, 'long.pdf', pdf.bytes);
    await waitForDocOpen(page);
    await page.locator('canvas.pdf-canvas[data-drawn]').first().waitFor({ timeout: 15_000 });
  });

  afterAll(() => h.close());

  it('draws the pages on screen, and holds the images of a few screens of pages only, scrolled to the end and back', async () => {
    let pane = await pagesPane(page);
    expect(pane.pages).toHaveLength(PAGES);
    const held = new Set<number>();
    for (let top = 0; top < pane.scrollHeight; top += pane.height) {
      pane = await scrollTo(page, top);
      pane.pages.forEach((p, i) => {
        if (pixels(p) > 0) held.add(i);
      });
      await expectBounded(page);
    }
    // Every page was drawn on the way, the last one at the end.
    expect(held.size).toBe(PAGES);
    expect(pane.pages[PAGES - 1].drawn).toBe(true);
    // Back at the top, the first pages are drawn again.
    pane = await scrollTo(page, 0);
    expect(pane.pages[0].drawn).toBe(true);
    await expectBounded(page);
  });

  it('holds no image at a former zoom after zooming in and out', async () => {
    let pane = await scrollTo(page, (await pagesPane(page)).scrollHeight / 2);
    await zoomTo(page, 'Zoom in', '300%');
    pane = await scrollTo(page, pane.scrollHeight / 3);
    pane = await scrollTo(page, pane.scrollTop + 2 * pane.height);
    pane = await expectBounded(page);
    const at300 = totalPixels(pane);
    await zoomTo(page, 'Zoom out', '50%');
    pane = await scrollTo(page, pane.scrollTop);
    pane = await expectBounded(page);
    // At 50 % a page has a 36th of its pixels at 300 %: even with more pages on screen, far fewer pixels.
    expect(totalPixels(pane)).toBeLessThan(at300 / 2);
  });
});
