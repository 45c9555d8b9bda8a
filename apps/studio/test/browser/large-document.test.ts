import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../../test/integration/helpers.js';
import { needService } from '../../../../test/services.js';
import { eventually, openDocument, StudioHarness } from './studio-harness.js';

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
    const { token } = (await fetch(`${h.url}/api/dev/token`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Ada' }),
    }).then((r) => r.json())) as { token: string };
    const client = createClient(h.cleanup, { url: `${h.url.replace('http', 'ws')}/ws`, token });
    client.connect();
    const doc = client.doc(documentId);
    await doc.ready;
    for (let i = 0; i < ZONES; i++) {
      const row = i % PER_PAGE;
      doc.createZone({
        id: zoneId(i),
        page: Math.floor(i / PER_PAGE) + 1,
        bbox: { x: 60, y: 40 + row * 72, w: 490, h: 60 },
        type: 'paragraph',
        label: '',
        confidence: 1,
        text: `Paragraph ${i + 1}: ${'layout analysis groups text into zones '.repeat(1 + (i % 3))}`.trim(),
      });
    }
    await doc.whenSynced();
    await doc.close();
    client.close();

    ada = await h.signIn(await h.context(), 'Ada');
    await openDocument(ada, h.url, documentId);
    await eventually(
      () => ada.locator('.zone-item').count(),
      (n) => n === ZONES,
      30_000,
      'every zone listed',
    );
    await ada.getByLabel(/^Text of zone 1 /).waitFor();
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
});
