import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultClock, defaultTimers } from './environment.js';
import { Outbox } from './outbox.js';

interface Item {
  name: string;
  deadline: number;
}

describe('Outbox', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const make = (maxSize = 3) => {
    const expired: string[] = [];
    const outbox = new Outbox<Item>({
      maxSize,
      timers: defaultTimers,
      clock: defaultClock,
      onExpire: (item) => expired.push(item.name),
    });
    return { outbox, expired };
  };

  it('keeps order and refuses items past its bound', () => {
    const { outbox } = make(2);
    expect(outbox.add({ name: 'a', deadline: 100 })).toBe(true);
    expect(outbox.add({ name: 'b', deadline: 100 })).toBe(true);
    expect(outbox.add({ name: 'c', deadline: 100 })).toBe(false);
    outbox.prepend([{ name: 'z', deadline: 100 }]);
    expect(outbox.drain().map((i) => i.name)).toEqual(['z', 'a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('expires each item at its own deadline with one timer', () => {
    const { outbox, expired } = make();
    outbox.add({ name: 'late', deadline: 300 });
    outbox.add({ name: 'early', deadline: 100 });
    outbox.add({ name: 'mid', deadline: 200 });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['early']);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['early', 'mid']);
    expect(outbox.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['early', 'mid', 'late']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops its timer when emptied', () => {
    const { outbox, expired } = make();
    const item = { name: 'a', deadline: 100 };
    outbox.add(item);
    outbox.remove(item);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual([]);
  });

  it('waits for a deadline further away than setTimeout can wait without firing over and over', () => {
    const armed: number[] = [];
    const outbox = new Outbox<Item>({
      maxSize: 3,
      timers: {
        setTimeout: (fn, ms) => {
          armed.push(ms);
          return defaultTimers.setTimeout(fn, ms);
        },
        clearTimeout: defaultTimers.clearTimeout,
      },
      clock: defaultClock,
      onExpire: () => {},
    });
    outbox.add({ name: 'a', deadline: 30 * 86_400_000 }); // a 30-day TTL
    vi.advanceTimersByTime(1000);
    // Past 2^31 - 1 ms a timer fires at once: it would sweep and re-arm every millisecond.
    expect(armed).toHaveLength(1);
    expect(outbox.size).toBe(1);
    outbox.drain();
  });
});
