import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { StudioHarness, screenshot, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/**
 * From the next page load on, notes the text of every toast `page` paints (`window.toastsPainted`): sampled at each
 * animation frame, so a toast that shows for a frame counts, and one removed before any frame does not.
 */
async function recordPaintedToasts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const painted = new Set<string>();
    (window as unknown as { toastsPainted: Set<string> }).toastsPainted = painted;
    const sample = () => {
      for (const t of Array.from(document.querySelectorAll('.syncline-notification')))
        painted.add(t.textContent ?? '');
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

const paintedToasts = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...(window as unknown as { toastsPainted: Set<string> }).toastsPainted]);

/** Ada deletes the PDF she uploaded while Ben has it open (and it is still being processed). */
describe.runIf(chromiumAvailable)('Studio: deleting a document', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;

  beforeAll(async () => {
    // Slow processing: the job is still running when the document is deleted.
    await h.start({ SYNCLINE_JOB_MAX_PAGES_PER_SECOND: '5' });
    [ada, ben] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.context().then((c) => h.signIn(c, 'Ben')),
    ]);
  });

  afterAll(() => h.close());

  it('asks first, removes it from the list, and tells whoever has it open that it was deleted', async () => {
    const pdf = await makeLargePdf(40);
    await ada.locator('input[type=file]').setInputFiles({
      name: 'minutes.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf.bytes),
    });
    await ada.waitForURL(/\/documents\/[^/]+$/);
    const documentUrl = ada.url();
    await waitForDocOpen(ada);
    await recordPaintedToasts(ben);
    await ben.goto(documentUrl);
    await waitForDocOpen(ben);
    // The first page's zones are there when it goes.
    await ben.getByLabel(/^Text of zone 1 /).waitFor({ timeout: 15_000 });
    // Ada has it open in another tab too.
    const adaTab = await ada.context().newPage();
    await adaTab.goto(documentUrl);
    await waitForDocOpen(adaTab);

    await ada.getByRole('button', { name: '← Documents' }).click();
    const row = ada.locator('tr', { hasText: 'minutes.pdf' });
    await row.waitFor();
    // One click only asks; Keep backs out.
    await row.getByRole('button', { name: 'Delete minutes.pdf' }).click();
    const question = ada.getByRole('group', { name: 'Delete minutes.pdf?' });
    await question.waitFor();
    await expect(question.textContent()).resolves.toContain('Delete “minutes.pdf” for everyone?');
    await screenshot(ada, 'delete-confirm');
    await question.getByRole('button', { name: 'Keep' }).click();
    await expect(question.count()).resolves.toBe(0);
    await expect(row.count()).resolves.toBe(1);
    await expect(ben.locator('.viewer').getAttribute('data-doc-status')).resolves.toBe('open');

    await row.getByRole('button', { name: 'Delete minutes.pdf' }).click();
    await question.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await ada.getByText('No documents yet').waitFor();

    // Ben, who had it open, is told who deleted it.
    const banner = ben.locator('[role=alert][data-failure="not_found"]');
    await banner.waitFor({ timeout: 10_000 });
    await expect(banner.textContent()).resolves.toContain('This document was deleted by Ada.');
    await expect(ben.locator('.viewer').getAttribute('data-doc-status')).resolves.toBe('failed');
    await screenshot(ben, 'document-deleted');
    // Ada's other tab is told she did it, not "by Ada".
    const hers = adaTab.locator('[role=alert][data-failure="not_found"]');
    await hers.waitFor({ timeout: 10_000 });
    await expect(hers.textContent()).resolves.toContain(
      'You deleted this document (in another tab or on another device).',
    );
    await expect(hers.textContent()).resolves.not.toContain('by Ada');
    await adaTab.close();
    // The banner says it once: no "Document error" toast repeats it, not even for a frame.
    await expect(paintedToasts(ben)).resolves.toEqual([]);
    // What is shown stays, but nothing offers to change it, nor an export or history that are gone with it.
    await expect(ben.getByLabel(/^Text of zone 1 /).getAttribute('readonly')).resolves.not.toBeNull();
    for (const name of ['Lock zone 1', 'Export', 'History', 'Draw zone']) {
      await expect(ben.getByRole('button', { name, exact: true }).isDisabled(), name).resolves.toBe(true);
    }

    // Coming back to it later says the same, and the list (after a reload) does not bring it back.
    await ben.reload();
    await ben.locator('[role=alert][data-failure="not_found"]').waitFor({ timeout: 10_000 });
    await ben.evaluate(() => new Promise(requestAnimationFrame));
    await expect(paintedToasts(ben)).resolves.toEqual([]);
    await ada.reload();
    await ada.getByText('No documents yet').waitFor();
  });

  it('lists a blank document its creator opened by name, so it can be found again and deleted', async () => {
    // Its name is what she typed; its id (in its address) the name's letters.
    await ada.getByRole('textbox', { name: 'Name' }).fill('meeting notes');
    await ada.getByRole('button', { name: 'Open', exact: true }).click();
    await ada.waitForURL(/\/documents\/meeting-notes$/);
    await waitForDocOpen(ada);
    await ada.getByText('No PDF for this document').waitFor();

    await ada.getByRole('button', { name: '← Documents' }).click();
    const row = ada.locator('tr', { hasText: 'meeting notes' });
    await row.waitFor();
    await expect(row.locator('.status').textContent()).resolves.toBe('blank');
    await ada.reload();
    await row.waitFor();

    const confirmDelete = async () => {
      await row.getByRole('button', { name: 'Delete meeting notes' }).click();
      await ada
        .getByRole('group', { name: 'Delete meeting notes?' })
        .getByRole('button', { name: 'Delete' })
        .click();
    };
    // Offline it stays, and the list says why in words a user reads.
    await ada.context().setOffline(true);
    await confirmDelete();
    const problem = row.getByRole('alert');
    await problem.waitFor();
    await expect(problem.textContent()).resolves.toBe(
      'Not deleted: no connection to the server; try again once online.',
    );
    await ada.context().setOffline(false);

    await confirmDelete();
    await row.waitFor({ state: 'detached' });
    await ada.getByText('No documents yet').waitFor();
    await ada.reload();
    await ada.getByText('No documents yet').waitFor();
    await expect(row.count()).resolves.toBe(0);
    // Gone for good: opening it by name again says so.
    await ada.goto(`${h.url}/documents/meeting-notes`);
    await ada.locator('[role=alert][data-failure="not_found"]').waitFor({ timeout: 10_000 });
  });
});
