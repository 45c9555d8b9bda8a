import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  changeDocument,
  devToken,
  eventually,
  openDocument,
  StudioHarness,
  zoneAt,
  zoneBoxOf,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** The confirmed version of the document (it goes up by one for each op of mine the server takes). */
const version = (page: Page) => page.locator('.viewer').getAttribute('data-version').then(Number);
const metaOf = (page: Page, id: string) =>
  page.locator(`.zone-item[data-zone-id="${id}"] .zone-meta`).textContent();

/**
 * A zone's Type stepped through from the keyboard: one edit and one step to undo, for the type chosen, when Enter is
 * pressed or the field is left; a type picked from the list of options is applied at once, as before.
 */
describe.runIf(chromiumAvailable)("Studio: a zone's Type from the keyboard", () => {
  const h = new StudioHarness();
  let ada: Page;
  const documentId = 'zone-type-keyboard';

  beforeAll(async () => {
    await h.start({ SYNCLINE_RATE_LIMIT: 'off' });
    ada = await h.signIn(await h.context(), 'Ada');
    await openDocument(ada, h.url, documentId);
    // Made by a client of her own that is not Ada's Studio: nothing in Studio's undo to begin with.
    await changeDocument(h, await devToken(h, 'Ada'), documentId, (doc) => {
      doc.createZone(zoneAt('z1', 1, { x: 60, y: 60, w: 490, h: 60 }, 'Résumé of the year'));
      doc.createZone(zoneAt('z3', 1, { x: 60, y: 160, w: 490, h: 60 }, 'Costs fell in the second half.'));
    });
    await ada.getByLabel(/^Text of zone 2 /).waitFor();
  }, 60_000);

  afterAll(() => h.close());

  it('makes one edit, one step to undo, of a type stepped to from the keyboard; a choice made at once is applied at once', async () => {
    await zoneBoxOf(ada, 'z3').click();
    const tools = ada.getByRole('toolbar', { name: 'Zone tools' });
    const type = tools.getByLabel('Type');
    const undo = ada.getByRole('button', { name: 'Undo' });
    await expect(type.inputValue()).resolves.toBe('paragraph');
    await expect(undo.getAttribute('aria-disabled')).resolves.toBe('true');
    const before = await version(ada);
    // Paragraph, list, table, figure: three steps shown, none sent.
    await type.focus();
    for (let i = 0; i < 3; i++) await ada.keyboard.press('ArrowDown');
    await expect(type.inputValue()).resolves.toBe('figure');
    expect(await metaOf(ada, 'z3')).toBe('p.1 · paragraph');
    expect(await version(ada)).toBe(before);
    await tools.getByText('Enter to apply').waitFor();
    // Escape puts it back; Ctrl+Z too, and not the edit before.
    await ada.keyboard.press('Escape');
    await expect(type.inputValue()).resolves.toBe('paragraph');
    await ada.keyboard.press('ArrowDown');
    await ada.keyboard.press('Control+z');
    await expect(type.inputValue()).resolves.toBe('paragraph');
    // Stepped again, then Enter: one edit.
    for (let i = 0; i < 3; i++) await ada.keyboard.press('ArrowDown');
    await ada.keyboard.press('Enter');
    await eventually(
      () => metaOf(ada, 'z3'),
      (m) => m === 'p.1 · figure',
      5000,
      'the type applied',
    );
    await eventually(
      () => version(ada),
      (v) => v > before,
      5000,
      'the edit confirmed',
    );
    expect(await version(ada)).toBe(before + 1);
    // One step to undo, and none left: back to paragraph (each step applied was a step to undo: table, list, paragraph).
    await undo.click();
    await eventually(
      () => metaOf(ada, 'z3'),
      (m) => m === 'p.1 · paragraph',
      5000,
      'the type undone',
    );
    await expect(undo.getAttribute('aria-disabled')).resolves.toBe('true');
    await eventually(
      () => version(ada),
      (v) => v === before + 2,
      5000,
      'the undo confirmed',
    );

    // Stepped, then left with Tab: applied as it is left.
    const left = before + 2;
    await type.focus();
    await ada.keyboard.press('ArrowDown');
    await ada.keyboard.press('ArrowDown');
    await ada.keyboard.press('Tab');
    await eventually(
      () => metaOf(ada, 'z3'),
      (m) => m === 'p.1 · table',
      5000,
      'the type applied on leaving',
    );
    await eventually(
      () => version(ada),
      (v) => v === left + 1,
      5000,
      'one edit confirmed',
    );

    // A choice not stepped to (the list's options picked, as with the mouse): applied at once, the focus staying.
    const picked = left + 1;
    await type.focus();
    await type.selectOption('caption');
    await eventually(
      () => metaOf(ada, 'z3'),
      (m) => m === 'p.1 · caption',
      5000,
      'the type picked applied at once',
    );
    expect(await type.evaluate((el) => el === document.activeElement)).toBe(true);
    await eventually(
      () => version(ada),
      (v) => v === picked + 1,
      5000,
      'one edit confirmed',
    );
  });
});
