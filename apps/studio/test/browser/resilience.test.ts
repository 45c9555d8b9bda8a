import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import {
  eventually,
  openDocument,
  pillState,
  StudioHarness,
  screenshot,
  waitForDocOpen,
  zoneText,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** Studio through a server restart and a user going offline (and reloading the page meanwhile). */
describe.runIf(chromiumAvailable)('Studio: restarts and offline editing', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;
  let benContext: BrowserContext;
  const documentId = `resilience-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await h.start();
    benContext = await h.context();
    [ada, ben] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.signIn(benContext, 'Ben'),
    ]);
    await openDocument(ada, h.url, documentId);
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await openDocument(ben, h.url, documentId);
    await ben.getByLabel(/^Text of zone 2 /).waitFor();
  });

  afterAll(() => h.close());

  it('shows reconnecting, then connected, across a server restart, and loses no edit', async () => {
    const a = ada.getByLabel(/^Text of zone 1 /);
    const b = ben.getByLabel(/^Text of zone 2 /);
    await a.focus();
    await ada.keyboard.type('before ');
    await b.focus();
    await ben.keyboard.type('ben before ');
    await eventually(
      () => zoneText(ada, 2),
      (t) => t === 'ben before ',
      5000,
      'Ben → Ada',
    );

    const stopped = h.stopServer();
    // Both keep typing while the server goes down and comes back.
    await Promise.all([
      ada.keyboard.type('during ', { delay: 20 }),
      ben.keyboard.type('ben during ', { delay: 20 }),
    ]);
    await stopped;
    for (const page of [ada, ben]) {
      await eventually(
        () => pillState(page),
        (s) => s === 'reconnecting',
        10_000,
        'reconnecting',
      );
    }
    await expect(ada.locator('.syncline-connection-status__label').textContent()).resolves.toMatch(
      /Reconnecting/,
    );
    await ada.getByTestId('offline-banner').waitFor();
    await screenshot(ada, 'reconnecting');
    await ada.keyboard.type('after');
    await h.startServer();
    for (const page of [ada, ben]) {
      // "Retry now" skips what is left of the backoff.
      const retry = page.getByRole('button', { name: 'Retry now' });
      if (await retry.isVisible()) await retry.click().catch(() => {});
      await eventually(
        () => pillState(page),
        (s) => s === 'open',
        20_000,
        'connected again',
      );
    }
    const expected = ['before during after', 'ben before ben during '];
    for (const page of [ada, ben]) {
      await eventually(
        async () => [await zoneText(page, 1), await zoneText(page, 2)],
        ([one, two]) => one === expected[0] && two === expected[1],
        15_000,
        'every edit after the restart',
      );
    }
  });

  it("sends Ben's offline edits, kept across a reload, to Ada once he is back online", async () => {
    // The app shell must be cached (service worker) before the page can be reloaded offline.
    await ben.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, {
      timeout: 10_000,
    });
    await benContext.setOffline(true);
    await eventually(
      () => pillState(ben),
      (s) => s === 'offline',
      10_000,
      'offline',
    );
    await ben.getByTestId('offline-banner').filter({ hasText: 'changes will sync' }).waitFor();
    const b = ben.getByLabel(/^Text of zone 2 /);
    await b.focus();
    await ben.keyboard.press('End');
    await ben.keyboard.type('written offline');
    await ben.getByTestId('offline-banner').filter({ hasText: 'waiting' }).waitFor();
    await screenshot(ben, 'offline');
    await ben.waitForTimeout(300); // let the edit reach IndexedDB
    await ben.reload();
    await eventually(
      () => zoneText(ben, 2),
      (t) => t.endsWith('written offline'),
      10_000,
      'edit restored offline',
    );
    expect(await zoneText(ada, 2)).not.toContain('written offline');
    await benContext.setOffline(false);
    await waitForDocOpen(ben, 20_000);
    await eventually(
      () => zoneText(ada, 2),
      (t) => t === 'ben before ben during written offline',
      20_000,
      "Ben's offline edit at Ada's",
    );
    await ben.getByTestId('offline-banner').waitFor({ state: 'detached' });
  });
});
