// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Auth, AuthError } from './auth.js';

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
