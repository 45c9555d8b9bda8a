import type { BrowserContext, CDPSession, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { devToken, eventually, StudioHarness } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** A file that passes for a PDF on the way up (it is never processed: its upload is cancelled). */
const pdfLike = (bytes: number) => {
  const b = Buffer.alloc(bytes, 0x20);
  b.write('%PDF-1.7\n');
  return b;
};

/** The names of the documents the server lists for `name` (its answer, not what Studio shows). */
async function listed(h: StudioHarness, name: string): Promise<string[]> {
  const res = await fetch(`${h.url}/api/documents`, {
    headers: { authorization: `Bearer ${await devToken(h, name)}` },
  });
  const { documents } = (await res.json()) as { documents: { name: string }[] };
  return documents.map((d) => d.name);
}

const progressOf = (page: Page) =>
  page
    .getByLabel('Upload progress')
    .getAttribute('value')
    .then(Number)
    .catch(() => -1);
const toast = (page: Page, text: string) => page.locator('.syncline-notification', { hasText: text });
const row = (page: Page, name: string) => page.locator('tr', { hasText: name });

/** Cancelling an upload in progress: the request stops, Studio says so, and no document is left behind. */
describe.runIf(chromiumAvailable)('Studio: cancelling an upload', () => {
  const h = new StudioHarness();
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;

  beforeAll(async () => {
    await h.start();
    context = await h.context();
    page = await h.signIn(context, 'Ada');
    cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
  });

  afterAll(() => h.close());

  it('stops an upload halfway through: the server gets part of the file, makes nothing, and Studio says so', async () => {
    // A slow link: 4 MB at 256 KB/s is still going when Cancel is pressed.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await page.locator('input[type=file]').setInputFiles({
      name: 'halfway.pdf',
      mimeType: 'application/pdf',
      buffer: pdfLike(4 * 1024 * 1024),
    });
    await eventually(
      () => progressOf(page),
      (p) => p > 0 && p < 100,
      15_000,
      'part of the file sent',
    );
    await page.getByRole('button', { name: 'Cancel the upload' }).click();

    await toast(page, 'halfway.pdf was not uploaded.').waitFor();
    await expect(page.getByTestId('upload-status').count()).resolves.toBe(0);
    // The focus is on "Choose a PDF…" again, not lost with the Cancel button.
    await expect(
      page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type),
    ).resolves.toBe('file');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    // An upload after it goes through, and the server lists it alone: the one cut short made nothing.
    await page.locator('input[type=file]').setInputFiles({
      name: 'after.pdf',
      mimeType: 'application/pdf',
      buffer: pdfLike(1024),
    });
    await page.waitForURL(/\/documents\/[^/]+$/);
    await expect(listed(h, 'Ada')).resolves.toEqual(['after.pdf']);
    await page.goBack();
    await row(page, 'after.pdf').waitFor();
    await expect(row(page, 'halfway.pdf').count()).resolves.toBe(0);
  });

  it('cancelled once the whole file has gone: the document the server made is deleted, and the list says so', async () => {
    await page.goto(h.url);
    // The server has the file and makes the document; its answer is held until Cancel is pressed.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = async (route: Route) => {
      if (
        route.request().method() !== 'POST' ||
        route.request().headers()['content-type'] !== 'application/pdf'
      )
        return route.continue();
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    };
    await page.route('**/api/documents', hold);
    await page.locator('input[type=file]').setInputFiles({
      name: 'too late.pdf',
      mimeType: 'application/pdf',
      buffer: pdfLike(1024),
    });
    await eventually(
      () => listed(h, 'Ada'),
      (names) => names.includes('too late.pdf'),
      15_000,
      'made',
    );
    await page.getByRole('button', { name: 'Cancel the upload' }).click();
    release();

    await toast(page, 'too late.pdf was not uploaded.').waitFor();
    await expect(listed(h, 'Ada')).resolves.toEqual(['after.pdf']);
    await expect(row(page, 'too late.pdf').count()).resolves.toBe(0);
    expect(page.url()).toBe(`${h.url}/`);
    await page.unroute('**/api/documents', hold);
  });
});
