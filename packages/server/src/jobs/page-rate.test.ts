import { describe, expect, it } from 'vitest';
import { PageRate } from './page-rate.js';

describe('PageRate', () => {
  it('estimates at the measured rate, following recent pages', () => {
    const rate = new PageRate(10);
    expect(rate.estimateMs(20)).toBe(2_000);
    for (let i = 0; i < 50; i++) rate.sample(1, 500); // 2 pages per second lately
    expect(rate.estimateMs(20)).toBeCloseTo(10_000, -2);
  });

  it('estimates at the server’s pace when that is slower than the analysis', () => {
    const rate = new PageRate(10);
    expect(rate.estimateMs(30, 1)).toBe(30_000); // not 3 s at the first guess of 10 pages per second
    expect(rate.estimateMs(30, 20)).toBe(3_000);
    expect(rate.estimateMs(30, 0)).toBe(3_000); // no pace set
  });
});
