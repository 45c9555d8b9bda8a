import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET } from '../../../../test/integration/helpers.js';
import { needService } from '../../../../test/services.js';
import {
  eventually,
  openDocument,
  pillState,
  StudioHarness,
  waitForDocOpen,
  zoneText,
} from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** A token of the identity provider for `sub`, good for `seconds`. */
const sign = (sub: string, name: string, seconds: number) =>
  new SignJWT({ name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(SECRET));

/** Signs in on `page` with a token handed over in the URL (`#token=`), at `path`. */
async function signInByLink(page: Page, url: string, token: string, path = '/'): Promise<void> {
  await page.goto(`${url}${path}#token=${token}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').or(page.locator('.viewer')).first().waitFor();
}

/**
 * A session that expires while a document is open (a token handed over in the URL: nothing renews it): Studio says so,
 * and says how to go on, instead of "changes will sync when the connection is back" and the connection's codes; what
 * was typed meanwhile is sent once signed in again with a new link.
 */
describe.runIf(chromiumAvailable)('Studio: the session expires', () => {
  const h = new StudioHarness();

  beforeAll(async () => {
    await h.start({ SYNCLINE_JWT_SECRET: SECRET });
  });

  afterAll(() => h.close());

  it('says the session has expired, keeps what is typed meanwhile, and sends it once signed in again', async () => {
    const dana = await (await h.context()).newPage();
    const documentId = 'expiring';
    await signInByLink(dana, h.url, await sign('u-dana', 'Dana', 12));
    await openDocument(dana, h.url, documentId);
    await dana.getByRole('button', { name: 'Add zone' }).click();
    const text = dana.getByLabel(/^Text of zone 1 /);
    await text.fill('Typed before.');

    const expired = dana.getByTestId('session-expired');
    await expired.waitFor({ timeout: 30_000 });
    await expect(expired.textContent()).resolves.toContain(
      'Your session has expired. Open Studio again from a new sign-in link to go on',
    );
    await text.focus();
    await dana.keyboard.press('End');
    await dana.keyboard.type(' Typed after.');
    // The server closes the connection: not "changes will sync when the connection is back" (they will not, by
    // themselves), nor the connection's own codes ("token expired") in a toast.
    await eventually(
      () => pillState(dana),
      (s) => s !== 'open',
      20_000,
      'the connection closed by the server',
    );
    await expect(dana.getByTestId('offline-banner').count()).resolves.toBe(0);
    await expect(dana.locator('[data-notification-id^="client-error:"]').count()).resolves.toBe(0);
    await expect(expired.isVisible()).resolves.toBe(true);

    // A new link: signed in again, on the same document, and what was typed meanwhile goes to the server.
    await signInByLink(dana, h.url, await sign('u-dana', 'Dana', 3600), `/documents/${documentId}`);
    await waitForDocOpen(dana);
    await expect(expired.count()).resolves.toBe(0);
    const ben = await (await h.context()).newPage();
    await signInByLink(ben, h.url, await sign('u-ben', 'Ben', 3600), `/documents/${documentId}`);
    await waitForDocOpen(ben);
    await eventually(
      () => zoneText(ben, 1),
      (t) => t === 'Typed before. Typed after.',
      15_000,
      'what Dana typed while her session had expired, at Ben’s',
    );
  });
});
