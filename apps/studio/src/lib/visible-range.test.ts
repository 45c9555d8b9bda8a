import { describe, expect, it } from 'vitest';
import { rangeIn } from './visible-range.js';

/** Items of these heights, one under the other from 0. */
const stacked = (heights: number[]) => {
  const edges: { top: number; bottom: number }[] = [];
  let y = 0;
  for (const h of heights) {
    edges.push({ top: y, bottom: y + h });
    y += h;
  }
  const read: number[] = [];
  return {
    edge: (i: number) => {
      read.push(i);
      return edges[i];
    },
    read,
  };
};

describe('rangeIn', () => {
  it('gives the items overlapping the band, reading few of them', () => {
    const items = stacked(Array.from({ length: 10_000 }, (_, i) => 50 + (i % 7) * 10));
    const all = Array.from({ length: 10_000 }, (_, i) => items.edge(i));
    items.read.length = 0;
    const { from, to } = rangeIn(10_000, items.edge, 100_000, 101_000);
    const expected = all.flatMap((e, i) => (e.bottom > 100_000 && e.top < 101_000 ? [i] : []));
    expect({ from, to }).toEqual({ from: expected[0], to: expected[expected.length - 1] + 1 });
    expect(items.read.length).toBeLessThan(40);
  });

  it('is empty above or below every item, and whole around them all', () => {
    const { edge } = stacked([10, 10, 10]);
    expect(rangeIn(3, edge, -100, -1)).toEqual({ from: 0, to: 0 });
    expect(rangeIn(3, edge, 30, 100)).toEqual({ from: 3, to: 3 });
    expect(rangeIn(3, edge, -100, 100)).toEqual({ from: 0, to: 3 });
    expect(rangeIn(0, edge, -100, 100)).toEqual({ from: 0, to: 0 });
  });

  it('takes an item touching the band only when it overlaps it', () => {
    const { edge } = stacked([10, 10, 10]);
    expect(rangeIn(3, edge, 10, 20)).toEqual({ from: 1, to: 2 });
    expect(rangeIn(3, edge, 9, 21)).toEqual({ from: 0, to: 3 });
  });
});
