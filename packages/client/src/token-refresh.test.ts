import { describe, expect, it } from 'vitest';
import { refreshDelay } from './token-refresh.js';

describe('refreshDelay', () => {
  it('refreshes 30 s before a long-lived token expires', () => {
    expect(refreshDelay(3600, 0)).toBe(3_570_000);
  });

  it('waits 80% of the lifetime of a short-lived token', () => {
    expect(refreshDelay(60, 0)).toBe(48_000);
    expect(refreshDelay(10, 0)).toBe(8000);
  });

  it('refreshes at once when the token already expired', () => {
    expect(refreshDelay(10, 20_000)).toBe(0);
  });
});
