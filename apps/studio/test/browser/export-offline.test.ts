import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { dismissToasts, eventually, openDocument, pillState, StudioHarness } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Export and Download need the server: without it they say so, not the browser's "Failed to fetch". */
describe.runIf(chromiumAvailable)('Studio: export and download without a connection', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    page = await h.signIn(context, 'Ada');
    await openDocument(page, h.url, 'export-offline');
    await page.getByLabel('Export format').selectOption('markdown');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('button', { name: 'Download Markdown' }).waitFor({ timeout: 30_000 });
  });

  afterAll(() => h.close());

  it('says a download that finds no server needs a connection', async () => {
    await page.route('**/api/exports/*/link', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Download Markdown' }).click();
    const toast = page.locator('.syncline-notification', { hasText: 'Could not download' });
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toContain(
      'No connection to the server: downloading needs one. Try again once the connection is back.',
    );
    await expect(toast.textContent()).resolves.not.toContain('Failed to fetch');
    await page.unroute('**/api/exports/*/link');
    await dismissToasts(page);
  });

  it('offline, disables Export and Download and says why, and enables them once the connection is back', async () => {
    const exportButton = page.getByRole('button', { name: 'Export', exact: true });
    const download = page.getByRole('button', { name: 'Download Markdown' });
    await context.setOffline(true);
    await eventually(
      () => pillState(page),
      (s) => s !== 'open',
      15_000,
      'the connection lost',
    );
    const note = page.getByTestId('export-offline');
    await note.waitFor();
    await expect(note.textContent()).resolves.toBe('Export and download need a connection to the server.');
    await expect(exportButton.isDisabled()).resolves.toBe(true);
    await expect(download.isDisabled()).resolves.toBe(true);
    // The reason is the buttons' description, for those who do not see the note beside them.
    const describedBy = await download.getAttribute('aria-describedby');
    expect(describedBy).toBe(await note.getAttribute('id'));
    expect(await exportButton.getAttribute('aria-describedby')).toBe(describedBy);

    await context.setOffline(false);
    await note.waitFor({ state: 'detached', timeout: 30_000 });
    await expect(exportButton.isDisabled()).resolves.toBe(false);
    await expect(download.isDisabled()).resolves.toBe(false);
  });
  it('says History waits for the connection, offline, and shows it once the connection is back', async () => {
    await context.setOffline(true);
    await eventually(
      () => pillState(page),
      (s) => s !== 'open',
      15_000,
      'the connection lost',
    );
    await page.getByRole('button', { name: 'History', exact: true }).click();
    // Said, not an endless "Loading…".
    const waiting = page
      .getByTestId('history')
      .getByText('No connection to the server: the history is loaded once the connection is back.');
    await waiting.waitFor({ timeout: 10_000 });
    await context.setOffline(false);
    await waiting.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('history').getByText("changed the document's details").waitFor();
    await page.getByRole('button', { name: 'Close history' }).click();
  });
});
