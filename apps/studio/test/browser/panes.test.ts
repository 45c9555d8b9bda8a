import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import { eventually, StudioHarness, uploadPdf, waitForDocOpen } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Whether zone `zoneId`'s element in `pane` (`.pdf-pane`, `.text-pane`) is within that pane's visible area. */
const inView = (page: Page, pane: string, zoneId: string) =>
  page.evaluate(
    ([pane, zoneId]) => {
      const box = document.querySelector(pane)?.getBoundingClientRect();
      const el = document
        .querySelector(`${pane} [data-zone-id="${CSS.escape(zoneId)}"]`)
        ?.getBoundingClientRect();
      return !!box && !!el && el.bottom > box.top && el.top < box.bottom;
    },
    [pane, zoneId] as const,
  );

/** A long document: the two panes follow each other, the keyboard keeps its place, my lock is mine on every device. */
describe.runIf(chromiumAvailable)('Studio: a long document, with the keyboard and on two devices', () => {
  const h = new StudioHarness();
  let ada: Page;
  let url = '';

  beforeAll(async () => {
    await h.start({ SYNCLINE_LOCK_TTL_MS: '3000' }); // renewed every second: a renewal that should not come, comes fast
    ada = await h.signIn(await h.context(), 'Ada');
    const pdf = await makeLargePdf(12);
    await uploadPdf(ada, 'long.pdf', pdf.bytes);
    url = ada.url();
    await waitForDocOpen(ada);
    await eventually(
      () => ada.locator('.zone-box').count(),
      (n) => n >= 40,
      60_000,
      'the zones of every page',
    );
    // Processing over (its panel gone): no zones arrive, and the panes' layout stays, while the tests scroll.
    await ada.getByTestId('processing').waitFor({ state: 'detached', timeout: 60_000 });
  });

  afterAll(() => h.close());

  it('brings a zone’s text into view when its box is clicked on a page, and its box when its text is focused', async () => {
    expect(await ada.getByRole('main').count()).toBe(1); // the document view is the page's main landmark
    const last = ada.locator('.zone-box').last();
    const lastId = (await last.getAttribute('data-zone-id')) ?? '';
    expect(await inView(ada, '.text-pane', lastId)).toBe(false);
    await last.scrollIntoViewIfNeeded();
    await last.click();
    await eventually(() => inView(ada, '.text-pane', lastId), Boolean, 5000, 'its text in view');

    const firstText = ada.getByLabel(/^Text of zone 1 /);
    const firstId = (await firstText.getAttribute('data-zone-id')) ?? '';
    expect(await inView(ada, '.pdf-pane', firstId)).toBe(false);
    await firstText.focus();
    await eventually(() => inView(ada, '.pdf-pane', firstId), Boolean, 5000, 'its box in view');
  });

  it('lets the keyboard skip the zone boxes, from the zone tools to the zones’ text in view', async () => {
    const focused = () =>
      ada.evaluate(() => {
        const el = document.activeElement;
        return el?.matches('textarea.zone-text') ? 'zone text' : (el?.textContent ?? '');
      });
    // The zone tools' last (Add zone, or with a zone selected, its Delete zone).
    await ada.getByRole('toolbar', { name: 'Zone tools' }).getByRole('button').last().focus();
    await ada.keyboard.press('Tab');
    // The next stop is the way past every box of every page, not the first of them.
    await expect.poll(focused).toBe('Skip the zone boxes, to the zones’ text');
    await ada.keyboard.press('Enter');
    await expect.poll(focused).toBe('zone text');
    const id = await ada.evaluate(() => document.activeElement?.getAttribute('data-zone-id') ?? '');
    expect(await inView(ada, '.text-pane', id)).toBe(true);
  });

  it('keeps the keyboard on the zone boxes when one is deleted with Delete', async () => {
    const boxes = ada.locator('.zone-box');
    const before = await boxes.count();
    const third = boxes.nth(2);
    const next = await boxes.nth(3).getAttribute('data-zone-id');
    await third.focus();
    await ada.keyboard.press('Enter'); // selected: Delete removes only the selected zone
    await ada.keyboard.press('Delete');
    await eventually(
      () => boxes.count(),
      (n) => n === before - 1,
      5000,
      'the zone deleted',
    );
    await eventually(
      () => ada.evaluate(() => document.activeElement?.getAttribute('data-zone-id') ?? null),
      (id) => id === next,
      5000,
      'the focus on the next zone box',
    );
    await ada.keyboard.press('Control+z'); // back as it was for the next test
    await eventually(
      () => boxes.count(),
      (n) => n === before,
      5000,
      'the zone back',
    );
  });

  it('lets Ada unlock, on her second device, the zone she locked on the first', async () => {
    const laptop = ada;
    const phone = await h.signIn(await h.context(), 'Ada');
    await phone.goto(url);
    await waitForDocOpen(phone);
    await laptop.getByRole('button', { name: 'Lock zone 1', exact: true }).click();
    await phone.getByRole('button', { name: 'Unlock zone 1', exact: true }).waitFor();
    await phone.getByRole('button', { name: 'Unlock zone 1', exact: true }).click();
    for (const page of [laptop, phone])
      await page.getByRole('button', { name: 'Lock zone 1', exact: true }).waitFor();
    // The laptop does not take it again when its renewal (every second here) comes.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (const page of [laptop, phone]) {
      expect(await page.getByRole('button', { name: 'Lock zone 1', exact: true }).count()).toBe(1);
    }
    await phone.close();
  });
});
