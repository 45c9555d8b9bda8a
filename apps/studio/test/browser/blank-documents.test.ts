import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { eventually, openDocument, StudioHarness, waitForDocOpen, zoneText } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/**
 * Ada makes blank documents in one browser and finds them, and deletes them, in another; and one offline, which she
 * edits at once.
 */
describe.runIf(chromiumAvailable)('Studio: blank documents on every device', () => {
  const h = new StudioHarness();
  let here: Page;
  let there: Page;

  beforeAll(async () => {
    await h.start();
    [here, there] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.context().then((c) => h.signIn(c, 'Ada')),
    ]);
  });

  afterAll(() => h.close());

  const row = (page: Page, name: string) => page.locator('tr', { hasText: name });

  it('lists a blank document made in one browser in the other, and deleting it there takes it off both', async () => {
    await here.getByLabel('Name').fill('Team notes');
    await here.getByRole('button', { name: 'Open' }).click();
    await here.waitForURL(/\/documents\/Team-notes$/);
    await waitForDocOpen(here);
    // One this browser remembers making (an older Studio's record, or one made offline) opens by its address as the
    // user's, and is registered with the server when the list shows next. (An address it has no record of is "not
    // found": document-lifecycle.test.ts.)
    await here.evaluate(() => {
      const userId = document.querySelector('.footer code')?.textContent ?? '';
      localStorage.setItem(
        `syncline.studio.blank.${userId}`,
        JSON.stringify([{ documentId: 'old-notes', updatedAt: Date.now() }]),
      );
    });
    await here.goto(`${h.url}/documents/old-notes`);
    await waitForDocOpen(here);
    await expect(here.getByTestId('not-found').count()).resolves.toBe(0);
    await here.getByRole('button', { name: '← Documents' }).click();
    await row(here, 'Team notes').waitFor();
    await row(here, 'old-notes').waitFor();

    await there.reload();
    await row(there, 'Team notes').waitFor();
    await row(there, 'old-notes').waitFor();
    await expect(row(there, 'Team notes').locator('.status').textContent()).resolves.toBe('blank');
    await row(there, 'Team notes').getByRole('button', { name: 'Delete Team notes' }).click();
    await there
      .getByRole('group', { name: 'Delete Team notes?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await row(there, 'Team notes').waitFor({ state: 'detached' });
    // The other browser hears of it (its user room), and does not bring it back from what it remembers.
    await row(here, 'Team notes').waitFor({ state: 'detached' });
    await here.reload();
    await row(here, 'old-notes').waitFor();
    await expect(row(here, 'Team notes').count()).resolves.toBe(0);
  });

  it('makes one offline that can be edited at once, keeps it over a reload offline, and makes it, edits and all, once back online', async () => {
    const context = here.context();
    await here.goto(h.url);
    // The app shell cached (service worker), so the page can be reloaded offline.
    await here.waitForFunction(
      async () => (await navigator.serviceWorker?.getRegistration())?.active?.state === 'activated',
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    await context.setOffline(true);
    try {
      await here.getByLabel('Name').fill('Train notes');
      await here.getByRole('button', { name: 'Open' }).click();
      await here.waitForURL(/\/documents\/Train-notes$/);
      await here.getByTestId('made-offline-note').waitFor({ timeout: 15_000 });
      await expect(here.locator('.doc-title').textContent()).resolves.toBe('Train notes');
      // It has no PDF, offline as online: not one that could not be loaded.
      await expect(here.getByTestId('pdf-note').textContent()).resolves.toBe(
        'No PDF for this document: zones are shown on blank pages.',
      );
      const add = here.getByRole('button', { name: 'Add zone' });
      await expect(add.isEnabled()).resolves.toBe(true);
      await add.click();
      await here.getByLabel(/^Text of zone 1 /).focus();
      await here.keyboard.type('typed on a train');
      // Undo works offline: a second zone, taken back.
      await add.click();
      await here.getByLabel(/^Text of zone 2 /).waitFor();
      await here.getByRole('button', { name: 'Undo', exact: true }).click();
      await here.getByLabel(/^Text of zone 2 /).waitFor({ state: 'detached' });
      await here.getByTestId('offline-banner').filter({ hasText: 'waiting' }).waitFor();

      // A reload, still offline: the zone and its text are this browser's, and it still takes edits.
      await here.reload();
      await eventually(
        () => zoneText(here, 1),
        (t) => t === 'typed on a train',
        15_000,
        'the document made offline, after a reload',
      );
      await here.getByTestId('made-offline-note').waitFor();
      await expect(here.getByTestId('pdf-note').textContent()).resolves.toBe(
        'No PDF for this document: zones are shown on blank pages.',
      );
      await here.getByLabel(/^Text of zone 1 /).focus();
      await here.keyboard.press('End');
      await here.keyboard.type(', reloaded');
    } finally {
      await context.setOffline(false);
    }
    await waitForDocOpen(here, 30_000);
    await here.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await expect(here.getByTestId('made-offline-note').count()).resolves.toBe(0);

    // Made on the server under the name typed, with the zone: Ben, elsewhere, sees it.
    const ben = await h.signIn(await h.context(), 'Ben');
    await openDocument(ben, h.url, 'Train-notes');
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === 'typed on a train, reloaded',
      15_000,
      "the offline zone at Ben's",
    );
    await expect(ben.getByLabel(/^Text of zone 2 /).count()).resolves.toBe(0);
    // Created (named) before anything opened it: the server's document carries the name.
    await expect(ben.locator('.doc-title').textContent()).resolves.toBe('Train notes');
    await here.getByRole('button', { name: '← Documents' }).click();
    await row(here, 'Train notes').waitFor();
    await expect(row(here, 'Train notes').locator('.status').textContent()).resolves.toBe('blank');
  });
});
