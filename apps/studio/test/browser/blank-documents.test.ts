import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { StudioHarness, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Ada makes blank documents in one browser and finds them, and deletes them, in another. */
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
});
