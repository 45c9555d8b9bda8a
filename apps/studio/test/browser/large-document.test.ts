import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { addRenderProbe, countRenders } from './render-probe.js';
import { devToken, eventually, openLongDocument, StudioHarness } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Zones of the document: 10 on each of 200 blank pages. */
const ZONES = 2000;
const PER_PAGE = 10;
/**
 * Most zone editors the text pane may hold at once at 1280x800: the zones within a pane's height of what is on
 * screen, above and below (about 20 here), and the few that must stay (focused, selected), with room to spare. All
 * 2000 were editors before, and a long document froze the tab.
 */
const MOST_EDITORS = 80;

const editors = (page: Page) => page.locator('.text-pane textarea.zone-text').count();
const mounted = (page: Page, zoneId: string) =>
  page.locator(`.text-pane textarea[data-zone-id="${zoneId}"]`).count().then(Boolean);

/** Whether zone `zoneId`'s element in `pane` (`.pdf-pane`, `.text-pane`) is within that pane's visible area. */
/** Waits until the zone's editor has the focus, and returns its textarea. */
async function focusedEditor(page: Page, zoneId: string) {
  await eventually(
    () => page.evaluate(() => document.activeElement?.getAttribute('data-zone-id') ?? null),
    (focused) => focused === zoneId,
    5000,
    'its editor focused',
  );
  return page.locator(`textarea[data-zone-id="${zoneId}"]`);
}

const selectionOf = (text: Locator) =>
  text.evaluate((ta: HTMLTextAreaElement) => [ta.selectionStart, ta.selectionEnd]);

const inView = (page: Page, pane: string, zoneId: string) =>
  page.evaluate(
    ([pane, zoneId]) => {
      const box = document.querySelector(pane)?.getBoundingClientRect();
      const el = document
        .querySelector(
          `${pane} textarea[data-zone-id="${CSS.escape(zoneId)}"], ${pane} .zone-box[data-zone-id="${CSS.escape(zoneId)}"]`,
        )
        ?.getBoundingClientRect();
      return !!box && !!el && el.bottom > box.top && el.top < box.bottom;
    },
    [pane, zoneId] as const,
  );

/** Resolves after two frames: what a scroll changes (measured at the next frame) is rendered. */
const frames = (page: Page) =>
  page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** The confirmed version of the document (`data-version`): it goes up as the server confirms each of my edits. */
const version = (page: Page) => page.locator('.viewer').getAttribute('data-version').then(Number);

/** Zone `zoneId`'s placeholder element (none while it is an editor). */
const placeholder = (page: Page, zoneId: string) =>
  page.locator(`.zone-item[data-zone-id="${zoneId}"] .zone-placeholder`);

/**
 * What the browser's find (Ctrl+F) does when its next match is in the hidden text of zone `zoneId`'s placeholder (a
 * find cannot be driven from a test, and `window.find()` neither reveals nor fires `beforematch`): `beforematch` at it,
 * `hidden` taken off, the match (`Paragraph <n>`) scrolled to the centre. The match's text node is kept as
 * `window.__match`, where the find's highlight would be.
 */
const findInPlaceholder = (page: Page, zoneId: string) =>
  page.evaluate((zoneId) => {
    const el = document.querySelector(`.zone-item[data-zone-id="${CSS.escape(zoneId)}"] .zone-placeholder`);
    const text = el?.querySelector('.zone-placeholder-text')?.firstChild;
    if (el?.getAttribute('hidden') !== 'until-found' || !(text instanceof Text)) return false;
    (window as unknown as { __match: Text }).__match = text;
    el.dispatchEvent(new Event('beforematch', { bubbles: true }));
    el.removeAttribute('hidden');
    const match = document.createRange();
    match.setStart(text, 0);
    match.setEnd(text, text.data.indexOf(':'));
    (match.startContainer.parentElement as HTMLElement).scrollIntoView({ block: 'center' });
    return true;
  }, zoneId);

/** Whether the text node of the last `findInPlaceholder` is still in the page and shown (its highlight with it). */
const matchShown = (page: Page) =>
  page.evaluate(() => {
    const text = (window as unknown as { __match?: Text }).__match;
    const el = text?.parentElement;
    return !!text?.isConnected && !!el && !el.hasAttribute('hidden') && el.checkVisibility();
  });

const scrollTextPane = (page: Page, to: 'top' | 'middle' | 'bottom') =>
  page.locator('.text-pane').evaluate((el, to) => {
    el.scrollTop = to === 'top' ? 0 : to === 'middle' ? el.scrollHeight / 2 : el.scrollHeight;
  }, to);

/** A document of thousands of zones: only those near the screen are editors, and the panes still follow each other. */
describe.runIf(chromiumAvailable)('Studio: a document of 2000 zones', () => {
  const h = new StudioHarness();
  let ada: Page;
  const documentId = 'large-document';
  const zoneId = (i: number) => `z-${String(i).padStart(4, '0')}`;

  beforeAll(async () => {
    await h.start({ SYNCLINE_RATE_LIMIT: 'off' });
    // The zones, made through the SDK by Ada herself (her dev identity), one op each.
    const token = await devToken(h, 'Ada');
    ({ page: ada } = await openLongDocument(
      h,
      token,
      documentId,
      { count: ZONES, perPage: PER_PAGE, zoneId },
      addRenderProbe,
    ));
  }, 180_000);

  afterAll(() => h.close());

  it('lists every zone but makes editors only of those near the screen, wherever it is scrolled', async () => {
    expect(await editors(ada)).toBeLessThanOrEqual(MOST_EDITORS);
    // The others stand in with their text (which the browser's find still finds).
    await expect(ada.locator('.zone-placeholder').first().textContent()).resolves.toMatch(/Paragraph \d+/);
    for (const to of ['middle', 'bottom'] as const) {
      await scrollTextPane(ada, to);
      const last = to === 'bottom' ? ZONES : undefined;
      if (last) await ada.getByLabel(new RegExp(`^Text of zone ${last} `)).waitFor();
      else
        await eventually(
          () => editors(ada),
          (n) => n > 0,
          5000,
          'editors in the middle',
        );
      expect(await editors(ada)).toBeLessThanOrEqual(MOST_EDITORS);
    }
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).waitFor();
  });

  it('brings the text of a far zone into view when its box is clicked, ready to type in', async () => {
    const id = zoneId(1499);
    expect(await mounted(ada, id)).toBe(false);
    const box = ada.locator(`.zone-box[data-zone-id="${id}"]`);
    await box.scrollIntoViewIfNeeded();
    await box.click();
    await eventually(() => inView(ada, '.text-pane', id), Boolean, 5000, 'its text in view');
    const text = ada.locator(`textarea[data-zone-id="${id}"]`);
    await text.click();
    await ada.keyboard.press('End');
    await ada.keyboard.type(' typed');
    await expect(text.inputValue()).resolves.toMatch(/ typed$/);
    expect(await editors(ada)).toBeLessThanOrEqual(MOST_EDITORS);
  });

  it('keeps the zone being edited, and the selected zone, while the pane scrolls far away', async () => {
    const id = zoneId(1499);
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).waitFor();
    // Still there and focused: typing goes on into it.
    expect(await mounted(ada, id)).toBe(true);
    expect(await ada.evaluate(() => document.activeElement?.getAttribute('data-zone-id'))).toBe(id);
    await ada.keyboard.type('!');
    await expect(ada.locator(`textarea[data-zone-id="${id}"]`).inputValue()).resolves.toMatch(/ typed!$/);
    // Left (the focus elsewhere), far from the screen, it is still the selected zone: still an editor.
    await ada.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await scrollTextPane(ada, 'top'); // typing brought it back into view
    await ada.getByLabel(/^Text of zone 1 /).waitFor();
    await frames(ada);
    expect(await inView(ada, '.text-pane', id)).toBe(false);
    expect(await mounted(ada, id)).toBe(true);
    // Its text follows it when focused from far away: its box comes into view on its page.
    await ada.locator(`textarea[data-zone-id="${id}"]`).focus();
    await eventually(() => inView(ada, '.pdf-pane', id), Boolean, 5000, 'its box in view');
  });

  it('puts the caret in the text of a far zone from the History panel', async () => {
    const id = zoneId(1499);
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).click(); // zone 1500 is neither selected nor focused any more
    await eventually(
      () => mounted(ada, id),
      (m) => !m,
      5000,
      'zone 1500 a placeholder again',
    );
    await ada.getByRole('button', { name: 'History' }).click();
    const panel = ada.getByTestId('history');
    await panel
      .locator('.history-item')
      .filter({ hasText: 'You edited the text of zone 1500' })
      .first()
      .getByRole('button', { name: 'zone 1500' })
      .click();
    await eventually(
      () => ada.evaluate(() => document.activeElement?.getAttribute('data-zone-id') ?? null),
      (focused) => focused === id,
      5000,
      "zone 1500's text focused",
    );
    expect(await inView(ada, '.text-pane', id)).toBe(true);
    await panel.getByRole('button', { name: 'Close history' }).click();
  });

  it('moves the keyboard through the zones in reading order with Tab', async () => {
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).focus();
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      await ada.keyboard.press('Tab');
      seen.push(
        await ada.evaluate(() => {
          const el = document.activeElement;
          return el?.getAttribute('data-zone-id') ?? el?.getAttribute('aria-label') ?? '';
        }),
      );
    }
    // Each zone's lock button, then its text: zones 2 to 16, in order, none skipped.
    const texts = seen.filter((s) => s.startsWith('z-'));
    expect(texts).toEqual(Array.from({ length: 15 }, (_, i) => zoneId(i + 1)));
    expect(seen.filter((s) => s.startsWith('Lock zone'))).toEqual(
      Array.from({ length: 15 }, (_, i) => `Lock zone ${i + 2}`),
    );
  });
  it('renders only the zone typed in at each keystroke, and nothing more when the server confirms it', async () => {
    await scrollTextPane(ada, 'top');
    const text = ada.getByLabel(/^Text of zone 5 /);
    await text.click();
    await ada.keyboard.press('End');
    await frames(ada);
    const renders = await countRenders(ada, async () => {
      for (const key of 'abcde') {
        const before = await version(ada);
        await ada.keyboard.press(key);
        await eventually(
          () => version(ada),
          (v) => v > before,
          5000,
          'the key confirmed',
        );
        await frames(ada);
      }
    });
    await expect(text.inputValue()).resolves.toMatch(/abcde$/);
    // Its row and editor once a key; the viewer (both panes) and the group of rows once a key too, not again for the
    // server's confirmation (a new state of the document, the same zones).
    expect(renders.rows).toEqual({ [zoneId(4)]: 5 });
    expect(renders.editors).toEqual({ [zoneId(4)]: 5 });
    expect(renders.groups).toBe(5);
    expect(renders.viewers).toBe(5);
  });

  it('keeps the height a text box was dragged to when it goes off screen and comes back', async () => {
    await scrollTextPane(ada, 'top');
    const id = zoneId(2);
    const item = ada.locator(`.zone-item[data-zone-id="${id}"]`);
    const text = ada.locator(`textarea[data-zone-id="${id}"]`);
    const before = await text.evaluate((ta) => ta.getBoundingClientRect().height);
    // Its resizer, bottom right, dragged down 150 px.
    const box = (await text.boundingBox())!;
    await ada.mouse.move(box.x + box.width - 3, box.y + box.height - 3);
    await ada.mouse.down();
    await ada.mouse.move(box.x + box.width - 3, box.y + box.height + 147, { steps: 5 });
    await ada.mouse.up();
    const dragged = await text.evaluate((ta) => ta.getBoundingClientRect().height);
    expect(dragged).toBeGreaterThan(before + 100);
    const itemHeight = await item.evaluate((el) => el.getBoundingClientRect().height);
    await ada.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ada.getByLabel(/^Text of zone 1 /).click(); // zone 3 is neither focused nor selected
    await scrollTextPane(ada, 'bottom');
    await eventually(
      () => mounted(ada, id),
      (m) => !m,
      5000,
      'zone 3 a placeholder',
    );
    // Its placeholder stands in at its height (the pane does not jump when it comes back)...
    const standIn = await item.evaluate((el) => el.getBoundingClientRect().height);
    expect(Math.abs(standIn - itemHeight)).toBeLessThan(4);
    // ... and its text box has it again.
    await scrollTextPane(ada, 'top');
    await text.waitFor();
    expect(await text.evaluate((ta) => ta.getBoundingClientRect().height)).toBeCloseTo(dragged, 0);
  });

  it("keeps the browser's find's match in view, shown where it was, until clicked", async () => {
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).click();
    const id = zoneId(1199);
    expect(await findInPlaceholder(ada, id)).toBe(true);
    await frames(ada);
    await frames(ada);
    // Its zones around are editors now, it is still the text the find highlights, under its zone's head line.
    expect(await mounted(ada, zoneId(1198))).toBe(true);
    expect(await mounted(ada, zoneId(1200))).toBe(true);
    expect(await mounted(ada, id)).toBe(false);
    expect(await matchShown(ada)).toBe(true);
    await expect(ada.locator(`.zone-item[data-zone-id="${id}"] .zone-number`).textContent()).resolves.toBe(
      '1200',
    );
    // The find closed with Escape selects its match: the editor comes in with it selected, ready to type over.
    await ada.evaluate(() => {
      const text = (window as unknown as { __match: Text }).__match;
      getSelection()?.setBaseAndExtent(text, 0, text, text.data.indexOf(':'));
    });
    const text = await focusedEditor(ada, id);
    expect(await selectionOf(text)).toEqual([0, 14]);
    expect(await inView(ada, '.text-pane', id)).toBe(true);
  });

  it('puts the caret where a found text is clicked, and hides the text again once left far behind', async () => {
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).click();
    const id = zoneId(1299);
    expect(await findInPlaceholder(ada, id)).toBe(true);
    await frames(ada);
    await frames(ada);
    expect(await matchShown(ada)).toBe(true);
    // Clicked just before its colon ("Paragraph 1300|:").
    const at = await ada.evaluate(() => {
      const text = (window as unknown as { __match: Text }).__match;
      const r = document.createRange();
      r.setStart(text, 13);
      r.setEnd(text, 14);
      const box = r.getBoundingClientRect();
      return { x: box.right - 1, y: box.top + box.height / 2 };
    });
    await ada.mouse.click(at.x, at.y);
    const text = await focusedEditor(ada, id);
    expect(await selectionOf(text)).toEqual([14, 14]);
    await ada.keyboard.type('!');
    await expect(text.inputValue()).resolves.toMatch(/^Paragraph 1300!:/);

    // Another found, then the pane scrolled far away: a hidden placeholder again, which a find can reveal again.
    await scrollTextPane(ada, 'top');
    await ada.getByLabel(/^Text of zone 1 /).click();
    const other = zoneId(1399);
    expect(await findInPlaceholder(ada, other)).toBe(true);
    await frames(ada);
    await frames(ada);
    expect(await matchShown(ada)).toBe(true);
    await scrollTextPane(ada, 'top');
    await eventually(
      () => placeholder(ada, other).getAttribute('hidden'),
      (hidden) => hidden === 'until-found',
      5000,
      'hidden until found again',
    );
    expect(await placeholder(ada, other).getAttribute('class')).toBe('zone-placeholder');
  });
});
