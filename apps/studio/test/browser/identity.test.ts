import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Cleanup, createClient, SECRET, whenOpen, wsUrl } from '../../../../test/integration/helpers.js';
import { needService } from '../../../../test/services.js';
import { openDocument, StudioHarness, screenshot } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

const sign = (sub: string, name: string, roles: string[] = []) =>
  new SignJWT({ name, roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

/** With a configured secret: sign-in with the identity provider's token, and a maintenance announcement. */
describe.runIf(chromiumAvailable)('Studio: tokens from an identity provider, maintenance', () => {
  const h = new StudioHarness();
  const cleanup = new Cleanup();
  let page: Page;

  beforeAll(async () => {
    await h.start({ SYNCLINE_JWT_SECRET: SECRET });
  });

  afterAll(async () => {
    await cleanup.run();
    await h.close();
  });

  it('signs in with a token handed over in the URL fragment', async () => {
    const context = await h.context();
    page = await context.newPage();
    await page.goto(`${h.url}/#token=${await sign('u-dana', 'Dana')}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
    await page.getByText('Dana', { exact: true }).first().waitFor();
    // A document of hers (made through the API with her token), opened.
    await openDocument(page, h.url, `idp-${Date.now().toString(36)}`);
  });

  it('shows the maintenance banner when an admin announces maintenance', async () => {
    const admin = createClient(cleanup, {
      url: wsUrl(h.port),
      token: () => sign('u-admin', 'Admin', ['admin']),
    });
    await whenOpen(admin);
    await admin.publish('system', 'maintenance_mode', { enabled: true, message: 'Upgrade at 23:00 UTC' });
    await page.getByRole('status').filter({ hasText: 'Upgrade at 23:00 UTC' }).waitFor();
    await screenshot(page, 'maintenance');
    await admin.publish('system', 'maintenance_mode', { enabled: false });
    await page.getByRole('status').filter({ hasText: 'Upgrade at 23:00 UTC' }).waitFor({ state: 'detached' });
  });
});
