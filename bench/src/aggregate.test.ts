import { describe, expect, it } from 'vitest';
import { aggregate } from './aggregate.js';

describe('aggregate', () => {
  it('returns a single run unchanged', () => {
    const row = { system: 'ws' as const, deliveries_per_s: 5 };
    expect(aggregate([row])).toBe(row);
  });

  it('takes medians of rates, sums loss counters and merges close codes', () => {
    const out = aggregate([
      { system: 'ws', deliveries_per_s: 10, lost: 0, closes: { 1006: 1 } },
      { system: 'ws', deliveries_per_s: 30, lost: 2, closes: {} },
      { system: 'ws', deliveries_per_s: 20, lost: 1, closes: { 1006: 2 } },
    ]);
    expect(out.deliveries_per_s).toBe(20);
    expect(out.lost).toBe(3);
    expect(out.closes).toEqual({ 1006: 3 });
    expect(out.repeats).toBe(3);
  });

  it('aggregates the runs that worked and lists the errors of the others', () => {
    const out = aggregate([
      { system: 'ws', deliveries_per_s: 10 },
      { system: 'ws', error: 'boom' },
    ]);
    expect(out.deliveries_per_s).toBe(10);
    expect(out.errors).toEqual(['boom']);
  });
});
