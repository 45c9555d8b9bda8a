import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf, makeTurnedPdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { fitZoom } from '../../src/lib/zoom.js';
import {
  changeDocument,
  createBlank,
  devToken,
  StudioHarness,
  uploadPdf,
  waitForDocOpen,
  zoneAt,
  zoneText,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** The first page drawn by pdf.js, to the end. */
const drawnPage = (page: Page) => page.locator('canvas.pdf-canvas[data-drawn]').first();

/** The zoom shown, the pages pane's inner width and the first page's width (px). */
const layout = (page: Page) =>
  page.evaluate(() => ({
    zoom: document.querySelector('[aria-label="Zoom level"]')?.textContent ?? '',
    pane: document.querySelector('.pdf-pane')?.clientWidth ?? 0,
    page: document.querySelector('.page-frame')?.getBoundingClientRect().width ?? 0,
  }));

/** What `page` asks the server for, from now on, as `<status> <path>` (its own requests, also through its worker). */
function responses(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', (r) => seen.push(`${r.status()} ${new URL(r.url()).pathname}`));
  return seen;
}

/** The page at the centre of the pages pane, and where on it (fractions of its width and height). */
const pagesCentre = (page: Page) =>
  page.evaluate(() => {
    const pane = document.querySelector('.pdf-pane') as HTMLElement;
    const r = pane.getBoundingClientRect();
    const x = r.left + pane.clientLeft + pane.clientWidth / 2;
    const y = r.top + pane.clientTop + pane.clientHeight / 2;
    const frames = Array.from(document.querySelectorAll('.page-frame'), (f) => f.getBoundingClientRect());
    const index = frames.findIndex((f) => f.top <= y && y < f.bottom);
    const f = frames[index];
    return f ? { index, x: (x - f.left) / f.width, y: (y - f.top) / f.height } : { index, x: 0, y: 0 };
  });

/** The document view at a 1280x800 window: zoom, blank documents, drawing, and names of deleted documents. */
describe.runIf(chromiumAvailable)('Studio: the document view', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    page = await h.signIn(context, 'Ada');
  });

  afterAll(() => h.close());

  it('fits the page width to the pages pane when a PDF document is opened by its address, and on Fit', async () => {
    const pdf = await makeLargePdf(2);
    await uploadPdf(page, 'letter.pdf', pdf.bytes);
    const url = page.url();
    await waitForDocOpen(page);
    await drawnPage(page).waitFor({ timeout: 15_000 });

    // Opened by its address in a new tab, and reloaded: the PDF's page (US Letter) fits the pane, as it is then.
    const tab = await context.newPage();
    for (const open of [() => tab.goto(url), () => tab.reload()]) {
      await open();
      await waitForDocOpen(tab);
      await drawnPage(tab).waitFor({ timeout: 15_000 });
      const shown = await layout(tab);
      const fit = fitZoom(shown.pane, 612);
      expect(shown.pane).toBeGreaterThan(0);
      expect(shown.zoom).toBe(`${Math.round(fit * 100)}%`);
      expect(shown.page).toBeLessThanOrEqual(shown.pane - 32 + 1);
      expect(shown.page).toBeCloseTo(612 * fit, 0);
    }
    // Zoomed in, then Fit: back to the fitted width.
    const fitted = await layout(tab);
    await tab.getByRole('button', { name: 'Zoom in' }).click();
    expect((await layout(tab)).zoom).not.toBe(fitted.zoom);
    await tab.getByRole('button', { name: 'Fit' }).click();
    await expect(layout(tab)).resolves.toEqual(fitted);
    // The pane gets narrower with the window: the page follows.
    await tab.setViewportSize({ width: 900, height: 800 });
    await expect
      .poll(async () => {
        const shown = await layout(tab);
        return shown.page <= shown.pane - 32 + 1 && shown.pane < fitted.pane;
      })
      .toBe(true);
    await tab.close();
  });

  it('fits the widest page to the pages pane, so that no page is cut off, the first neither', async () => {
    // US Letter, then a page turned to landscape (792 pt wide).
    await page.goto(h.url);
    await uploadPdf(page, 'turned.pdf', (await makeTurnedPdf()).bytes);
    await waitForDocOpen(page);
    await drawnPage(page).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.page-frame').count()).toBe(2);
    /** Each page's room left and right of it inside the pane, as scrolled, with the zoom and the pane's width. */
    const pages = () =>
      page.evaluate(() => {
        const pane = document.querySelector('.pdf-pane') as HTMLElement;
        const left = pane.getBoundingClientRect().left + pane.clientLeft;
        return {
          zoom: document.querySelector('[aria-label="Zoom level"]')?.textContent ?? '',
          pane: pane.clientWidth,
          scrolls: pane.scrollWidth > pane.clientWidth,
          room: Array.from(document.querySelectorAll('.page-frame'), (f) => {
            const r = f.getBoundingClientRect();
            return Math.min(r.left - left, left + pane.clientWidth - r.right);
          }),
        };
      });
    for (const fit of [() => Promise.resolve(), () => page.getByRole('button', { name: 'Fit' }).click()]) {
      await fit();
      const shown = await pages();
      expect(shown.zoom).toBe(`${Math.round(fitZoom(shown.pane, 792) * 100)}%`);
      expect(shown.scrolls).toBe(false);
      for (const room of shown.room) expect(room).toBeGreaterThanOrEqual(0);
      await page.getByRole('button', { name: 'Zoom in' }).click();
    }
  });

  it('keeps the place in the pages when zoomed in, out and to fit', async () => {
    await page.goto(h.url);
    await uploadPdf(page, 'six pages.pdf', (await makeLargePdf(6)).bytes);
    await waitForDocOpen(page);
    await expect.poll(() => page.locator('.page-frame').count()).toBe(6);
    // Processing over (its panel gone): the pane's height stays.
    await page.getByTestId('processing').waitFor({ state: 'detached', timeout: 60_000 });
    await page
      .locator('.page-frame')
      .nth(3)
      .evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const centre = () => pagesCentre(page);
    const start = await centre();
    expect(start.index).toBe(3);
    for (const button of ['Zoom in', 'Zoom in', 'Zoom out', 'Zoom out', 'Zoom out', 'Fit']) {
      const zoom = await page.getByLabel('Zoom level').textContent();
      await page.getByRole('button', { name: button, exact: true }).click();
      await expect.poll(() => page.getByLabel('Zoom level').textContent()).not.toBe(zoom);
      const shown = await centre();
      expect(shown.index, button).toBe(3);
      expect(Math.abs(shown.x - start.x), button).toBeLessThan(0.01);
      expect(Math.abs(shown.y - start.y), button).toBeLessThan(0.01);
    }
  });

  it('keeps the place in the pages when a resize of the window changes the fit, as the zoom buttons do', async () => {
    // Fitted (the last test's Fit), page 4 at the centre of the pane.
    await page.getByRole('button', { name: 'Fit' }).click();
    await page
      .locator('.page-frame')
      .nth(3)
      .evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const start = await pagesCentre(page);
    expect(start.index).toBe(3);
    try {
      for (const size of [
        { width: 960, height: 800 },
        { width: 1200, height: 700 },
      ]) {
        const zoom = await page.getByLabel('Zoom level').textContent();
        await page.setViewportSize(size);
        await expect.poll(() => page.getByLabel('Zoom level').textContent()).not.toBe(zoom);
        const shown = await pagesCentre(page);
        const at = `${size.width}x${size.height}`;
        expect(shown.index, at).toBe(3);
        expect(Math.abs(shown.x - start.x), at).toBeLessThan(0.01);
        expect(Math.abs(shown.y - start.y), at).toBeLessThan(0.01);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('opens History from the keyboard with the focus in it, and closes it with Escape, the focus back on its button', async () => {
    await createBlank(page, h.url, 'history-keys');
    await page.goto(`${h.url}/documents/history-keys`);
    await waitForDocOpen(page);
    await page.getByRole('button', { name: 'Add zone' }).click();
    const focusIn = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el?.closest('[data-testid="history"]') ? 'history' : (el?.textContent ?? '');
      });
    const button = page.getByRole('button', { name: 'History', exact: true });
    const panel = page.getByTestId('history');
    for (const close of ['Escape', 'Close']) {
      await button.focus();
      await page.keyboard.press('Enter');
      await panel.waitFor();
      await expect.poll(focusIn).toBe('history');
      await page.keyboard.press('Tab'); // its Close button, first in it
      await expect.poll(focusIn).toBe('history');
      if (close === 'Escape') await page.keyboard.press('Escape');
      else await page.keyboard.press('Enter');
      await panel.waitFor({ state: 'detached' });
      await expect.poll(focusIn).toBe('History');
    }
  });

  it('on a phone, closes History when a zone named in it is shown, so that its text and caret are not under it', async () => {
    const phone = await h.signIn(await h.phoneContext(), 'Ada');
    await createBlank(phone, h.url, 'history-phone');
    await phone.goto(`${h.url}/documents/history-phone`);
    await waitForDocOpen(phone);
    for (let i = 0; i < 3; i++) await phone.getByRole('button', { name: 'Add zone' }).click();
    await expect.poll(() => phone.locator('.zone-item').count()).toBe(3);
    await phone.getByRole('button', { name: 'History', exact: true }).click();
    const panel = phone.getByTestId('history');
    await panel.getByRole('button', { name: 'zone 1', exact: true }).click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    const text = phone.getByLabel(/^Text of zone 1 /);
    await expect.poll(() => text.evaluate((el) => el === document.activeElement)).toBe(true);
    // What is typed shows where it goes: the text is on the screen, nothing over it.
    await expect
      .poll(() =>
        text.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el;
        }),
      )
      .toBe(true);
    await phone.close();

    // Beside the zones' text (a wide window) it stays open, to go on from.
    await page.goto(`${h.url}/documents/history-phone`);
    await waitForDocOpen(page);
    await page.getByRole('button', { name: 'History', exact: true }).click();
    await page.getByTestId('history').getByRole('button', { name: 'zone 2', exact: true }).click();
    await expect
      .poll(() => page.getByLabel(/^Text of zone 2 /).evaluate((el) => el === document.activeElement))
      .toBe(true);
    await expect(page.getByTestId('history').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Close history' }).click();
  });

  it('deletes with the Delete key only the selected zone, not one that merely has the focus', async () => {
    await createBlank(page, h.url, 'delete-keys');
    await page.goto(`${h.url}/documents/delete-keys`);
    await waitForDocOpen(page);
    const add = page.getByRole('button', { name: 'Add zone' });
    await add.click();
    await add.click(); // the second zone is the one selected
    const boxes = page.locator('.zone-box');
    await expect.poll(() => boxes.count()).toBe(2);
    const first = boxes.first();
    await expect(first.getAttribute('aria-pressed')).resolves.toBe('false');
    await first.focus();
    for (const key of ['Delete', 'Backspace']) await page.keyboard.press(key);
    await page.waitForTimeout(200);
    expect(await boxes.count()).toBe(2);
    // Selected (Enter), it goes.
    await page.keyboard.press('Enter');
    await expect(first.getAttribute('aria-pressed')).resolves.toBe('true');
    await page.keyboard.press('Delete');
    await expect.poll(() => boxes.count()).toBe(1);
  });

  it('never asks for the file of a blank document, nor for anything the server does not have', async () => {
    const tab = await context.newPage();
    const seen = responses(tab);
    // Made (as the list's form does: an address alone makes nothing), then opened by its address, twice.
    await createBlank(tab, h.url, 'plain-notes');
    for (let i = 0; i < 2; i++) {
      await tab.goto(`${h.url}/documents/plain-notes`);
      await waitForDocOpen(tab);
      await tab.getByText('No PDF for this document: zones are shown on blank pages.').waitFor();
      // No processing to wait for: the empty text pane says how zones are made here.
      await tab.getByText('No zones yet: draw one on a page with “Draw zone”.').waitFor();
      await tab.getByRole('button', { name: '← Documents' }).click();
      await tab.locator('tr', { hasText: 'plain-notes' }).waitFor();
    }
    // Made from the list.
    await tab.getByLabel('Name').fill('Agenda');
    await tab.getByRole('button', { name: 'Open' }).click();
    await waitForDocOpen(tab);
    await tab.getByText('No PDF for this document: zones are shown on blank pages.').waitFor();
    await tab.waitForTimeout(300);
    expect(seen.filter((r) => r.endsWith('/file'))).toEqual([]);
    expect(seen.filter((r) => !r.startsWith('2') && !r.startsWith('3'))).toEqual([]);
    await expect(tab.locator('link[rel="icon"]').count()).resolves.toBe(1);
    await tab.close();
  });

  it('leaves "Draw zone" with Escape', async () => {
    await createBlank(page, h.url, 'drawing-board');
    await page.goto(`${h.url}/documents/drawing-board`);
    await waitForDocOpen(page);
    const draw = page.getByRole('button', { name: /^(Draw zone|Drawing…)/ });
    await draw.click();
    await expect(draw.getAttribute('aria-pressed')).resolves.toBe('true');
    await page.keyboard.press('Escape');
    await expect(draw.getAttribute('aria-pressed')).resolves.toBe('false');
    await expect(page.locator('.page.drawing').count()).resolves.toBe(0);
  });

  it('leaves Ctrl+Z in a zone’s Label field to the field, and undoes the document’s edits from a zone’s text', async () => {
    await createBlank(page, h.url, 'undo-in-fields');
    await page.goto(`${h.url}/documents/undo-in-fields`);
    await waitForDocOpen(page);
    await page.getByRole('button', { name: 'Add zone' }).click();
    const text = page.getByLabel(/^Text of zone 1 /);
    await text.click();
    await page.keyboard.type('hello');
    await expect.poll(() => zoneText(page, 1)).toBe('hello');
    // The selected zone's label: Ctrl+Z takes back what was typed in the field, not the zone's text.
    const label = page.getByLabel('Label', { exact: true });
    await label.click();
    await page.keyboard.type('Intro');
    await page.keyboard.press('Control+z');
    await expect.poll(() => label.inputValue()).toBe('');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => label.inputValue()).toBe('Intro');
    await page.waitForTimeout(200);
    expect(await zoneText(page, 1)).toBe('hello');
    expect(await page.locator('.zone-item').count()).toBe(1);
    // In the zone's text, Ctrl+Z is the document's undo (the label, set when the field was left, first).
    await text.click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => label.inputValue()).toBe('');
    await page.keyboard.press('Control+z');
    await expect.poll(() => zoneText(page, 1)).toBe('');
  });

  it('adds a zone with "Add zone" to the page in view, or to the selected zone’s page while it shows', async () => {
    await createBlank(page, h.url, 'three-pages');
    await changeDocument(h, await devToken(h, 'Ada'), 'three-pages', (doc) => {
      doc.createZone(zoneAt('z-p3', 3, { x: 60, y: 600, w: 490, h: 60 }, 'On page 3'));
    });
    await page.goto(`${h.url}/documents/three-pages`);
    await waitForDocOpen(page);
    const boxesOn = (index: number) => page.locator(`.page[data-page="${index}"] .zone-box`);
    await boxesOn(2).waitFor();
    // Page 2 in view: from the keyboard, the zone goes there.
    await page.locator('.page[data-page="1"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.getByRole('button', { name: 'Add zone' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => boxesOn(1).count()).toBe(1);
    expect(await boxesOn(0).count()).toBe(0);
    // The zone on page 3 selected, then the pane scrolled back until only the top of its page shows: there.
    await boxesOn(2).first().click();
    await page.locator('.page[data-page="2"]').evaluate((el) => {
      const pane = el.closest('.pdf-pane') as HTMLElement;
      pane.scrollTop += el.getBoundingClientRect().top - (pane.getBoundingClientRect().bottom - 100);
    });
    await page.getByRole('button', { name: 'Add zone' }).click();
    await expect.poll(() => boxesOn(2).count()).toBe(2);
    expect(await boxesOn(1).count()).toBe(1);
    expect(await boxesOn(0).count()).toBe(0);
  });

  it('says that the name of a deleted document cannot be used again, and does not open it', async () => {
    await page.goto(h.url);
    await page.getByLabel('Name').fill('Old plan');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/\/documents\/Old-plan$/);
    await waitForDocOpen(page);
    await page.getByRole('button', { name: '← Documents' }).click();
    const row = page.locator('tr', { hasText: 'Old plan' });
    await row.getByRole('button', { name: 'Delete Old plan' }).click();
    await page
      .getByRole('group', { name: 'Delete Old plan?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await row.waitFor({ state: 'detached' });

    await page.getByLabel('Name').fill('Old plan');
    await page.getByRole('button', { name: 'Open' }).click();
    const problem = page.getByTestId('blank-problem');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/“Old plan” .*deleted.*cannot be used again/);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('.viewer').count()).resolves.toBe(0);
  });
});
