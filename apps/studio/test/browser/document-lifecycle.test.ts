import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenPagePdf, encryptedPdf } from '../../../../packages/pipeline/src/testing/bad-pdfs.js';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import {
  dismissToasts,
  eventually,
  openDocument,
  StudioHarness,
  uploadPdf,
  waitForDocOpen,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** The first page drawn by pdf.js, to the end. */
const drawnPage = (page: Page) => page.locator('canvas.pdf-canvas[data-drawn]').first();
const row = (page: Page, name: string) => page.locator('tr', { hasText: name });

/** Whether the page is wider than the window (a horizontal scrollbar), in CSS pixels. */
const overflowX = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** A document's life in Studio: uploads, its PDF, processing notes, names, addresses that lead nowhere, copy. */
describe.runIf(chromiumAvailable)('Studio: a document’s life', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    page = await h.signIn(context, 'Ada');
  });

  afterAll(() => h.close());

  it('does not pull the user away when an upload finishes after they opened another document: a toast offers it', async () => {
    // The upload's answer waits until the user has moved on.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = async (route: Route) => {
      if (
        route.request().method() === 'POST' &&
        route.request().headers()['content-type'] === 'application/pdf'
      ) {
        await held;
      }
      await route.continue();
    };
    await page.route('**/api/documents', hold);
    const pdf = await makeLargePdf(1);
    await page.locator('input[type=file]').setInputFiles({
      name: 'slow upload.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf.bytes),
    });
    // While it runs, a second choice cannot start another race: the input is disabled, and says why.
    await page.getByTestId('upload-status').filter({ hasText: 'Uploading slow upload.pdf' }).waitFor();
    await expect(page.locator('input[type=file]').isDisabled()).resolves.toBe(true);

    await page.getByLabel('Name').fill('Elsewhere');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/\/documents\/Elsewhere$/);
    await waitForDocOpen(page);
    release();
    const toast = page.locator('.syncline-notification', { hasText: 'slow upload.pdf uploaded' });
    await toast.waitFor({ timeout: 15_000 });
    // Still where the user went.
    expect(page.url()).toMatch(/\/documents\/Elsewhere$/);
    await page.unroute('**/api/documents', hold);
    await toast.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/\/documents\/pdf-[^/]+$/);
    await waitForDocOpen(page);
    await expect(page.locator('.doc-title').textContent()).resolves.toBe('slow upload.pdf');
  });

  it('loads the PDF once the connection is back, without a reload, saying meanwhile why it is not there', async () => {
    await page.goto(h.url);
    const url = await uploadPdf(page, 'come back.pdf', (await makeLargePdf(2)).bytes);
    await waitForDocOpen(page);
    // Another browser of Ada's (no copy of the PDF kept) has the list, then loses the connection and opens it.
    const other = await h.signIn(await h.context(), 'Ada');
    await row(other, 'come back.pdf').waitFor();
    const otherContext = other.context();
    await otherContext.setOffline(true);
    await row(other, 'come back.pdf').getByRole('link').click();
    const note = other.getByText(
      'The PDF could not be loaded (the server cannot be reached): showing blank pages. It will load when the connection is back.',
    );
    await note.waitFor({ timeout: 15_000 });
    await expect(other.getByText('Failed to fetch').count()).resolves.toBe(0);
    await otherContext.setOffline(false);
    await drawnPage(other).waitFor({ timeout: 30_000 });
    await note.waitFor({ state: 'detached' });
    expect(other.url()).toBe(url);
    await other.close();
  });

  it('says which page was skipped once processing is done, until dismissed', async () => {
    await page.goto(h.url);
    await uploadPdf(page, 'damaged.pdf', await brokenPagePdf(3, 2));
    await waitForDocOpen(page);
    const notes = page.getByTestId('processing-notes');
    await notes.filter({ hasText: 'Page 2 could not be read and was skipped.' }).waitFor({ timeout: 30_000 });
    // Still said once done (and when opened again later: the job's result says it).
    await page.reload();
    await waitForDocOpen(page);
    await notes.filter({ hasText: 'Page 2 could not be read and was skipped.' }).waitFor({ timeout: 15_000 });
    await notes.getByRole('button', { name: 'Dismiss' }).click();
    await notes.waitFor({ state: 'detached' });
  });

  it('shows blank pages, with a note and no uncaught error, for a PDF pdf.js cannot read', async () => {
    const errors: string[] = [];
    const onError = (e: Error) => errors.push(e.message);
    page.on('pageerror', onError);
    await page.goto(h.url);
    // It passes the upload's checks (the header), and neither processing nor pdf.js can read it.
    await uploadPdf(page, 'garbage.pdf', new TextEncoder().encode('%PDF-1.4 garbage'));
    await waitForDocOpen(page);
    await page
      .getByTestId('pdf-note')
      .filter({ hasText: 'The PDF cannot be displayed (the file is damaged or not a PDF)' })
      .waitFor();
    page.off('pageerror', onError);
    expect(errors).toEqual([]);
  });

  it('says in one note that an encrypted PDF cannot be shown or processed', async () => {
    await page.goto(h.url);
    await uploadPdf(page, 'locked.pdf', encryptedPdf());
    await waitForDocOpen(page);
    await page
      .getByTestId('pdf-note')
      .filter({ hasText: 'The PDF is protected by a password: it can neither be displayed nor processed' })
      .waitFor();
    // Processing has failed meanwhile (it cannot read it either): that is not said a second time, nor otherwise.
    const documentId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await eventually(
      () =>
        page.evaluate(async (id) => {
          const { token } = JSON.parse(localStorage.getItem('syncline.studio.session') ?? '{}') as {
            token?: string;
          };
          const res = await fetch('/api/documents', { headers: { authorization: `Bearer ${token}` } });
          const { documents } = (await res.json()) as { documents: { documentId: string; status: string }[] };
          return documents.find((d) => d.documentId === id)?.status;
        }, documentId),
      (status) => status === 'failed',
      30_000,
      'processing failed',
    );
    await page.waitForTimeout(300); // as the page heard it
    await expect(page.getByTestId('processing').count()).resolves.toBe(0);
    await expect(page.getByText(/damaged|not a PDF/).count()).resolves.toBe(0);
  });

  it('says a processing failure for the password by its cause, also when pdf.js opened the PDF', async () => {
    // pdf.js here gets a PDF it can read (as one with only an owner's password is): only the job knows the password.
    const readable = (await makeLargePdf(1)).bytes;
    const serveReadable = (route: Route) =>
      route.fulfill({ status: 200, contentType: 'application/pdf', body: Buffer.from(readable) });
    await page.route('**/api/documents/*/file', serveReadable);
    try {
      await page.goto(h.url);
      await uploadPdf(page, 'owner-locked.pdf', encryptedPdf());
      await waitForDocOpen(page);
      await drawnPage(page).waitFor({ timeout: 30_000 });
      const said = page.getByTestId('processing-error');
      await said.waitFor({ timeout: 30_000 });
      await expect(said.textContent()).resolves.toBe(
        'The PDF is protected by a password, so processing cannot read it: upload a copy without the password to work on it.',
      );
      await expect(page.getByTestId('pdf-note').count()).resolves.toBe(0);
    } finally {
      await page.unroute('**/api/documents/*/file', serveReadable);
    }
  });

  it('keeps the documents list within the window for a long name without spaces (390 and 1280 px wide)', async () => {
    await page.goto(h.url);
    const long = `${'quarterly-report-final-version-'.repeat(8)}x.pdf`.replace(/-/g, '_');
    await uploadPdf(page, long, (await makeLargePdf(1)).bytes);
    await page.goto(h.url);
    await row(page, long).waitFor();
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      await eventually(
        () => overflowX(page),
        (px) => px <= 0,
        5_000,
        `no overflow at ${size.width} px`,
      );
      await expect(row(page, long).getByRole('link').getAttribute('title')).resolves.toBe(long);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('says "Document not found" for an address that leads nowhere, on a page of its own, and does not list it', async () => {
    await page.goto(`${h.url}/documents/pdf-doesnotexist-123`);
    const notFound = page.getByTestId('not-found');
    await notFound.filter({ hasText: 'Document not found' }).waitFor({ timeout: 15_000 });
    // Nothing of a document's page: no toolbar (undo, zoom), History, Export, people, nor pages.
    await expect(page.getByRole('toolbar').count()).resolves.toBe(0);
    for (const name of ['Undo', 'History', 'Export'])
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    await expect(page.locator('.syncline-presence, .viewer').count()).resolves.toBe(0);
    await notFound.getByRole('button', { name: 'Back to documents' }).click();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await row(page, 'slow upload.pdf').waitFor();
    await expect(row(page, 'pdf-doesnotexist-123').count()).resolves.toBe(0);
    // An address that is not even valid URL encoding (mistyped): the same page, not the server's raw JSON.
    await page.goto(`${h.url}/documents/50%`);
    await page
      .getByTestId('not-found')
      .filter({ hasText: 'Document not found' })
      .waitFor({ timeout: 15_000 });
    // Its document client failed on its own: the connection (every other room) is fine.
    await page.getByRole('button', { name: 'Back to documents' }).click();
    await row(page, 'slow upload.pdf').waitFor();
    await page.locator('.syncline-connection-status[data-state="open"]').waitFor({ timeout: 5_000 });
    await expect(page.locator('.syncline-connection-status[data-state="failed"]').count()).resolves.toBe(0);
  });

  it('says on a page of its own that a document this browser had was deleted since, without its tools', async () => {
    const id = `gone-${Date.now().toString(36)}`;
    await openDocument(page, h.url, id); // on this browser's record (its list, its copy) from now on
    await page.goto(h.url);
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    // Deleted from elsewhere (another device of hers).
    const status = await page.evaluate(async (documentId) => {
      const { token } = JSON.parse(localStorage.getItem('syncline.studio.session') ?? '{}') as {
        token?: string;
      };
      const res = await fetch(`/api/documents/${documentId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status;
    }, id);
    expect(status).toBeLessThan(300);
    await page.goto(`${h.url}/documents/${id}`);
    const card = page.locator('.no-document-card[data-failure="not_found"]');
    await card.filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 15_000 });
    await expect(page.getByRole('toolbar').count()).resolves.toBe(0);
    await expect(page.locator('.viewer').count()).resolves.toBe(0);
  });

  it('opens a blank document made offline as the user’s own once back online, and lists it', async () => {
    await page.goto(h.url);
    await row(page, 'slow upload.pdf').waitFor();
    await context.setOffline(true);
    try {
      await page.getByLabel('Name').fill('Made offline');
      await page.getByRole('button', { name: 'Open' }).click();
      await page.waitForURL(/\/documents\/Made-offline$/);
      // Offline already it shows as the document it is (this browser made it), not as an address to check.
      await page.locator('.viewer .dual-pane').waitFor({ timeout: 15_000 });
      await expect(page.getByTestId('offline-unknown').count()).resolves.toBe(0);
    } finally {
      await context.setOffline(false);
    }
    await waitForDocOpen(page, 30_000);
    await page.getByRole('button', { name: '← Documents' }).click();
    await row(page, 'Made offline').waitFor();
    await page.goto(`${h.url}/documents/Made-offline`);
    await waitForDocOpen(page);
    await expect(page.getByTestId('not-found').count()).resolves.toBe(0);
  });

  it('offline, says an address this browser knows nothing of cannot be checked, and checks it once back online', async () => {
    await page.goto(h.url);
    await row(page, 'slow upload.pdf').waitFor();
    await context.setOffline(true);
    try {
      // A mistyped address (Studio is already loaded: followed as a link in it is).
      await page.evaluate(() => {
        history.pushState(null, '', '/documents/Made-ofline');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      const unknown = page.getByTestId('offline-unknown');
      await unknown.waitFor({ timeout: 15_000 });
      await expect(unknown.textContent()).resolves.toMatch(
        /can’t be checked offline.*opens here by itself once the connection is back/,
      );
      // Not a blank document to type into, nor a document's toolbar.
      await expect(page.getByRole('button', { name: 'Add zone' }).count()).resolves.toBe(0);
      await expect(page.getByRole('toolbar').count()).resolves.toBe(0);
      await expect(page.locator('.viewer').count()).resolves.toBe(0);
    } finally {
      await context.setOffline(false);
    }
    // Back online, it is checked without a reload: there is no such document.
    await page.getByTestId('not-found').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('offline-unknown').count()).resolves.toBe(0);
    // And a document this browser made offline is a document once back online, as it was offline.
    await page.getByRole('button', { name: 'Back to documents' }).click();
    await row(page, 'Made offline').getByRole('link').click();
    await waitForDocOpen(page);
  });

  it('shows where the keyboard is on "Choose a PDF…", says an empty file is empty, and names formats as people do', async () => {
    await page.goto(h.url);
    await page.locator('input[type=file]').focus();
    const outline = await page
      .locator('.dropzone label')
      .evaluate((label) => getComputedStyle(label).outlineStyle);
    expect(outline).toBe('solid');

    await page.locator('input[type=file]').setInputFiles({
      name: 'nothing.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.alloc(0),
    });
    await page.locator('.syncline-notification', { hasText: 'nothing.pdf is empty.' }).waitFor();
    await dismissToasts(page);

    await row(page, 'slow upload.pdf').getByRole('link').click();
    await waitForDocOpen(page);
    await page.getByLabel('Export format').selectOption('markdown');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('button', { name: 'Download Markdown' }).waitFor({ timeout: 30_000 });
  });
});
