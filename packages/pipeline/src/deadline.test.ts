import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

const after = <T>(ms: number, v: T) => new Promise<T>((resolve) => setTimeout(() => resolve(v), ms));

describe('withDeadline', () => {
  it('takes a timeout too long for a timer (Infinity, or beyond 24.8 days) as no timeout', async () => {
    // Node fires a timer of more than 2^31 - 1 ms after 1 ms instead: every page would have timed out at once.
    const timedOut = () => new Error('timed out');
    await expect(
      withDeadline(after(30, 'done'), Number.POSITIVE_INFINITY, undefined, timedOut),
    ).resolves.toBe('done');
    await expect(withDeadline(after(30, 'done'), 2 ** 40, undefined, timedOut)).resolves.toBe('done');
    await expect(withDeadline(after(30, 'done'), 5, undefined, timedOut)).rejects.toThrow('timed out');
  });
});
