import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { eventually, StudioHarness, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** The first page drawn by pdf.js, to the end. */
const drawnPage = (page: Page) => page.locator('canvas.pdf-canvas[data-drawn]').first();

/**
 * The documents whose PDF this browser keeps for the signed-in user (pdf-cache.ts's database, read without creating
 * it: a database made here would have none of the cache's stores).
 */
function cachedPdfs(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const userId = document.querySelector('.footer code')?.textContent ?? '';
    const name = `syncline-studio-pdfs:${encodeURIComponent(userId)}`;
    if (!(await indexedDB.databases()).some((d) => d.name === name)) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      return await new Promise<string[]>((resolve, reject) => {
        const req = db.transaction('entries').objectStore('entries').getAllKeys();
        req.onsuccess = () => resolve(req.result.map(String));
        req.onerror = () => reject(req.error);
      });
    } finally {
      db.close();
    }
  });
}

async function signInAs(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
}

/** A PDF opened once is there after a reload offline, for the user who opened it only, and goes when deleted. */
describe.runIf(chromiumAvailable)('Studio: PDFs kept for offline use', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let page: Page;
  let documentUrl = '';
  let documentId = '';

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    page = await h.signIn(context, 'Ada');
  });

  afterAll(() => h.close());
  // Back online whatever a test left (so a failure does not take the next test with it).
  afterEach(() => context.setOffline(false));

  it('shows the pages of a PDF opened before after a reload offline, and says the copy is the browser’s', async () => {
    const pdf = await makeLargePdf(3);
    await page.locator('input[type=file]').setInputFiles({
      name: 'field notes.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf.bytes),
    });
    await page.waitForURL(/\/documents\/[^/]+$/);
    documentUrl = page.url();
    documentId = decodeURIComponent(documentUrl.split('/').pop() ?? '');
    await waitForDocOpen(page);
    await drawnPage(page).waitFor({ timeout: 15_000 });
    // The app shell must be cached (service worker) before the page can be reloaded offline.
    // Registered and active: a reload goes through it (whether or not this page is controlled yet: a page loaded
    // while the worker was activating may never be, and its reload is still served by it).
    await page.waitForFunction(
      async () => (await navigator.serviceWorker?.getRegistration())?.active?.state === 'activated',
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    await eventually(
      () => cachedPdfs(page),
      (ids) => ids.includes(documentId),
      10_000,
      'the PDF kept',
    );

    await context.setOffline(true);
    await page.reload();
    await page.getByText('No connection to the server: showing the PDF as this browser kept it.').waitFor();
    await drawnPage(page).waitFor({ timeout: 15_000 });
    await expect(page.getByText('The PDF could not be loaded').count()).resolves.toBe(0);
    await context.setOffline(false);
  });

  it('never shows it to another user of the same browser', async () => {
    await page.goto(h.url);
    await signInAs(page, 'Ben');
    await context.setOffline(true);
    await page.goto(documentUrl);
    // Ben never opened it: offline, nothing here tells that it exists for him, so nothing of it is shown.
    await page.getByTestId('offline-unknown').waitFor({ timeout: 15_000 });
    await expect(drawnPage(page).count()).resolves.toBe(0);
    await expect(cachedPdfs(page)).resolves.toEqual([]);
    await context.setOffline(false);
    await page.goto(h.url);
    await signInAs(page, 'Ada');
  });

  it('forgets it once the document is deleted', async () => {
    await page.goto(documentUrl);
    await waitForDocOpen(page);
    await drawnPage(page).waitFor({ timeout: 15_000 });
    expect(await cachedPdfs(page)).toContain(documentId);
    // Deleted elsewhere (straight through the API, as another tab would): Studio hears of it and drops the copy.
    const status = await page.evaluate(async (id) => {
      const { token } = JSON.parse(localStorage.getItem('syncline.studio.session') ?? '{}') as {
        token: string;
      };
      const res = await fetch(`/api/documents/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status;
    }, documentId);
    expect(status).toBe(200);
    await page.locator('[role=alert][data-failure="not_found"]').waitFor({ timeout: 10_000 });
    await eventually(
      () => cachedPdfs(page),
      (ids) => !ids.includes(documentId),
      10_000,
      'the PDF dropped',
    );
    await context.setOffline(true);
    await page.reload();
    await page
      .getByText(/The PDF could not be loaded .*: showing blank pages\./)
      .waitFor({ timeout: 15_000 });
    await context.setOffline(false);
  });
});
