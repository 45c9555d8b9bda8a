import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DownloadLinks } from './download-links.js';
import { createJwtVerifier } from './jwt-authenticator.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const T0 = 1_700_000_000_000;

describe('DownloadLinks', () => {
  it('issues a ticket that opens its one file for its user until it expires', async () => {
    let now = T0;
    const links = new DownloadLinks({ secret: SECRET, ttlMs: 60_000, clockToleranceS: 0, now: () => now });
    const { ticket, expiresAt } = await links.issue('olga', 'export:e1');
    expect(expiresAt).toBe(T0 + 60_000);
    expect(await links.verify(ticket, 'export:e1')).toBe('olga');
    now += 59_000;
    expect(await links.verify(ticket, 'export:e1')).toBe('olga');
    now += 1_000;
    await expect(links.verify(ticket, 'export:e1')).rejects.toMatchObject({ code: 'link_expired' });
  });

  it('refuses a ticket for another file, altered, or signed by a node with another secret', async () => {
    const links = new DownloadLinks({ secret: SECRET, now: () => T0 });
    const { ticket } = await links.issue('olga', 'export:e1');
    await expect(links.verify(ticket, 'export:e2')).rejects.toMatchObject({
      code: 'link_invalid',
      message: 'the download link is for another file',
    });
    await expect(links.verify(ticket, 'file:e1')).rejects.toMatchObject({ code: 'link_invalid' });
    const [h, p, s] = ticket.split('.');
    const altered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(links.verify(altered, 'export:e1')).rejects.toMatchObject({ code: 'link_invalid' });
    await expect(links.verify('not-a-ticket', 'export:e1')).rejects.toMatchObject({ code: 'link_invalid' });
    const other = new DownloadLinks({ secret: 'another-secret-of-at-least-32-bytes', now: () => T0 });
    await expect(other.verify(ticket, 'export:e1')).rejects.toMatchObject({ code: 'link_invalid' });
    // Another node with the same secret serves it.
    const sibling = new DownloadLinks({ secret: SECRET, now: () => T0 });
    expect(await sibling.verify(ticket, 'export:e1')).toBe('olga');
  });

  it('keeps tickets and session tokens apart, though both come from the same secret', async () => {
    const links = new DownloadLinks({ secret: SECRET, now: () => T0 });
    const { ticket } = await links.issue('olga', 'export:e1');
    // A ticket is no session token (its key is derived, not the secret itself)...
    const verifyToken = createJwtVerifier({ secret: SECRET, now: () => T0 });
    await expect(verifyToken(ticket)).rejects.toMatchObject({ code: 'unauthorized' });
    // ...and a session token, even one carrying the right claims, is no ticket.
    const token = await new SignJWT({ res: 'export:e1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('olga')
      .setAudience('syncline:download')
      .setExpirationTime(T0 / 1000 + 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(links.verify(token, 'export:e1')).rejects.toMatchObject({ code: 'link_invalid' });
  });

  it('refuses a lifetime under a second', () => {
    expect(() => new DownloadLinks({ secret: SECRET, ttlMs: 500 })).toThrow(/at least 1000/);
  });
});
