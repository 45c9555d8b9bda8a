import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { StudioHarness, screenshot, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

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
    await ben.goto(documentUrl);
    await waitForDocOpen(ben);

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

    // Coming back to it later says the same, and the list (after a reload) does not bring it back.
    await ben.reload();
    await ben.locator('[role=alert][data-failure="not_found"]').waitFor({ timeout: 10_000 });
    await ada.reload();
    await ada.getByText('No documents yet').waitFor();
  });
});
