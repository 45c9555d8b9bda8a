import { describe, expect, it } from 'vitest';
import { mapLimit } from './pool.js';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit(20, 3, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await Promise.resolve();
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(3);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('returns failures as errors without stopping the rest', async () => {
    const out = await mapLimit(3, 2, async (i) => {
      if (i === 1) throw new Error('boom');
      return i;
    });
    expect(out[0]).toBe(0);
    expect(out[1]).toBeInstanceOf(Error);
    expect(out[2]).toBe(2);
  });
});
