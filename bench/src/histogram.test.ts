import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';

describe('LatencyHistogram', () => {
  it('reports percentiles in ms with microsecond resolution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordMs(i / 1000); // 1 us .. 1 ms
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50_ms).toBeCloseTo(0.5, 2);
    expect(s.p99_ms).toBeCloseTo(0.99, 2);
    expect(s.max_ms).toBeCloseTo(1, 2);
  });

  it('summarises an empty histogram as zeros', () => {
    expect(new LatencyHistogram().summary().p99_ms).toBe(0);
  });
});
