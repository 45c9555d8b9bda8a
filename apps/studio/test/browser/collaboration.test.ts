import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  dismissToasts,
  eventually,
  openDocument,
  StudioHarness,
  screenshot,
  zoneText,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Two people (two browser contexts) on one document in Studio, served by a real server process. */
describe.runIf(chromiumAvailable)('Studio: two users on one document', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;
  const documentId = `collab-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await h.start();
    [ada, ben] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.context().then((c) => h.signIn(c, 'Ben')),
    ]);
    await openDocument(ada, h.url, documentId);
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await ada.getByLabel(/^Text of zone 1 /).fill('Quarterly report. ');
    await openDocument(ben, h.url, documentId);
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === 'Quarterly report. ',
      10_000,
      "Ben sees Ada's zone",
    );
  });

  afterAll(() => h.close());

  it('shows each user in the other one’s presence', async () => {
    for (const page of [ada, ben]) {
      await page.locator('.syncline-presence__user[data-user-id="dev-ada"]').waitFor();
      await page.locator('.syncline-presence__user[data-user-id="dev-ben"]').waitFor();
    }
    expect(await ada.locator('.syncline-presence__user').count()).toBe(2);
  });

  it("fades Ben's avatar for Ada while Ben's page is hidden, and brings it back when it shows", async () => {
    const setVisibility = (state: 'hidden' | 'visible') =>
      ben.evaluate((v) => {
        Object.defineProperty(document, 'visibilityState', { value: v, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    const benAvatar = ada.locator('.syncline-presence__user[data-user-id="dev-ben"]');
    await setVisibility('hidden');
    await ada.locator('.syncline-presence__user[data-user-id="dev-ben"][data-status="idle"]').waitFor();
    expect(await benAvatar.getAttribute('aria-label')).toBe('Ben, idle');
    await setVisibility('visible');
    await ada.locator('.syncline-presence__user[data-user-id="dev-ben"]:not([data-status])').waitFor();
  });

  it("puts Ada's cursor at the same spot of the page for Ben, at another zoom", async () => {
    await ben.getByRole('button', { name: 'Zoom in' }).click();
    await ben.getByRole('button', { name: 'Zoom in' }).click();
    const page = ada.locator('.page[data-page="0"]');
    const box = await page.boundingBox();
    if (!box) throw new Error('no page box');
    await ada.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6, { steps: 4 });
    const cursor = ben.locator('.syncline-cursor[data-user-id="dev-ada"]');
    await cursor.waitFor();
    const where = await eventually(
      async () => {
        const [c, p] = await Promise.all([
          cursor.boundingBox(),
          ben.locator('.page[data-page="0"]').boundingBox(),
        ]);
        if (!c || !p) return null;
        // The arrow's tip is the top-left corner of the cursor's box.
        return { x: (c.x - p.x) / p.width, y: (c.y - p.y) / p.height };
      },
      (v) => v !== null && Math.abs(v.x - 0.3) < 0.01 && Math.abs(v.y - 0.6) < 0.01,
      5000,
      'cursor position',
    );
    expect(where?.x).toBeCloseTo(0.3, 2);
    expect(where?.y).toBeCloseTo(0.6, 2);
    await expect(cursor.textContent()).resolves.toContain('Ada');
  });

  it('merges simultaneous typing in one zone into the same text for both', async () => {
    const a = ada.getByLabel(/^Text of zone 1 /);
    const b = ben.getByLabel(/^Text of zone 1 /);
    await a.focus();
    await ada.keyboard.press('End');
    await b.focus();
    await ben.keyboard.press('Home');
    await Promise.all([
      ada.keyboard.type('alpha beta gamma', { delay: 15 }),
      ben.keyboard.type('SUMMARY: ', { delay: 15 }),
    ]);
    const both = async () => [await zoneText(ada, 1), await zoneText(ben, 1)];
    const [ta, tb] = await eventually(
      both,
      ([x, y]) => x === y && x.includes('alpha beta gamma') && x.includes('SUMMARY: '),
      10_000,
      'converged text',
    );
    expect(ta).toBe(tb);
    expect(ta).toBe('SUMMARY: Quarterly report. alpha beta gamma');
    await screenshot(ben, 'document-collaboration');
  });

  it("draws Ada's caret and selection in Ben's copy of the zone's text, and keeps them on the same words", async () => {
    const text = await zoneText(ada, 1);
    const a = ada.getByLabel(/^Text of zone 1 /);
    await a.click();
    // Ada selects "Quarterly" (after the "SUMMARY: " Ben typed) with the keyboard.
    await ada.keyboard.press('Control+Home');
    for (let i = 0; i < text.indexOf('Quarterly'); i++) await ada.keyboard.press('ArrowRight');
    for (let i = 0; i < 'Quarterly'.length; i++) await ada.keyboard.press('Shift+ArrowRight');
    const zone1 = ben.locator('.zone-item').filter({ has: ben.getByLabel(/^Text of zone 1 /) });
    const selection = zone1.locator('mark.remote-selection');
    await eventually(
      () => selection.textContent(),
      (t) => t === 'Quarterly',
      5000,
      "Ada's selection at Ben's",
    );
    await expect(zone1.locator('.remote-caret[data-user-id="dev-ada"]').textContent()).resolves.toBe('Ada');
    // Ben types before it: her selection stays on the same word at once (her update was sent against a version
    // of the document, and his copy carries it through his own typing).
    const b = ben.getByLabel(/^Text of zone 1 /);
    await b.focus();
    await ben.keyboard.press('Home');
    await ben.keyboard.type('>> ');
    expect(await selection.textContent()).toBe('Quarterly');
    await eventually(
      () => zoneText(ada, 1),
      (t) => t.startsWith('>> '),
      5000,
      "Ben's typing at Ada's",
    );
    await screenshot(ben, 'remote-selection');
    // Ada leaves the text: her caret goes.
    await ada.getByRole('button', { name: 'Zoom in' }).click();
    await zone1.locator('.remote-caret').waitFor({ state: 'detached' });
    // Leave the text as the next tests expect it.
    await b.focus();
    await ben.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await ben.keyboard.press('Delete');
    await eventually(
      () => zoneText(ada, 1),
      (t) => t === text,
      5000,
      'text back',
    );
  });

  it("refuses Ben's edit of a zone Ada locked, with a notice, and rolls his text back", async () => {
    const before = await zoneText(ada, 1);
    await ada.getByRole('button', { name: 'Lock zone 1' }).click();
    await ben.getByText('locked by Ada').waitFor();
    const b = ben.getByLabel(/^Text of zone 1 /);
    await b.focus();
    await ben.keyboard.press('End');
    await ben.keyboard.type('XYZ');
    await ben.getByRole('alert').filter({ hasText: 'Ada has locked the paragraph on page 1' }).waitFor();
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === before,
      5000,
      "Ben's text rolled back",
    );
    expect(await zoneText(ada, 1)).toBe(before);
    await screenshot(ben, 'zone-locked');
    // The notice offers to show the zone: with nothing selected (a click on the page beside it), it selects it.
    // (Zoomed in, Ben's pane kept its centre: the page's corner is brought back into view first.)
    await ben.locator('.pdf-pane').evaluate((pane) => pane.scrollTo(0, 0));
    await ben.locator('.page[data-page="0"]').click({ position: { x: 4, y: 4 } });
    await ben.locator('.zone-box.selected').waitFor({ state: 'detached' });
    await ben.getByRole('alert').getByRole('button', { name: 'Show zone' }).click();
    await ben.locator('.zone-box.selected[aria-label^="Zone 1:"]').waitFor();
    expect(await ben.getByRole('alert').count()).toBe(0); // the action dismissed the notice
    await ada.getByRole('button', { name: 'Unlock zone 1' }).click();
    await ben.getByText('locked by Ada').waitFor({ state: 'detached' });
  });

  it("lets Ada, the document's owner, force open Ben's lock (Ben is told), while Ben cannot take hers", async () => {
    await ada.getByRole('button', { name: 'Lock zone 1' }).click();
    await ben.getByText('locked by Ada').waitFor();
    expect(await ben.getByRole('button', { name: 'Lock zone 1' }).isDisabled()).toBe(true); // not the owner
    await ada.getByRole('button', { name: 'Unlock zone 1' }).click();
    await ben.getByText('locked by Ada').waitFor({ state: 'detached' });

    await ben.getByRole('button', { name: 'Lock zone 1' }).click();
    await ada.getByText('locked by Ben').waitFor();
    await ada.getByRole('button', { name: 'Force unlock zone 1' }).click();
    // By name: the owner who released it.
    await ben.getByText("Ada (the document's owner) released your lock on the paragraph on page 1").waitFor();
    await ada.getByText('locked by Ben').waitFor({ state: 'detached' });
    await ben.getByRole('button', { name: 'Lock zone 1' }).waitFor(); // his button offers the lock again
    await dismissToasts(ben);
  });

  it('undoes and redoes only my own edit with Ctrl+Z and Shift+Ctrl+Z', async () => {
    const a = ada.getByLabel(/^Text of zone 1 /);
    await a.focus();
    await ada.keyboard.press('End');
    // Typing continued within half a second joins the previous undo step (as in editors): pause first, so
    // that this keystroke is a step of its own.
    await ada.waitForTimeout(600);
    await ada.keyboard.type('!');
    const withMine = await eventually(
      () => zoneText(ben, 1),
      (t) => t.endsWith('!'),
      5000,
      'the edit reaches Ben',
    );
    await ada.keyboard.press('Control+z');
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === withMine.slice(0, -1),
      5000,
      'undo reaches Ben',
    );
    await ada.keyboard.press('Control+Shift+z');
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === withMine,
      5000,
      'redo reaches Ben',
    );
  });

  it("runs the document's undo, not the textarea's, for Ctrl+Z on a non-Latin layout and for the Edit menu's Undo", async () => {
    const a = ada.getByLabel(/^Text of zone 1 /);
    await a.focus();
    await ada.keyboard.press('End');
    await ada.waitForTimeout(600);
    await ada.keyboard.type('?');
    const withMine = await eventually(
      () => zoneText(ben, 1),
      (t) => t.endsWith('?'),
      5000,
      'the edit reaches Ben',
    );
    const without = withMine.slice(0, -1);
    // Ctrl+Я: a Russian layout's key where Z is (the key says 'я', its code KeyZ).
    const cdp = await ada.context().newCDPSession(ada);
    const key = (type: string, k: string, code: string, vk: number, modifiers: number) =>
      cdp.send('Input.dispatchKeyEvent', {
        type: type as 'rawKeyDown',
        key: k,
        code,
        windowsVirtualKeyCode: vk,
        nativeVirtualKeyCode: vk,
        modifiers,
      });
    await key('rawKeyDown', 'Control', 'ControlLeft', 17, 2);
    await key('rawKeyDown', 'я', 'KeyZ', 90, 2);
    await key('keyUp', 'я', 'KeyZ', 90, 2);
    await key('keyUp', 'Control', 'ControlLeft', 17, 0);
    await cdp.detach();
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === without,
      5000,
      'the undo reaches Ben',
    );
    // It was the document's undo (the textarea's would have sent a new edit, and left nothing to redo).
    await ada.keyboard.press('Control+Shift+z');
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === withMine,
      5000,
      'the redo reaches Ben',
    );
    // The textarea's own Undo as the Edit menu or the context menu ask for it (a beforeinput historyUndo): the
    // document's undo, and the textarea's is cancelled.
    const cancelled = await a.evaluate((ta) => {
      const e = new InputEvent('beforeinput', { inputType: 'historyUndo', cancelable: true, bubbles: true });
      ta.dispatchEvent(e);
      return e.defaultPrevented;
    });
    expect(cancelled).toBe(true);
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === without,
      5000,
      'the second undo reaches Ben',
    );
    await ada.keyboard.press('Control+Shift+z'); // as it was, for the tests after this one
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === withMine,
      5000,
      'the second redo reaches Ben',
    );
  });

  it('keeps an IME composition whole when another user edits the zone meanwhile, and sends it once', async () => {
    const a = ada.getByLabel(/^Text of zone 1 /);
    const b = ben.getByLabel(/^Text of zone 1 /);
    const start = await zoneText(ben, 1);
    await a.focus();
    await ada.keyboard.press('End');
    const cdp = await ada.context().newCDPSession(ada);
    await cdp.send('Input.imeSetComposition', { text: 'に', selectionStart: 1, selectionEnd: 1 });
    await cdp.send('Input.imeSetComposition', { text: 'にほ', selectionStart: 2, selectionEnd: 2 });
    // Nothing of the composition is sent while it is under way.
    await ada.waitForTimeout(300);
    expect(await zoneText(ben, 1)).toBe(start);
    // Ben types at the start of the zone meanwhile.
    await b.focus();
    await ben.keyboard.press('Control+Home');
    await ben.keyboard.type('X');
    await ada.waitForTimeout(500); // it reaches Ada's document (her textarea waits for the composition)
    await cdp.send('Input.imeSetComposition', { text: 'にほん', selectionStart: 3, selectionEnd: 3 });
    await cdp.send('Input.insertText', { text: '日本' });
    await cdp.detach();
    const expected = `X${start}日本`;
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === expected,
      5000,
      'the composed text reaches Ben',
    );
    await eventually(
      () => a.inputValue(),
      (t) => t === expected,
      5000,
      "Ada's text",
    );
  });

  it('lists who changed what in the History panel, newest first, and follows new changes live', async () => {
    await ben.getByRole('button', { name: 'History' }).click();
    const panel = ben.getByTestId('history');
    const items = panel.locator('.history-item');
    // The whole story so far: Ada added the zone and typed, Ben typed (his own lines say "You").
    await panel
      .locator('.history-item[data-kind="zone_create"]')
      .filter({ hasText: 'Ada added zone 1' })
      .waitFor();
    await panel
      .locator('.history-item[data-user="dev-ada"]')
      .filter({ hasText: 'Ada edited the text of zone 1' })
      .first()
      .waitFor();
    await panel
      .locator('.history-item[data-user="dev-ben"]')
      .filter({ hasText: 'You edited the text of zone 1' })
      .first()
      .waitFor();
    // Oldest last: the document named as it was made (a blank one, through the API), then Ada's zone.
    const kinds = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.slice(-2)).toEqual(['zone_create', 'meta']);

    // Ada changes the zone's type: the line appears on top of Ben's panel by itself.
    await ada.locator('.zone-box').first().click();
    await ada.getByLabel('Type').selectOption('heading');
    await eventually(
      () => items.first().textContent(),
      (t) => t?.startsWith('Ada changed zone 1') === true,
      5000,
      "Ada's change on top of Ben's history",
    );
    await dismissToasts(ben);
    await screenshot(ben, 'history');

    // A zone of a line is a link to its text.
    await items.first().getByRole('button', { name: 'zone 1' }).click();
    await eventually(
      () => ben.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''),
      (label) => label.startsWith('Text of zone 1 '),
      5000,
      "the zone's text focused",
    );
    await panel.getByRole('button', { name: 'Close history' }).click();
    await panel.waitFor({ state: 'detached' });
  });

  it('names people after they have left (History, who last changed a zone), by the name the document remembers', async () => {
    // Ada leaves the document; Ben reloads, so his page has never seen her in the room.
    await ada.goto(h.url);
    await ben.locator('.syncline-presence__user[data-user-id="dev-ada"]').waitFor({ state: 'detached' });
    await openDocument(ben, h.url, documentId);
    expect(await ben.locator('.syncline-presence__user[data-user-id="dev-ada"]').count()).toBe(0);
    // Ada changed zone 1's type last.
    await eventually(
      () => ben.locator('.zone-item').first().locator('.zone-changed').textContent(),
      (t) => t?.startsWith('changed by Ada · ') === true,
      5000,
      'zone 1 last changed by Ada',
    );
    await ben.getByRole('button', { name: 'History' }).click();
    const panel = ben.getByTestId('history');
    await eventually(
      () => panel.locator('.history-item').first().textContent(),
      (t) => t?.startsWith('Ada changed zone 1') === true,
      5000,
      "Ada's name, not her id",
    );
    await panel.getByRole('button', { name: 'Close history' }).click();
  });

  it('tells Ben who deleted the zone he was working in', async () => {
    await openDocument(ada, h.url, documentId); // back (the test before took her away)
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await ben.getByLabel(/^Text of zone 2 /).waitFor();
    await ben.getByLabel(/^Text of zone 2 /).focus(); // Ben works in it: it is his selected zone
    await ben.locator('.zone-box.selected[aria-label^="Zone 2:"]').waitFor();
    await ada.getByLabel(/^Text of zone 2 /).focus();
    await ada.getByRole('button', { name: 'Delete zone' }).click();
    await ben
      .getByRole('status')
      .filter({ hasText: 'Ada deleted the paragraph on page 1, which you were working on.' })
      .waitFor();
    expect(await ada.getByRole('status').filter({ hasText: 'you were working on' }).count()).toBe(0); // hers
    await dismissToasts(ben);
  });

  it('lets Ada rename a zone (its label, set when she leaves the field); Ben sees the new label', async () => {
    await ada.getByLabel(/^Text of zone 1 /).focus(); // selects it
    const field = ada.getByLabel('Label', { exact: true });
    await field.fill('Quarterly summary');
    await ada.keyboard.press('Enter');
    await eventually(
      () => ben.locator('.zone-item').first().locator('.zone-meta').textContent(),
      (t) => t?.endsWith(' · Quarterly summary') === true,
      5000,
      'the label at Ben',
    );
    // Escape puts the field back as it was, and sends nothing.
    await field.fill('Not this');
    await field.press('Escape');
    expect(await field.inputValue()).toBe('Quarterly summary');
    await ada.getByLabel(/^Text of zone 1 /).focus();
    expect(await ben.locator('.zone-item').first().locator('.zone-meta').textContent()).toMatch(
      /Quarterly summary$/,
    );
  });

  it('sends a paste longer than the server takes in one message to Ben, whole', async () => {
    await dismissToasts(ada);
    await ada.getByRole('button', { name: 'Add zone' }).click();
    const n = await ada.locator('.zone-item').count();
    const text = ada.getByLabel(new RegExp(`^Text of zone ${n} `));
    await text.focus();
    // 170,000 characters in 17 paragraphs (some of them two UTF-16 units): about three times the 64 KB a message may
    // carry. (Chromium takes its time over a paste of thousands of short lines, whatever the page: long ones here.)
    const chapter = `${'Revenue grew by 12 % in Q3, driven by exports 📈. '.repeat(200)}\n`.repeat(17);
    await ada.keyboard.insertText(chapter);
    // Compared in the page (what is read back is a sentence, not 170,000 characters, if it fails).
    const benHas = () =>
      ben
        .getByLabel(new RegExp(`^Text of zone ${n} `))
        .evaluate(
          (el, want) =>
            (el as HTMLTextAreaElement).value === want
              ? 'all'
              : `${(el as HTMLTextAreaElement).value.length} characters`,
          chapter,
        );
    await eventually(benHas, (has) => has === 'all', 30_000, 'the whole paste at Ben’s');
    await expect(
      text.evaluate((el, want) => (el as HTMLTextAreaElement).value === want, chapter),
    ).resolves.toBe(true);
    // Nothing refused ("too large", and the paste undone).
    await expect(ada.locator('.syncline-notification').allTextContents()).resolves.toEqual([]);
  });
});
