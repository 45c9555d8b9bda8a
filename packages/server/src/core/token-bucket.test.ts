import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst of `burst` takes at once, then refuses', () => {
    const b = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBeGreaterThan(0);
  });

  it('says how long until the next token is available', () => {
    const b = new TokenBucket(10, 2, 0);
    b.take(0);
    b.take(0);
    expect(b.take(0)).toBe(100); // 10 per second: one token every 100 ms
    expect(b.take(50)).toBe(50);
  });

  it('refills at the sustained rate', () => {
    const b = new TokenBucket(10, 2, 0);
    b.take(0);
    b.take(0);
    expect(b.take(100)).toBe(0);
    expect(b.take(100)).toBe(100);
    expect(b.take(300)).toBe(0);
    expect(b.take(300)).toBe(0);
  });

  it('never holds more than `burst` tokens however long it was idle', () => {
    const b = new TokenBucket(100, 3, 0);
    const at = 3_600_000;
    for (let i = 0; i < 3; i++) expect(b.take(at)).toBe(0);
    expect(b.take(at)).toBe(10);
  });

  it('charges a cost of several tokens and refuses without spending when short', () => {
    const b = new TokenBucket(1, 4, 0);
    expect(b.take(0, 3)).toBe(0);
    expect(b.take(0, 3)).toBe(2000); // one token left, two missing at 1 per second
    expect(b.take(0, 1)).toBe(0); // the refused take spent nothing
  });

  it('ignores a clock that goes backwards', () => {
    const b = new TokenBucket(10, 1, 1000);
    expect(b.take(1000)).toBe(0);
    expect(b.take(500)).toBe(100);
    expect(b.take(1100)).toBe(0);
  });
});
