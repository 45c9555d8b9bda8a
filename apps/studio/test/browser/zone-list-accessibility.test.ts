import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  changeDocument,
  devToken,
  eventually,
  openLongDocument,
  StudioHarness,
  zoneAt,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Zones of the document: 10 on each of 150 blank pages. */
const ZONES = 1500;
const PER_PAGE = 10;

/** A list item of the text pane as Chromium gives it to assistive technology, with its place in the list. */
interface AxItem {
  name: string;
  ignored: boolean;
  /** Its element's `aria-posinset` and `aria-setsize` (Chromium's protocol does not report them). */
  posinset: number | null;
  setsize: number | null;
  /** The names of the text boxes in it (its editor's, while it is one). */
  textboxes: string[];
}

type AxNode = {
  nodeId: string;
  ignored: boolean;
  role?: { value: string };
  name?: { value: string };
  childIds?: string[];
  backendDOMNodeId?: number;
};

/**
 * The items of the zone list in Chromium's accessibility tree (`Accessibility.getFullAXTree`, what a screen reader is
 * given, not Playwright's snapshot), in order: the list in the region "Zone text in reading order", through the
 * groups (nodes ignored, but there). The ARIA set attributes come from the items' elements (`DOMSnapshot`).
 */
async function zoneListItems(cdp: CDPSession): Promise<AxItem[]> {
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AxNode[] };
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const region = nodes.find(
    (n) => n.role?.value === 'region' && n.name?.value === 'Zone text in reading order',
  );
  const list = region?.childIds?.map((id) => byId.get(id)).find((n) => n?.role?.value === 'list');
  if (!list) throw new Error('no zone list in the accessibility tree');
  const below = (node: AxNode, keep: (n: AxNode) => boolean, into: (n: AxNode) => boolean): AxNode[] =>
    (node.childIds ?? []).flatMap((id) => {
      const child = byId.get(id);
      if (!child) return [];
      if (keep(child)) return [child];
      return into(child) ? below(child, keep, into) : [];
    });
  const isItem = (n: AxNode) => n.role?.value === 'listitem';
  const items = below(list, isItem, (n) => !isItem(n));
  const attributes = await elementAttributes(cdp);
  return items.map((item) => {
    const attrs = attributes.get(item.backendDOMNodeId ?? -1) ?? {};
    const num = (name: string) => (attrs[name] === undefined ? null : Number(attrs[name]));
    return {
      name: item.name?.value ?? '',
      ignored: item.ignored,
      posinset: num('aria-posinset'),
      setsize: num('aria-setsize'),
      textboxes: below(
        item,
        (n) => n.role?.value === 'textbox',
        () => true,
      ).map((n) => n.name?.value ?? ''),
    };
  });
}

/** Every element's attributes, by its backend node id, in one snapshot of the page. */
async function elementAttributes(cdp: CDPSession): Promise<Map<number, Record<string, string>>> {
  const snap = (await cdp.send('DOMSnapshot.captureSnapshot', { computedStyles: [] })) as unknown as {
    strings: string[];
    documents: { nodes: { backendNodeId?: number[]; attributes?: number[][] } }[];
  };
  const out = new Map<number, Record<string, string>>();
  for (const d of snap.documents) {
    const ids = d.nodes.backendNodeId ?? [];
    const attrs = d.nodes.attributes ?? [];
    ids.forEach((id, i) => {
      const pairs = attrs[i] ?? [];
      const record: Record<string, string> = {};
      for (let k = 0; k + 1 < pairs.length; k += 2)
        record[snap.strings[pairs[k]]] = snap.strings[pairs[k + 1]];
      out.set(id, record);
    });
  }
  return out;
}

/** What a zone far from view is called: its number, type and page, and the start of its text. */
const farName = (n: number) =>
  new RegExp(`^Zone ${n} \\(paragraph, page ${Math.ceil(n / PER_PAGE)}\\): Paragraph ${n}: layout`);

/**
 * A document of 1,500 zones to a screen reader: every zone is in the list, however far from the screen, with its place
 * in it and a name that says which zone it is and how its text starts; any of them can be made the editor.
 */
describe.runIf(chromiumAvailable)('Studio: a long zone list to assistive technology', () => {
  const h = new StudioHarness();
  let ada: Page;
  let cdp: CDPSession;
  let token = '';
  const documentId = 'long-list-a11y';
  const zoneId = (i: number) => `z-${String(i).padStart(4, '0')}`;

  beforeAll(async () => {
    await h.start({ SYNCLINE_RATE_LIMIT: 'off' });
    token = await devToken(h, 'Ada');
    const opened = await openLongDocument(h, token, documentId, { count: ZONES, perPage: PER_PAGE, zoneId });
    ada = opened.page;
    const context = opened.context;
    cdp = await context.newCDPSession(ada);
  }, 120_000);

  afterAll(() => h.close());

  it('exposes every zone as an item with its place in the list, named by its number and text when far away', async () => {
    const items = await zoneListItems(cdp);
    expect(items).toHaveLength(ZONES);
    expect(items.filter((item) => item.ignored)).toEqual([]);
    const misplaced = items.filter((item, i) => item.posinset !== i + 1 || item.setsize !== ZONES);
    expect(misplaced.slice(0, 3)).toEqual([]);
    // Near the screen: the editor, named as ever. Far: the zone's number, type, page and the start of its text.
    expect(items[0].textboxes).toEqual(['Text of zone 1 (paragraph, page 1)']);
    for (const n of [700, 1200, ZONES]) {
      expect(items[n - 1].name).toMatch(farName(n));
      expect(items[n - 1].name.length).toBeLessThan(140);
    }
    // Its text is there for the browser's find (Ctrl+F), which looks only at text styled visible, in a placeholder
    // hidden otherwise (until found), so that hit tests pass over it.
    const styles = await ada
      .locator(`.zone-item[data-zone-id="${zoneId(1199)}"] .zone-placeholder`)
      .evaluate((el) => ({
        hidden: el.getAttribute('hidden'),
        placeholder: getComputedStyle(el).visibility,
        text:
          el.querySelector('.zone-placeholder-text') &&
          getComputedStyle(el.querySelector('.zone-placeholder-text') as Element).visibility,
        content: el.textContent,
      }));
    expect(styles).toEqual({
      hidden: 'until-found',
      placeholder: 'hidden',
      text: 'visible',
      content: expect.stringMatching(/^Paragraph 1200: layout/),
    });
    // Every zone is named one way or the other.
    const unnamed = items.flatMap((item, i) => (item.name || item.textboxes.length ? [] : [i + 1]));
    expect(unnamed).toEqual([]);
  });

  it('keeps the places and names right as the list is scrolled and grows', async () => {
    await ada.locator('.text-pane').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await eventually(
      () => zoneListItems(cdp),
      (items) => items[0].name.startsWith('Zone 1 (') && items.some((item) => item.textboxes.length > 0),
      10_000,
      'the first zone far, editors in the middle',
    );
    // A zone added at the end by someone else: every item, far or near, says the list is one longer.
    const ben = await devToken(h, 'Ben');
    await changeDocument(h, ben, documentId, (doc) => {
      doc.createZone(zoneAt('z-last', ZONES / PER_PAGE, { x: 60, y: 740, w: 490, h: 30 }, 'The last word'));
    });
    const items = await eventually(
      () => zoneListItems(cdp),
      (items) => items.length === ZONES + 1,
      10_000,
      'the new zone listed',
    );
    const misplaced = items.filter((item, i) => item.posinset !== i + 1 || item.setsize !== ZONES + 1);
    expect(misplaced.slice(0, 3)).toEqual([]);
    expect(items[ZONES].name).toMatch(/^Zone 1501 \(paragraph, page 150\): The last word$/);
  });

  it('makes a far zone the editor, with the caret in it, when it is activated (as a screen reader clicks)', async () => {
    const id = zoneId(1199);
    await ada.locator(`.zone-item[data-zone-id="${id}"]`).evaluate((el) => (el as HTMLElement).click());
    await eventually(
      () => ada.evaluate(() => document.activeElement?.getAttribute('data-zone-id') ?? null),
      (focused) => focused === id,
      5000,
      'its editor focused',
    );
    await expect(
      ada.evaluate(() => (document.activeElement as HTMLTextAreaElement).selectionStart),
    ).resolves.toBe(0);
    const items = await zoneListItems(cdp);
    expect(items[1199].textboxes).toEqual(['Text of zone 1200 (paragraph, page 120)']);
  });
});
