import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeLargePdf } from '../../../../packages/pipeline/src/testing/make-pdf.js';
import { needService } from '../../../../test/services.js';
import {
  eventually,
  openDocument,
  StudioHarness,
  uploadPdf,
  waitForDocOpen,
  zoneText,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/**
 * What this browser keeps of document `documentId` for the signed-in user (the client's IndexedDB records, newest
 * first, read without creating the database): each record's version and how many edits are unconfirmed.
 */
function keptRecords(page: Page, documentId: string) {
  return page.evaluate(async (id) => {
    const userId = document.querySelector('.footer code')?.textContent ?? '';
    const name = `syncline-studio-${encodeURIComponent(userId)}`;
    if (!(await indexedDB.databases()).some((d) => d.name === name)) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('documents')) return [];
      // One record per document client (key `[documentId, clientKey]`), and the snapshots stored apart from them
      // (key `[documentId, clientKey, 'snapshot', version]`, `kind: 'snapshot'`).
      const rows = await new Promise<{ kind?: string; savedAt: number }[]>((resolve, reject) => {
        const req = db
          .transaction('documents')
          .objectStore('documents')
          .getAll(IDBKeyRange.bound([id], [id, []]));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      return rows
        .filter((row) => row.kind !== 'snapshot')
        .sort((a, b) => b.savedAt - a.savedAt)
        .map((record) => {
          const r = record as unknown as { version: number; opIds: string[] };
          return { version: r.version, unconfirmed: r.opIds.length };
        });
    } finally {
      db.close();
    }
  }, documentId);
}

/** The newest of `keptRecords`, or null. */
const keptRecord = async (page: Page, documentId: string) => (await keptRecords(page, documentId))[0] ?? null;

/** A document Ada had open, all her edits confirmed, shows after a reload offline and takes new zones and text. */
describe.runIf(chromiumAvailable)('Studio: a document opened before, reloaded offline', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let ada: Page;
  const documentId = `kept-${Date.now().toString(36)}`;

  let ben: Page | undefined;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    ada = await h.signIn(context, 'Ada');
  });

  afterAll(() => h.close());
  afterEach(() => context.setOffline(false));

  it('shows it at once from the copy this browser kept, lets Ada add a zone and type, and sends them once back online', async () => {
    await openDocument(ada, h.url, documentId);
    await ada.getByRole('button', { name: 'Add zone' }).click();
    const one = ada.getByLabel(/^Text of zone 1 /);
    await one.focus();
    await ada.keyboard.type('kept online');
    // Confirmed, then kept (a coalesced save, within seconds) with nothing unconfirmed, at the version the page shows:
    // only Ada edits, so at that version everything she typed is confirmed.
    await eventually(
      async () => ({
        record: await keptRecord(ada, documentId),
        version: Number(await ada.locator('.viewer').getAttribute('data-version')),
      }),
      ({ record, version }) => record !== null && record.unconfirmed === 0 && record.version === version,
      20_000,
      'the confirmed document kept',
    );
    // The app shell must be cached (service worker) before the page can be reloaded offline.
    // Registered and active: a reload goes through it (whether or not this page is controlled yet: a page loaded
    // while the worker was activating may never be, and its reload is still served by it).
    await ada.waitForFunction(
      async () => (await navigator.serviceWorker?.getRegistration())?.active?.state === 'activated',
      undefined,
      { timeout: 30_000, polling: 250 },
    );

    await context.setOffline(true);
    await ada.reload();
    await eventually(
      () => zoneText(ada, 1),
      (t) => t === 'kept online',
      10_000,
      'the document shown offline',
    );
    await ada.locator('.viewer[data-restored][data-doc-status="opening"]').waitFor();
    await ada.getByTestId('restored-note').waitFor();
    await ada.getByTestId('offline-banner').waitFor();
    const add = ada.getByRole('button', { name: 'Add zone' });
    await expect(add.isEnabled()).resolves.toBe(true);
    await expect(ada.getByRole('button', { name: 'Draw zone' }).isEnabled()).resolves.toBe(true);
    await add.click();
    const two = ada.getByLabel(/^Text of zone 2 /);
    await two.focus();
    await ada.keyboard.type('added offline');
    await ada.getByTestId('offline-banner').filter({ hasText: 'waiting' }).waitFor();

    await context.setOffline(false);
    await waitForDocOpen(ada, 20_000);
    await ada.getByTestId('offline-banner').waitFor({ state: 'detached' });
    await ada.getByTestId('restored-note').waitFor({ state: 'detached' });
    // On the server: Ben, in another browser, sees both zones.
    ben = await h.signIn(await h.context(), 'Ben');
    await openDocument(ben, h.url, documentId);
    await eventually(
      async () => [await zoneText(ben as Page, 1), await zoneText(ben as Page, 2)],
      ([a, b]) => a === 'kept online' && b === 'added offline',
      15_000,
      "Ada's offline zone at Ben's",
    );
  });

  it('keeps the edits of two tabs that typed offline and were closed, and sends both from the next tab', async () => {
    const { id, one, two } = await twoTabsTypedOffline(context, h.url, 'tabs', [
      'from tab one',
      'from tab two',
    ]);
    await one.close();
    await two.close();

    await context.setOffline(false);
    const next = await context.newPage();
    await openDocument(next, h.url, id);
    await seenByBen(h, ben, id, ['from tab one', 'from tab two']);
    await eventually(
      () => keptRecords(next, id),
      (records) => records.every((r) => r.unconfirmed === 0),
      15_000,
      'nothing left unconfirmed',
    );
    await next.close();
  });

  it('sends, from a tab still open, the edits of another tab that was closed offline', () =>
    tabClosedOffline(h, context, () => ben));

  it('names who last changed each zone offline too: people by the names heard before, the pipeline as "Pipeline"', async () => {
    await ada.goto(h.url);
    const url = await uploadPdf(ada, 'named.pdf', (await makeLargePdf(1)).bytes);
    const id = decodeURIComponent(url.split('/').pop() ?? '');
    await waitForDocOpen(ada);
    const changed = (page: Page) => page.locator('.zone-item .zone-changed').allTextContents();
    await eventually(
      () => changed(ada),
      (t) => t.length >= 2 && t.every((c) => c.startsWith('changed by Pipeline · ')),
      30_000,
      'the zones the pipeline found',
    );
    // Ben, in the document with Ada, changes the text of zone 1.
    const viewer = ben ?? (await h.signIn(await h.context(), 'Ben'));
    await viewer.goto(url);
    await waitForDocOpen(viewer);
    await viewer.getByLabel(/^Text of zone 1 /).focus();
    await viewer.keyboard.type(' (checked)');
    await eventually(
      () => changed(ada),
      (t) => t[0]?.startsWith('changed by Ben · ') === true,
      10_000,
      "Ben's change at Ada's",
    );
    await viewer.goto(h.url); // he leaves
    await eventually(
      async () => ({
        record: await keptRecord(ada, id),
        version: Number(await ada.locator('.viewer').getAttribute('data-version')),
      }),
      ({ record, version }) => record !== null && record.unconfirmed === 0 && record.version === version,
      20_000,
      'the confirmed document kept',
    );

    // Offline, after a reload: nobody is here to name them, and the server cannot be asked.
    await context.setOffline(true);
    await ada.reload();
    await eventually(
      () => changed(ada),
      (t) => t.length >= 2,
      10_000,
      'the document shown offline',
    );
    const offline = await changed(ada);
    expect(offline[0]).toMatch(/^changed by Ben · /);
    expect(offline.slice(1).every((c) => c.startsWith('changed by Pipeline · '))).toBe(true);
    expect(offline.join()).not.toMatch(/system:|dev-/);
  });
});

/**
 * Two tabs of Ada type offline; one is closed; back online, the tab still open sends the closed one's edits (its
 * record taken over as that tab's claim goes), and Ben sees both.
 */
async function tabClosedOffline(h: StudioHarness, context: BrowserContext, viewerOf: () => Page | undefined) {
  const { id, one, two } = await twoTabsTypedOffline(context, h.url, 'tab-left', [
    'still open',
    'closed offline',
  ]);
  await two.close(); // its Web Lock goes with it: tab one takes its record over

  await context.setOffline(false);
  await seenByBen(h, viewerOf(), id, ['still open', 'closed offline']);
  await one.close();
}

/** The same over plain HTTP (a name other than 127.0.0.1): no Web Locks, so tabs claim records over a BroadcastChannel. */
describe.runIf(chromiumAvailable)('Studio over plain HTTP: tabs without Web Locks', () => {
  const h = new StudioHarness('studio.test');
  let context: BrowserContext;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    await h.signIn(context, 'Ada');
  });

  afterAll(() => h.close());
  afterEach(() => context.setOffline(false));

  it('sends, from a tab still open, the edits of another tab that was closed offline', async () => {
    const probe = await context.newPage();
    await probe.goto(h.url);
    await expect(probe.evaluate(() => [window.isSecureContext, 'locks' in navigator])).resolves.toEqual([
      false,
      false,
    ]);
    await probe.close();
    await tabClosedOffline(h, context, () => undefined);
  });
});

/**
 * A new document with two zones, open in two tabs of Ada's; offline, tab one types `texts[0]` into zone 1 and tab two
 * `texts[1]` into zone 2, and each tab's record holds its edit (one record per tab: neither save replaced the other).
 */
async function twoTabsTypedOffline(
  context: BrowserContext,
  url: string,
  prefix: string,
  texts: [string, string],
) {
  const id = `${prefix}-${Date.now().toString(36)}`;
  const one = await context.newPage();
  await openDocument(one, url, id);
  await one.getByRole('button', { name: 'Add zone' }).click();
  await one.getByRole('button', { name: 'Add zone' }).click();
  const two = await context.newPage();
  await openDocument(two, url, id);
  await two.getByLabel(/^Text of zone 2 /).waitFor();
  await context.setOffline(true);
  await one.getByLabel(/^Text of zone 1 /).focus();
  await one.keyboard.type(texts[0]);
  await two.getByLabel(/^Text of zone 2 /).focus();
  await two.keyboard.type(texts[1]);
  await eventually(
    () => keptRecords(one, id),
    (records) => records.filter((r) => r.unconfirmed > 0).length === 2,
    20_000,
    "both tabs' edits kept",
  );
  return { id, one, two };
}

/** Ben (`viewer`, or signed in now in a browser of his own) sees `texts` in zones 1 and 2 of document `id`. */
async function seenByBen(h: StudioHarness, viewer: Page | undefined, id: string, texts: [string, string]) {
  const ben = viewer ?? (await h.signIn(await h.context(), 'Ben'));
  await openDocument(ben, h.url, id);
  await eventually(
    async () => [await zoneText(ben, 1), await zoneText(ben, 2)],
    ([a, b]) => a === texts[0] && b === texts[1],
    15_000,
    "both tabs' offline edits at Ben's",
  );
}
