import { isValidRoom, userRoom } from '@syncline/protocol';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, DevTokenIssuer, devUserId, identityFromClaims } from './jwt-authenticator.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const sign = (sub: string, expS: number, secret = SECRET) =>
  new SignJWT({ name: 'Ann' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expS)
    .sign(new TextEncoder().encode(secret));

describe('createJwtVerifier', () => {
  it('verifies HS256 tokens, and a token seen again still expires on time', async () => {
    let now = 1_700_000_000_000;
    const verify = createJwtVerifier({ secret: SECRET, clockToleranceS: 0, now: () => now });
    const token = await sign('ann', now / 1000 + 30);
    const first = await verify(token);
    expect(first).toMatchObject({ userId: 'ann', name: 'Ann', exp: now / 1000 + 30 });
    // Again (from the verified tokens): the same identity, shared and frozen so no connection can change it for
    // the others.
    const again = await verify(token);
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    now += 30_000;
    await expect(verify(token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('refuses a token signed with another secret or altered, even after a good one was verified', async () => {
    const now = 1_700_000_000_000;
    const verify = createJwtVerifier({ secret: SECRET, now: () => now });
    const good = await sign('ann', now / 1000 + 60);
    await verify(good);
    const forged = await sign('ann', now / 1000 + 60, 'another-secret-of-at-least-32-bytes');
    await expect(verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
    const [h, p, s] = good.split('.');
    const altered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verify(altered)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('identityFromClaims', () => {
  it('refuses a user id with U+0000 and drops it from a name or avatar (PostgreSQL text cannot hold it)', () => {
    expect(() => identityFromClaims({ sub: 'ann\u0000' })).toThrow(/no valid sub claim/);
    expect(
      identityFromClaims({ sub: 'ann', name: 'A\u0000nn', picture: 'https://x/\u0000a.png' }),
    ).toMatchObject({
      userId: 'ann',
      name: 'Ann',
      avatar: 'https://x/a.png',
    });
  });

  it('refuses a user id with a lone surrogate and drops them from a name or avatar (PostgreSQL and SQLite read U+FFFD back)', () => {
    for (const sub of ['ann\uD800', '\uDC00ann', 'a\uDE00\uD83D'])
      expect(() => identityFromClaims({ sub }), JSON.stringify(sub)).toThrow(/no valid sub claim/);
    expect(identityFromClaims({ sub: 'ann\uD83D\uDE00' }).userId).toBe('ann\uD83D\uDE00');
    expect(
      identityFromClaims({
        sub: 'ann',
        name: `A\uD800nn${'x'.repeat(123)}\uD83D\uDE00`, // 128 units cut the last pair in two
        picture: 'https://x/\uDFFFa.png',
      }),
    ).toMatchObject({ userId: 'ann', name: `Ann${'x'.repeat(123)}`, avatar: 'https://x/a.png' });
  });

  it('refuses a signed token whose sub holds a lone surrogate (JSON carries it as an escape)', async () => {
    const now = 1_700_000_000_000;
    const verify = createJwtVerifier({ secret: SECRET, now: () => now });
    await expect(verify(await sign('ann\uD800', now / 1000 + 30))).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'token has no valid sub claim',
    });
  });
});

describe('devUserId', () => {
  it('is dev- and the slug of a name spelled in ASCII letters and digits', () => {
    expect(devUserId('Ada')).toBe('dev-ada');
    expect(devUserId('Ada Lovelace')).toBe('dev-ada-lovelace');
    expect(devUserId("O'Brien")).toBe('dev-o-brien');
  });

  it('tells apart people whose names the slug cannot spell whole (they all were dev-user, or Zoë was Zoe)', () => {
    const ids = ['Иван', '李雷', 'Мария', 'Zoë', 'Zoe', 'Zoé', '!!!'].map(devUserId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^dev-user-[0-9a-f]{8}$/);
    expect(ids[3]).toMatch(/^dev-zoe-[0-9a-f]{8}$/);
    expect(ids[4]).toBe('dev-zoe');
    expect(devUserId('Иван')).toBe(ids[0]); // the same name, the same user
    for (const id of ids) expect(isValidRoom(userRoom(id)), id).toBe(true);
  });

  it('is the sub of the tokens the dev issuer makes', async () => {
    const { userId } = await new DevTokenIssuer().issue('  李雷  ');
    expect(userId).toBe(devUserId('李雷'));
  });
});
