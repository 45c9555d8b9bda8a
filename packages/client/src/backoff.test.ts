import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, RetryTimer } from './backoff.js';
import { defaultClock, defaultTimers } from './environment.js';

describe('backoffDelay', () => {
  it('doubles the ceiling each try up to the cap', () => {
    const top = (tries: number) => backoffDelay(tries, DEFAULT_BACKOFF, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(top)).toEqual([
      999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999,
    ]);
  });

  it('draws the whole window [0, ceiling) (full jitter)', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(4000);
    let seed = 42;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let tries = 0; tries < 12; tries++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** tries);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(tries, DEFAULT_BACKOFF, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });
});

describe('RetryTimer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  const make = (callback: () => void, maxAttempts = 3) =>
    new RetryTimer(callback, {
      ...DEFAULT_BACKOFF,
      maxAttempts,
      random: () => 0.5,
      timers: defaultTimers,
      clock: defaultClock,
    });

  it('fires after the jittered delay and counts tries', () => {
    const fn = vi.fn();
    const retry = make(fn);
    expect(retry.scheduleTimeout()).toBe(1_000_500);
    vi.advanceTimersByTime(499);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(retry.tries).toBe(1);
    expect(retry.scheduleTimeout()).toBe(1_000_500 + 1000);
  });

  it('gives up after maxAttempts and starts over after reset()', () => {
    const retry = make(() => {}, 2);
    retry.scheduleTimeout();
    vi.runAllTimers();
    retry.scheduleTimeout();
    vi.runAllTimers();
    expect(retry.scheduleTimeout()).toBeUndefined();
    retry.reset();
    expect(retry.scheduleTimeout()).toBeDefined();
    retry.reset();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours a minimum delay (a server hint)', () => {
    const retry = make(() => {});
    expect(retry.scheduleTimeout(5000)).toBe(1_005_000);
    retry.cancel();
  });

  it('runNow() runs the pending try at once; only one timer is ever armed', () => {
    const fn = vi.fn();
    const retry = make(fn);
    retry.scheduleTimeout();
    retry.scheduleTimeout();
    expect(vi.getTimerCount()).toBe(1);
    retry.runNow();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(retry.pending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
