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

  it('while values come faster than hz, sends the value just pushed, never one held from an earlier push', () => {
    const sent: { value: number; at: number }[] = [];
    const t = new Throttle<number>((v) => sent.push({ value: v, at: Date.now() }), { hz: 30 });
    const start = Date.now();
    // 60 Hz input with up to 1 ms of jitter either way, for one second.
    const jitter = [0, 0.6, -0.8, 0.3, -0.2, 1, -1, 0.4];
    let now = 0;
    for (let i = 0; i < 60; i++) {
      const at = Math.max(now, (i * 1000) / 60 + jitter[i % jitter.length]);
      vi.advanceTimersByTime(at - now);
      now = at;
      t.push(start + at);
    }
    const live = sent.filter((s) => s.at - start <= now);
    expect(live.length).toBeGreaterThanOrEqual(28);
    // Each value went out the moment it was pushed.
    for (const s of live) expect(s.at - s.value).toBeLessThan(1.5);
    // Never faster than 30 a second.
    for (let i = 1; i < sent.length; i++)
      expect(sent[i].at - sent[i - 1].at).toBeGreaterThanOrEqual(1000 / 30 - 1);
    // The final value goes out, within two intervals of the previous send.
    vi.advanceTimersByTime(100);
    expect(sent.at(-1)?.value).toBe(start + now);
    expect(sent.at(-1)!.at - sent.at(-2)!.at).toBeLessThanOrEqual((2 * 1000) / 30 + 1);
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
