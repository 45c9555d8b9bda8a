// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Auth, AuthError, SessionExpired } from './auth.js';

describe('Auth.signIn', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  it('says in words that the server could not be reached, not the browser’s "Failed to fetch"', async () => {
    // What fetch does offline, or with the server down: no answer at all.
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const signIn = Auth.signIn({ kind: 'dev' }, 'Ada');
    await expect(signIn).rejects.toBeInstanceOf(AuthError);
    await expect(signIn).rejects.toThrow(
      'Could not reach the server: check your connection, then try again.',
    );
    const viaProvider = Auth.signIn({ kind: 'provider', url: 'https://id.example/token' });
    await expect(viaProvider).rejects.toThrow(
      'Could not reach the sign-in service: check your connection, then try again.',
    );
    expect(localStorage.length).toBe(0); // nobody signed in
  });
});

/** A token (its signature is not checked here) for `sub`, expiring at `exp` (seconds since the epoch). */
const tokenFor = (sub: string, exp: number) =>
  `x.${btoa(JSON.stringify({ sub, name: sub, exp })).replace(/=+$/, '')}.x`;
const now = () => Math.floor(Date.now() / 1000);

describe('Auth: the session expires', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  it('a token handed over in the URL ends the session when its time is up, and is not used past it', async () => {
    vi.useFakeTimers();
    const auth = await Auth.signIn({ kind: 'fragment', token: tokenFor('dana', now() + 30) });
    const heard: boolean[] = [];
    const off = auth.subscribe(() => heard.push(auth.expired));
    expect(auth.expired).toBe(false);
    await expect(auth.token(true)).resolves.toContain('x.');
    vi.advanceTimersByTime(31_000);
    expect(heard).toEqual([true]);
    expect(auth.expired).toBe(true);
    await expect(auth.token(true)).rejects.toBeInstanceOf(SessionExpired);
    await expect(auth.token()).rejects.toBeInstanceOf(SessionExpired);
    off();
  });

  it('the identity provider refusing a new token, once the last one has expired, ends it; a new token ends that', async () => {
    let answer: () => Promise<Response> = () =>
      Promise.resolve(Response.json({ token: tokenFor('dana', now() + 5) }));
    vi.stubGlobal('fetch', () => answer());
    const auth = await Auth.signIn({ kind: 'provider', url: 'https://id.example/token' });
    const heard: boolean[] = [];
    auth.subscribe(() => heard.push(auth.expired));
    // Unreachable: not an expiry (the connection comes back by itself), while the token lasts and after.
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(auth.token(true)).resolves.toContain('x.');
    // Refused, with a token still valid: that one is used.
    answer = () => Promise.resolve(new Response('{}', { status: 401 }));
    await expect(auth.token(true)).resolves.toContain('x.');
    expect(heard).toEqual([]);
    // Refused once it has expired: the session is over.
    vi.setSystemTime(Date.now() + 10_000);
    await expect(auth.token(true)).rejects.toBeInstanceOf(SessionExpired);
    expect(auth.expired).toBe(true);
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(auth.token(true)).rejects.not.toBeInstanceOf(SessionExpired);
    // Signed in at the provider again (another tab): the next token ends it.
    answer = () => Promise.resolve(Response.json({ token: tokenFor('dana', now() + 3600) }));
    await expect(auth.token(true)).resolves.toContain('x.');
    expect(heard).toEqual([true, false]);
  });
});
