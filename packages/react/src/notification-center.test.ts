import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationCenter } from './notification-center.js';

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
