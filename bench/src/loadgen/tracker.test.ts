import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from './tracker.js';

describe('DeliveryTracker', () => {
  it('counts every subscriber x event once and reports the rest as lost', () => {
    const t = new DeliveryTracker(2, 3);
    t.record(0, 0, 0, 1);
    t.record(0, 1, 0, 1);
    t.record(1, 2, 0, 5);
    expect(t.unique).toBe(3);
    expect(t.lost).toBe(3);
    expect(t.complete).toBe(false);
    expect(t.lastDeliveryAt).toBe(5);
  });

  it('counts duplicates and out-of-order deliveries without counting them as delivered', () => {
    const t = new DeliveryTracker(1, 3);
    t.record(0, 1, 0, 1);
    t.record(0, 1, 0, 2);
    t.record(0, 0, 0, 3);
    t.record(0, 2, 0, 4);
    expect(t.unique).toBe(3);
    expect(t.duplicated).toBe(1);
    expect(t.reordered).toBe(1);
    expect(t.complete).toBe(true);
  });

  it('times deliveries from the intended send time, skipping warm-up events', () => {
    const t = new DeliveryTracker(1, 3, 1);
    t.record(0, 0, 0, 100);
    t.record(0, 1, 10, 12);
    t.record(0, 2, 20, 23);
    const s = t.latency().summary();
    expect(s.count).toBe(2);
    expect(s.max_ms).toBeCloseTo(3, 2);
  });

  it('flags payloads that are not events of the run', () => {
    const t = new DeliveryTracker(1, 2);
    t.record(0, 5, 0, 1);
    t.record(0, 1.5, 0, 1);
    expect(t.unexpected).toBe(2);
    expect(t.unique).toBe(0);
  });
});
