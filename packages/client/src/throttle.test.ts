import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from './throttle.js';

describe('Throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends at most hz values a second, the first at once and the last always', () => {
    const sent: number[] = [];
    const t = new Throttle<number>((v) => sent.push(v), { hz: 30 });
    // 60 Hz input for one second.
    for (let i = 0; i < 60; i++) {
      t.push(i);
      vi.advanceTimersByTime(1000 / 60);
    }
    vi.advanceTimersByTime(100);
    expect(sent[0]).toBe(0);
    expect(sent.at(-1)).toBe(59);
    expect(sent.length).toBeLessThanOrEqual(31);
    expect(sent.length).toBeGreaterThanOrEqual(29);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel drops the pending value and leaves no timer', () => {
    const sent: number[] = [];
    const t = new Throttle<number>((v) => sent.push(v), { hz: 10 });
    t.push(1);
    t.push(2);
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
