import type { NewZone } from '@syncline/client';
import type { ZoneType } from '@syncline/doc';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { addRenderProbe, countRenders } from './render-probe.js';
import {
  changeDocument,
  devToken,
  eventually,
  openDocument,
  openLongDocument,
  StudioHarness,
  zoneBoxOf,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** A zone of the test document: on `page`, in row `row` of it (top to bottom), of `type` and `confidence`. */
const zone = (
  id: string,
  page: number,
  row: number,
  type: ZoneType,
  confidence: number,
  text: string,
  label = '',
): NewZone => ({ id, page, bbox: { x: 60, y: 60 + row * 80, w: 490, h: 60 }, type, label, confidence, text });

/** Zones 1 to 8 in reading order (`z1`..`z8`): two pages, of several types and confidences. */
const ZONES: NewZone[] = [
  zone('z1', 1, 0, 'heading', 0.95, 'Résumé of the year'),
  zone('z2', 1, 1, 'paragraph', 0.85, 'Revenue grew by twelve percent.'),
  zone('z3', 1, 2, 'paragraph', 0.6, 'Costs fell in the second half.'),
  zone('z4', 1, 3, 'table', 0.5, 'Q1 | Q2\n10 | 12', 'Quarterly RESULTS'),
  zone('z5', 2, 0, 'heading', 0.55, 'Outlook'),
  zone('z6', 2, 1, 'paragraph', 0.9, 'The résumé above covers revenue only.'),
  zone('z7', 2, 2, 'table', 0.8, 'Region | Sales'),
  zone('z8', 2, 3, 'caption', 0.65, 'Table 2: sales by region'),
];

/** The zone ids the text pane lists, in its order. */
const listed = (page: Page) =>
  page
    .locator('.zone-list .zone-item')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-zone-id')));

/** The items' places in the list, as a screen reader is told them (`aria-posinset` / `aria-setsize`). */
const places = (page: Page) =>
  page
    .locator('.zone-list .zone-item')
    .evaluateAll((els) =>
      els.map((el) => `${el.getAttribute('aria-posinset')}/${el.getAttribute('aria-setsize')}`),
    );

const count = (page: Page) => page.getByTestId('zone-count').textContent();
const search = (page: Page) => page.getByRole('searchbox', { name: 'Find in zones' });
const focusedZone = (page: Page) =>
  page.evaluate(
    () => document.activeElement?.closest('[data-zone-id]')?.getAttribute('data-zone-id') ?? null,
  );

/** Waits until the text pane lists exactly `ids`, in that order. */
const waitListed = (page: Page, ids: string[], what = `zones ${ids.join(', ')} listed`) =>
  eventually(
    () => listed(page),
    (now) => now.join() === ids.join(),
    5000,
    what,
  );

/**
 * The zone list of a reviewer looking for zones: a text to find (case and accents aside), a type, low confidence only,
 * an order; with the count, said to a screen reader; zones that stop matching under the reader stay.
 */
describe.runIf(chromiumAvailable)('Studio: finding zones in the zone list', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben = '';
  const documentId = 'zone-list-filter';

  beforeAll(async () => {
    await h.start({ SYNCLINE_RATE_LIMIT: 'off' });
    ada = await h.signIn(await h.context(), 'Ada');
    await openDocument(ada, h.url, documentId);
    // Made by a client of her own that is not Ada's Studio: nothing in Studio's undo to begin with.
    await changeDocument(h, await devToken(h, 'Ada'), documentId, (doc) => {
      for (const z of ZONES) doc.createZone(z);
    });
    ben = await devToken(h, 'Ben');
    await waitListed(ada, ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8']);
  }, 60_000);

  afterAll(() => h.close());

  it('finds zones by their text and label, whatever the case and accents, keeping the focus in the field', async () => {
    expect(await count(ada)).toBe('8 zones');
    await search(ada).click();
    await ada.keyboard.type('resume');
    await waitListed(ada, ['z1', 'z6']);
    expect(await count(ada)).toBe('2 of 8 zones');
    // Their numbers stay those of the pages (reading order); their places are in the list as now filtered.
    await expect(ada.locator('.zone-list .zone-number').allTextContents()).resolves.toEqual(['1', '6']);
    expect(await places(ada)).toEqual(['1/2', '2/2']);
    // Said to a screen reader once the typing stops (a status), not at every key.
    await ada.getByRole('status').filter({ hasText: '2 of 8 zones' }).waitFor();
    // The focus stayed in the field as the list changed under it.
    expect(await search(ada).evaluate((el) => el === document.activeElement)).toBe(true);
    // A label too, in another case.
    await search(ada).fill('quarterly results');
    await waitListed(ada, ['z4']);
    expect(await count(ada)).toBe('1 of 8 zones');
    await search(ada).fill('no such words');
    await waitListed(ada, []);
    await ada.getByText('No zone matches the filters.').waitFor();
    // Clear filters: every zone again, the focus on the field (the button goes).
    await ada.getByRole('button', { name: 'Clear filters' }).click();
    await waitListed(ada, ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8']);
    expect(await search(ada).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await count(ada)).toBe('8 zones');
  });

  it('shows only zones of a type, of low confidence (under 70%), and both', async () => {
    const type = ada.getByRole('combobox', { name: 'Show' });
    const low = ada.getByRole('checkbox', { name: /^Low confidence only \(under 70%\)$/ });
    await type.selectOption('table');
    await waitListed(ada, ['z4', 'z7']);
    await low.check();
    await waitListed(ada, ['z4']);
    expect(await count(ada)).toBe('1 of 8 zones');
    await type.selectOption('all');
    await waitListed(ada, ['z3', 'z4', 'z5', 'z8']);
    // Its confidence says why.
    await expect(ada.locator('.zone-item[data-zone-id="z5"] .zone-confidence').textContent()).resolves.toBe(
      'confidence 55%',
    );
    await low.uncheck();
    await waitListed(ada, ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8']);
  });

  it('sorts the list by page, confidence or type, reading order by default', async () => {
    const sort = ada.getByRole('combobox', { name: 'Sort' });
    await sort.selectOption('confidence');
    await waitListed(ada, ['z4', 'z5', 'z3', 'z8', 'z7', 'z2', 'z6', 'z1']);
    expect(await places(ada)).toEqual(['1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    await expect(
      ada.getByRole('region', { name: 'Zone text by confidence, lowest first' }).count(),
    ).resolves.toBe(1);
    await sort.selectOption('type');
    await waitListed(ada, ['z1', 'z5', 'z2', 'z3', 'z6', 'z4', 'z7', 'z8']);
    // Sorted and filtered.
    await search(ada).fill('revenue');
    await waitListed(ada, ['z2', 'z6']);
    await search(ada).fill('');
    await sort.selectOption('page');
    await waitListed(ada, ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8']);
    await sort.selectOption('reading');
    await expect(ada.getByRole('region', { name: 'Zone text in reading order' }).count()).resolves.toBe(1);
  });

  it("keeps a zone Ada is typing in listed, with the focus, when Ben's edit makes it stop matching", async () => {
    await search(ada).fill('revenue');
    await waitListed(ada, ['z2', 'z6']);
    const text = ada.getByLabel(/^Text of zone 2 /);
    await text.click();
    await ada.keyboard.press('End');
    await changeDocument(h, ben, documentId, (doc) => {
      doc.editText('z2', { pos: 0, del: 'Revenue'.length, ins: 'Income' });
    });
    await eventually(
      () => text.inputValue(),
      (t) => t.startsWith('Income grew'),
      5000,
      "Ben's edit at Ada",
    );
    // Still listed, marked as not matching, not counted; her caret still in it.
    await waitListed(ada, ['z2', 'z6']);
    await ada.locator('.zone-item[data-zone-id="z2"] .zone-unmatched').waitFor();
    expect(await count(ada)).toBe('1 of 8 zones (and 1 shown that does not match)');
    expect(await focusedZone(ada)).toBe('z2');
    await ada.keyboard.type('!');
    await expect(text.inputValue()).resolves.toMatch(/percent\.!$/);
    // Matching again: counted, no longer marked.
    await changeDocument(h, ben, documentId, (doc) => {
      doc.editText('z2', { pos: 0, del: 'Income'.length, ins: 'Revenue' });
    });
    await eventually(
      () => count(ada),
      (c) => c === '2 of 8 zones',
      5000,
      'zone 2 counted again',
    );
    expect(await ada.locator('.zone-unmatched').count()).toBe(0);
    await search(ada).fill('');
  });

  it('lists a zone selected on its page that the filter leaves out, while it is selected', async () => {
    const type = ada.getByRole('combobox', { name: 'Show' });
    await zoneBoxOf(ada, 'z4').click();
    await type.selectOption('table');
    await waitListed(ada, ['z4', 'z7']);
    await zoneBoxOf(ada, 'z1').click();
    // In its place in the list, marked, its text ready to be typed into.
    await waitListed(ada, ['z1', 'z4', 'z7']);
    await ada.locator('.zone-item[data-zone-id="z1"] .zone-unmatched').waitFor();
    await ada.getByLabel(/^Text of zone 1 /).waitFor();
    expect(await count(ada)).toBe('2 of 8 zones (and 1 shown that does not match)');
    // Another zone selected: it goes.
    await zoneBoxOf(ada, 'z7').click();
    await waitListed(ada, ['z4', 'z7']);
    await type.selectOption('all');
    await waitListed(ada, ['z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7', 'z8']);
  });
});

/** Resolves after two frames: what a change rendered is laid out and painted. */
const frames = (page: Page) =>
  page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/**
 * Filtering and sorting 1,500 zones: the list stays a list of few editors and a keystroke in a zone renders its own
 * group only, filtered or sorted as unfiltered.
 */
describe.runIf(chromiumAvailable)('Studio: finding zones among 1,500', () => {
  const h = new StudioHarness();
  let ada: Page;
  const ZONES = 1500;
  const zoneId = (i: number) => `z-${String(i).padStart(4, '0')}`;
  /** Most editors at once at 1280x800 (as large-document.test.ts). */
  const MOST_EDITORS = 80;
  const editors = () => ada.locator('.text-pane textarea.zone-text').count();

  beforeAll(async () => {
    await h.start({ SYNCLINE_RATE_LIMIT: 'off' });
    const token = await devToken(h, 'Ada');
    ({ page: ada } = await openLongDocument(
      h,
      token,
      'zone-list-filter-long',
      { count: ZONES, perPage: 10, zoneId },
      addRenderProbe,
    ));
  }, 120_000);

  afterAll(() => h.close());

  it('counts and lists the zones found, each with its place among them', async () => {
    expect(await count(ada)).toBe('1,500 zones');
    await search(ada).fill('paragraph 12');
    // Paragraphs 12, 120 to 129 and 1200 to 1299.
    await eventually(
      () => count(ada),
      (c) => c === '111 of 1,500 zones',
      5000,
      'the count of those found',
    );
    const ids = await listed(ada);
    expect(ids).toHaveLength(111);
    expect([ids[0], ids[1], ids[110]]).toEqual([zoneId(11), zoneId(119), zoneId(1298)]);
    const at = await places(ada);
    expect([at[0], at[110]]).toEqual(['1/111', '111/111']);
    await ada.getByRole('status').filter({ hasText: '111 of 1,500 zones' }).waitFor();
  });

  it('renders only the group of the zone typed in, filtered and sorted', async () => {
    const text = ada.getByLabel(/^Text of zone 1201 /);
    await text.click();
    await ada.keyboard.press('End');
    await frames(ada);
    const filtered = await countRenders(ada, async () => {
      for (const key of 'abc') {
        await ada.keyboard.press(key);
        await frames(ada);
      }
    });
    await expect(text.inputValue()).resolves.toMatch(/abc$/);
    expect(filtered.rows).toEqual({ [zoneId(1200)]: 3 });
    expect(filtered.groups).toBe(3);

    // Every zone, by confidence (all alike here: reading order within), in groups not by page.
    await search(ada).fill('');
    await ada.getByRole('combobox', { name: 'Sort' }).selectOption('confidence');
    await eventually(
      () => listed(ada).then((ids) => ids.length),
      (n) => n === ZONES,
      5000,
      'every zone listed',
    );
    const groups = await ada.locator('.zone-list > .zone-group').count();
    expect(groups).toBeGreaterThan(ZONES / 64);
    expect(groups).toBeLessThan(ZONES / 4);
    expect(await editors()).toBeLessThanOrEqual(MOST_EDITORS);
    await ada.locator('.text-pane').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await ada.getByLabel(new RegExp(`^Text of zone ${ZONES} `)).waitFor();
    expect(await editors()).toBeLessThanOrEqual(MOST_EDITORS);
    const last = ada.getByLabel(new RegExp(`^Text of zone ${ZONES} `));
    await last.click();
    await ada.keyboard.press('End');
    await frames(ada);
    const sorted = await countRenders(ada, async () => {
      for (const key of 'xyz') {
        await ada.keyboard.press(key);
        await frames(ada);
      }
    });
    await expect(last.inputValue()).resolves.toMatch(/xyz$/);
    expect(sorted.rows).toEqual({ [zoneId(ZONES - 1)]: 3 });
    expect(sorted.groups).toBe(3);
  });
});
