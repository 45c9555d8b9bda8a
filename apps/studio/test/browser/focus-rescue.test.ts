import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenPagePdf } from '../../../../packages/pipeline/src/testing/bad-pdfs.js';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import {
  changeDocument,
  createBlank,
  devToken,
  dismissToasts,
  eventually,
  openDocument,
  StudioHarness,
  uploadPdf,
  waitForDocOpen,
  zoneAt,
  zoneBoxOf,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** What has the focus: `tag.class@zone "name"` (its aria-label, else its text), or `body` when it fell to the page. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const zone = el.getAttribute('data-zone-id');
    const name = el.getAttribute('aria-label') ?? el.textContent;
    return `${el.tagName.toLowerCase()}.${el.classList[0] ?? ''}${zone ? `@${zone}` : ''}${name ? ` "${name}"` : ''}`;
  });

const focusIs = (page: Page, expected: string | ((f: string) => boolean), what: string) =>
  eventually(
    () => focused(page),
    (f) => (typeof expected === 'string' ? f === expected : expected(f)),
    10_000,
    what,
  );

/**
 * The focus does not fall to the page's body when what had it goes: a zone deleted (from its tools, by someone else, by
 * an undo), a toast's Show zone, a document's Delete question answered.
 */
describe.runIf(chromiumAvailable)('Studio: where the focus goes when what had it goes', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;

  beforeAll(async () => {
    await h.start();
    ada = await h.signIn(await h.context(), 'Ada');
    await openDocument(ada, h.url, 'focus-doc');
    await changeDocument(h, await devToken(h, 'Ada'), 'focus-doc', (doc) => {
      for (let i = 1; i <= 4; i++)
        doc.createZone(zoneAt(`z${i}`, 1, { x: 60, y: 40 + i * 90, w: 400, h: 60 }, `Zone ${i} text`));
    });
    await eventually(
      () => ada.locator('.zone-item').count(),
      (n) => n === 4,
      15_000,
      'four zones',
    );
    ben = await h.signIn(await h.context(), 'Ben');
    await openDocument(ben, h.url, 'focus-doc');
  });

  afterAll(() => h.close());

  it('deleting the selected zone with Delete zone puts the focus on the next zone’s box', async () => {
    await zoneBoxOf(ada, 'z2').click();
    await ada.getByRole('button', { name: 'Delete zone' }).click();
    await zoneBoxOf(ada, 'z2').waitFor({ state: 'detached' });
    await focusIs(ada, (f) => f.startsWith('button.zone-box@z3'), 'the focus on zone z3’s box');
  });

  it('a zone someone else deletes while I type in it gives the focus to the next zone’s text', async () => {
    const text = ada.locator('textarea.zone-text[data-zone-id="z3"]');
    await text.focus();
    await changeDocument(h, await devToken(h, 'Ben'), 'focus-doc', (doc) => doc.deleteZone('z3'));
    await text.waitFor({ state: 'detached' });
    await focusIs(ada, (f) => f.startsWith('textarea.zone-text@z4'), 'the focus in zone z4’s text');
  });

  it('an undo that takes away the zone I am in gives the focus to a zone left', async () => {
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await eventually(
      () => ada.locator('.zone-item').count(),
      (n) => n === 3,
      10_000,
      'the zone added',
    );
    const added = await ada.locator('.zone-box.selected').getAttribute('data-zone-id');
    const text = ada.locator(`textarea.zone-text[data-zone-id="${added}"]`);
    await text.focus();
    await ada.keyboard.press('Control+z');
    await text.waitFor({ state: 'detached' });
    await focusIs(
      ada,
      (f) => /^textarea\.zone-text@z[14] /.test(f),
      'the focus in the text of a zone left (z1 or z4)',
    );
  });

  it('a toast’s Show zone puts the caret in the zone’s text', async () => {
    await ben.getByRole('button', { name: 'Lock zone 1' }).click();
    await ada.getByText('locked by Ben').waitFor();
    const text = ada.locator('textarea.zone-text[data-zone-id="z1"]');
    await text.focus();
    await ada.keyboard.press('End');
    await ada.keyboard.type('X');
    const show = ada.getByRole('alert').getByRole('button', { name: 'Show zone' });
    await show.waitFor();
    await show.click();
    await focusIs(ada, (f) => f.startsWith('textarea.zone-text@z1'), 'the focus in zone z1’s text');
    await ben.getByRole('button', { name: 'Unlock zone 1' }).click();
  });

  it('a toast’s Dismiss gives the focus to the next toast, and the last one’s back to where it was', async () => {
    await dismissToasts(ada);
    const lockOf = (page: Page, zoneId: string) =>
      page
        .locator('.zone-item', { has: page.locator(`textarea.zone-text[data-zone-id="${zoneId}"]`) })
        .getByRole('button', { name: /^(Lock|Unlock) zone/ });
    await lockOf(ben, 'z1').click();
    await lockOf(ben, 'z4').click();
    await eventually(
      () => ada.getByText('locked by Ben').count(),
      (n) => n === 2,
      10_000,
      'zones z1 and z4 locked by Ben',
    );
    // A refused edit in each: two toasts, z1's then z4's; the focus in z4's text.
    for (const zoneId of ['z1', 'z4']) {
      const text = ada.locator(`textarea.zone-text[data-zone-id="${zoneId}"]`);
      await text.focus();
      await ada.keyboard.press('End');
      await ada.keyboard.type('X');
    }
    const toasts = ada.locator('.syncline-notification');
    await eventually(
      () => toasts.count(),
      (n) => n === 2,
      10_000,
      'two toasts',
    );
    await toasts
      .nth(0)
      .getByRole('button', { name: /^Dismiss: / })
      .focus();
    await ada.keyboard.press('Enter');
    await eventually(
      () => toasts.count(),
      (n) => n === 1,
      10_000,
      'one toast left',
    );
    await focusIs(
      ada,
      (f) => f.startsWith('button.syncline-notification__dismiss '),
      'the focus on the next toast’s Dismiss',
    );
    await ada.keyboard.press('Enter');
    await toasts.first().waitFor({ state: 'detached' });
    await focusIs(ada, (f) => f.startsWith('textarea.zone-text@z4'), 'the focus back in zone z4’s text');
    await lockOf(ben, 'z1').click();
    await lockOf(ben, 'z4').click();
  });

  it('Keep and Escape put the focus back on Delete, and a deleted document’s row gives it to the next row', async () => {
    await createBlank(ada, h.url, 'spare');
    await ada.goto(h.url);
    const row = (id: string) => ada.locator(`tr[data-document-id="${id}"]`);
    const start = row('spare').getByRole('button', { name: 'Delete spare' });
    await start.click();
    await ada.getByRole('button', { name: 'Keep' }).click();
    await focusIs(ada, 'button.danger "Delete spare"', 'the focus back on Delete');
    await ada.keyboard.press('Enter');
    await ada.getByRole('button', { name: 'Keep' }).waitFor();
    await ada.keyboard.press('Escape');
    await focusIs(ada, 'button.danger "Delete spare"', 'the focus back on Delete after Escape');

    await start.click();
    await ada.getByRole('group', { name: 'Delete spare?' }).getByRole('button', { name: 'Delete' }).click();
    await row('spare').waitFor({ state: 'detached' });
    await focusIs(ada, 'a. "focus-doc"', 'the focus on the next document’s link');
  });

  it('Undo, Redo and Export pressed from the keyboard keep the focus as they become unavailable', async () => {
    await openDocument(ada, h.url, 'focus-undo');
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await ada.locator('.zone-item').waitFor();
    const undo = ada.getByRole('button', { name: 'Undo', exact: true });
    const redo = ada.getByRole('button', { name: 'Redo', exact: true });
    await undo.focus();
    await ada.keyboard.press('Enter'); // the last step: nothing is left to undo
    await ada.locator('.zone-item').waitFor({ state: 'detached' });
    await focusIs(ada, 'button. "Undo"', 'the focus still on Undo');
    await expect(undo.getAttribute('aria-disabled')).resolves.toBe('true'); // said to be unavailable
    await ada.keyboard.press('Enter'); // unavailable: nothing happens
    await ada.keyboard.press('Tab');
    await focusIs(ada, 'button. "Redo"', 'the focus on Redo');
    await ada.keyboard.press('Enter');
    await ada.locator('.zone-item').waitFor();
    await focusIs(ada, 'button. "Redo"', 'the focus still on Redo');
    await expect(redo.getAttribute('aria-disabled')).resolves.toBe('true');

    const exportButton = ada.getByRole('button', { name: 'Export', exact: true });
    await exportButton.focus();
    await ada.keyboard.press('Enter');
    await ada.getByRole('button', { name: /^Download / }).waitFor();
    await focusIs(ada, 'button. "Export"', 'the focus still on Export, once its file is made');
  });
});

/** Pages of the PDF whose processing is cancelled and resumed: at 5 pages a second, a minute's work, time enough. */
const PAGES = 300;

/** The processing panel's buttons go as they are pressed (Cancel, Resume, Dismiss): the focus does not fall to <body>. */
describe.runIf(chromiumAvailable)(
  'Studio: where the focus goes when the processing panel’s button goes',
  () => {
    const h = new StudioHarness();
    let ada: Page;

    beforeAll(async () => {
      await h.start({ SYNCLINE_JOB_MAX_PAGES_PER_SECOND: '5' });
      ada = await h.signIn(await h.context(), 'Ada');
    });

    afterAll(() => h.close());

    it('Cancel gives the focus to Resume, and Resume to Cancel', async () => {
      await uploadPdf(ada, 'long.pdf', (await makeLargePdf(PAGES)).bytes);
      await waitForDocOpen(ada);
      const panel = ada.getByTestId('processing');
      await panel.getByRole('button', { name: 'Cancel' }).click();
      await ada
        .getByTestId('processing-state')
        .filter({ hasText: 'Processing cancelled' })
        .waitFor({ timeout: 15_000 });
      await focusIs(ada, 'button.small "Resume"', 'the focus on Resume');
      await ada.keyboard.press('Enter');
      await panel.getByRole('button', { name: 'Cancel' }).waitFor({ timeout: 15_000 });
      await focusIs(ada, 'button.small "Cancel"', 'the focus on Cancel');
      // Stopped again, by the keyboard: it does not run on for the rest of the file.
      await ada.keyboard.press('Enter');
      await focusIs(ada, 'button.small "Resume"', 'the focus on Resume again');
    });

    it('Dismiss of what processing left to say gives the focus to what follows the panel', async () => {
      await ada.goto(h.url);
      await uploadPdf(ada, 'damaged.pdf', await brokenPagePdf(3, 2));
      await waitForDocOpen(ada);
      const notes = ada.getByTestId('processing-notes');
      await notes
        .filter({ hasText: 'Page 2 could not be read and was skipped.' })
        .waitFor({ timeout: 30_000 });
      await notes.getByRole('button', { name: 'Dismiss' }).click();
      await notes.waitFor({ state: 'detached' });
      // The first control after it: the pages' zone tools.
      await focusIs(ada, (f) => f.endsWith('"Draw zone"'), 'the focus on Draw zone');
    });
  },
);
