import { describe, expect, it } from 'vitest';
import type { Identity } from '../core/identity.js';
import { VerifiedTokens } from './verified-tokens.js';

const who = (userId: string, exp?: number): Identity => ({ userId, roles: [], claims: {}, exp });

describe('VerifiedTokens', () => {
  it('keeps a verified token for maxAgeMs, and never past its exp', () => {
    let now = 1_000_000;
    const cache = new VerifiedTokens(() => now, 60_000, 100);
    cache.set('a', who('ann'));
    cache.set('b', who('bob', (now + 10_000) / 1000));
    now += 9_999;
    expect(cache.get('a')?.userId).toBe('ann');
    expect(cache.get('b')?.userId).toBe('bob');
    now += 1;
    expect(cache.get('b')).toBeUndefined();
    now += 50_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep a token that has already expired', () => {
    const now = 1_000_000;
    const cache = new VerifiedTokens(() => now);
    cache.set('old', who('ann', now / 1000));
    expect(cache.get('old')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets the least recently verified token beyond max', () => {
    const cache = new VerifiedTokens(() => 0, 60_000, 2);
    cache.set('a', who('ann'));
    cache.set('b', who('bob'));
    cache.set('a', who('ann')); // verified again: now the newest
    cache.set('c', who('cid'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.userId).toBe('ann');
    expect(cache.get('c')?.userId).toBe('cid');
  });
});
