import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AFTER_HOLD_MS, NotificationCenter } from './notification-center.js';

describe('NotificationCenter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows, replaces by id, auto-dismisses, and keeps sticky ones', () => {
    const center = new NotificationCenter({ durationMs: 1000, max: 3 });
    const seen: number[] = [];
    const off = center.subscribe(() => seen.push(center.getSnapshot().length));
    const snap = center.getSnapshot();
    expect(center.getSnapshot()).toBe(snap); // stable between changes
    center.notify({ kind: 'error', title: 'A', message: 'a', id: 'x' });
    center.notify({ kind: 'error', title: 'A2', message: 'a2', id: 'x' });
    center.notify({ kind: 'maintenance', title: 'M', message: 'm', sticky: true, id: 'maintenance' });
    expect(center.getSnapshot().map((n) => n.title)).toEqual(['A2', 'M']);
    vi.advanceTimersByTime(1000);
    expect(center.getSnapshot().map((n) => n.title)).toEqual(['M']);
    for (const t of ['1', '2', '3']) center.notify({ kind: 'info', title: t, message: t });
    // Over `max`: the oldest non-sticky goes first.
    expect(center.getSnapshot().map((n) => n.title)).toEqual(['M', '2', '3']);
    center.dismiss('maintenance');
    center.clear();
    expect(center.getSnapshot()).toEqual([]);
    off();
    expect(center.listenerCount).toBe(0);
    expect(seen.length).toBeGreaterThan(3);
    center.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('NotificationCenter.hold', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times no toast out while held; each goes on with the time it had left (at least AFTER_HOLD_MS)', () => {
    const center = new NotificationCenter({ durationMs: 6000 });
    const titles = () => center.getSnapshot().map((n) => n.title);
    center.notify({ kind: 'error', title: 'A', message: 'a' });
    vi.advanceTimersByTime(2000);
    center.notify({ kind: 'info', title: 'B', message: 'b', durationMs: 2500 });
    const release = center.hold();
    const other = center.hold(); // holds nest
    center.notify({ kind: 'info', title: 'C', message: 'c' }); // comes while held: waits too
    vi.advanceTimersByTime(60_000);
    expect(titles()).toEqual(['A', 'B', 'C']);
    release();
    release(); // once only
    vi.advanceTimersByTime(60_000);
    expect(titles()).toEqual(['A', 'B', 'C']);
    other();
    // A had 4 s left, B 2.5 s, C its 6 s.
    vi.advanceTimersByTime(2499);
    expect(titles()).toEqual(['A', 'B', 'C']);
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual(['A', 'C']);
    vi.advanceTimersByTime(1500);
    expect(titles()).toEqual(['C']);
    // Held again when C has a moment left: it still has AFTER_HOLD_MS once let go.
    vi.advanceTimersByTime(1999);
    center.hold()();
    vi.advanceTimersByTime(AFTER_HOLD_MS - 1);
    expect(titles()).toEqual(['C']);
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
