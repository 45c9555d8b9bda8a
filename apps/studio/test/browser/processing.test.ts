import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { eventually, StudioHarness, screenshot, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Pages of the uploaded PDF. */
const PAGES = 300;
/**
 * The server's per-job page limit: processing then takes a minute whatever the machine, so it is still
 * running when Cancel is pressed (unlimited, it took 5-30 s here depending on the load, and a quick run
 * finished before the test got to Cancel).
 */
const PAGES_PER_SECOND = 5;

/** Upload, live processing seen by two users, Cancel, Resume, and export. */
describe.runIf(chromiumAvailable)('Studio: upload, processing and export', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;
  let documentUrl = '';

  const zonePages = (page: Page) =>
    page
      .locator('.zone-box')
      .evaluateAll((els) => els.map((el) => Number(el.closest('.page')?.getAttribute('data-page') ?? -1)));

  beforeAll(async () => {
    await h.start({ SYNCLINE_JOB_MAX_PAGES_PER_SECOND: String(PAGES_PER_SECOND) });
    [ada, ben] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.context().then((c) => h.signIn(c, 'Ben')),
    ]);
  });

  afterAll(() => h.close());

  it('uploads a PDF; both users see progress and zones appear page by page; Cancel stops it for both', async () => {
    const pdf = await makeLargePdf(PAGES);
    await ada.locator('input[type=file]').setInputFiles({
      name: 'annual report.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf.bytes),
    });
    await ada.waitForURL(/\/documents\/[^/]+$/);
    documentUrl = ada.url();
    await waitForDocOpen(ada);
    await ben.goto(documentUrl);
    await waitForDocOpen(ben);
    // Both see the progress: stage, page N of M.
    for (const page of [ada, ben]) {
      await eventually(
        () => page.getByTestId('processing-pages').textContent({ timeout: 10_000 }),
        (t) => t !== null && new RegExp(`of ${PAGES}$`).test(t),
        15_000,
        'page N of M',
      );
    }
    // Zones arrive while processing goes on: the last page with zones grows.
    const seen = new Set<number>();
    await eventually(
      async () => {
        const pages = await zonePages(ben);
        if (pages.length) seen.add(Math.max(...pages));
        return seen.size;
      },
      (n) => n >= 2,
      30_000,
      'zones on more and more pages',
    );
    await screenshot(ben, 'processing');
    // Only Ada, who uploaded it, may stop it: Ben follows the progress without a Cancel the server would refuse.
    await ada.getByRole('button', { name: 'Cancel' }).waitFor();
    await expect(ben.getByTestId('processing-pages').isVisible()).resolves.toBe(true);
    expect(await ben.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await ada.getByRole('button', { name: 'Cancel' }).click();
    for (const page of [ada, ben]) {
      await page
        .getByTestId('processing-state')
        .filter({ hasText: 'Processing cancelled' })
        .waitFor({ timeout: 10_000 });
    }
    const after = (await zonePages(ada)).length;
    await ada.waitForTimeout(600);
    expect((await zonePages(ada)).length).toBe(after);
    expect(Math.max(...(await zonePages(ben)))).toBeLessThan(PAGES - 1);
  });

  it('lists the document with its status, owner and update time', async () => {
    await ada.goto(h.url);
    const row = ada.locator('tr', { hasText: 'annual report.pdf' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/cancelled.*you/i);
    await screenshot(ada, 'documents');
    // Ctrl+click opens it in a new tab, as any link does; the list stays where it is.
    const opened = ada.context().waitForEvent('page');
    await row.getByRole('link').click({ modifiers: ['Control'] });
    const tab = await opened;
    await tab.close();
    expect(new URL(ada.url()).pathname).toBe('/');
    await row.getByRole('link').click();
    await waitForDocOpen(ada);
  });

  it('exports RAG chunks with progress and a download link', async () => {
    // Ada can resume the cancelled processing, Ben cannot; the export takes the zones there are.
    await ada.getByRole('button', { name: 'Resume' }).waitFor();
    await ben.getByTestId('processing-state').filter({ hasText: 'Processing cancelled' }).waitFor();
    expect(await ben.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    await ada.getByLabel('Export format').selectOption('rag');
    await ada.getByRole('button', { name: 'Export' }).click();
    const button = ada.getByRole('button', { name: /Download RAG/ });
    await button.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([ada.waitForEvent('download'), button.click()]);
    // From a signed URL of this export fetched on the click, never with the user's token in it.
    expect(download.url()).toMatch(/\/api\/exports\/[^/?]+\?ticket=/);
    expect(download.url()).not.toMatch(/[?&]token=/);
    const text = await readFile(await download.path(), 'utf8');
    // RAG chunks: one JSON object per line, holding the zones' text.
    const chunks = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(chunks.length).toBeGreaterThan(0);
    expect(text).toContain('Section 1');
    await screenshot(ada, 'export');
  });

  it('is readable on a phone (390x844)', async () => {
    const phone = await h.context({ width: 390, height: 844 });
    const page = await h.signIn(phone, 'Cleo');
    await page.goto(documentUrl);
    await waitForDocOpen(page);
    await page.locator('.zone-box').first().waitFor();
    // The first page drawn by pdf.js, to the end (its canvas is sized when the drawing starts).
    await page.locator('canvas.pdf-canvas[data-drawn]').first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'phone-document');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
