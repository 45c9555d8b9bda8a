import { describe, expect, it } from 'vitest';
import { groupedRange, TextHeights, ZoneWindow } from './zone-window.js';

describe('ZoneWindow', () => {
  it('says which items are near, and tells its subscribers only when that changes', () => {
    const win = new ZoneWindow();
    let calls = 0;
    const off = win.subscribe(() => calls++);
    expect(win.has(0)).toBe(false);
    win.set({ from: 10, to: 20 });
    expect([9, 10, 19, 20].map((i) => win.has(i))).toEqual([false, true, true, false]);
    win.set({ from: 10, to: 20 });
    expect(calls).toBe(1);
    off();
    win.set({ from: 0, to: 5 });
    expect(calls).toBe(1);
  });

  it('keeps the focused item and its neighbours near, wherever the range is', () => {
    const win = new ZoneWindow();
    let calls = 0;
    win.subscribe(() => calls++);
    win.set({ from: 0, to: 10 });
    win.focus(500);
    expect([498, 499, 500, 501, 502].map((i) => win.has(i))).toEqual([false, true, true, true, false]);
    expect(win.focusedIndex).toBe(500);
    win.focus(500);
    expect(calls).toBe(2);
    win.focus(null);
    expect(win.has(500)).toBe(false);
    expect(win.has(5)).toBe(true);
  });

  it('tells the count of items to each subscriber at once and at each change, not again when it stays', () => {
    const win = new ZoneWindow();
    const seen: number[] = [];
    const off = win.onCount((n) => seen.push(n));
    win.setCount(1500);
    win.setCount(1500);
    win.setCount(1501);
    expect(seen).toEqual([0, 1500, 1501]);
    expect(win.count).toBe(1501);
    off();
    win.setCount(3);
    expect(seen).toEqual([0, 1500, 1501]);
  });

  it('takes every item for near in a short list', () => {
    const win = new ZoneWindow();
    win.set({ from: 0, to: 10 });
    win.setEverything(true);
    expect(win.has(5000)).toBe(true);
    win.setEverything(false);
    expect(win.has(5000)).toBe(false);
  });
});

/** Groups of items of height 10, one under the other from 0 with no gap: `sizes` items in each; the boxes read. */
const groupsOf = (sizes: number[]) => {
  const read: string[] = [];
  let y = 0;
  const groups = sizes.map((n, g) => {
    const top = y;
    const children = Array.from({ length: n }, (_, i) => {
      const at = y + i * 10;
      return {
        getBoundingClientRect: () => {
          read.push(`${g}.${i}`);
          return { top: at, bottom: at + 10 };
        },
      };
    });
    y += n * 10;
    const bottom = y;
    return {
      children,
      getBoundingClientRect: () => {
        read.push(`${g}`);
        return { top, bottom };
      },
    };
  });
  return { groups, read };
};

describe('groupedRange', () => {
  it('gives the items overlapping the band, counted through every group', () => {
    const { groups } = groupsOf([4, 4, 4]); // items 0..11 at 0, 10, ..., 110
    expect(groupedRange(groups, 25, 55)).toEqual({ from: 2, to: 6 }); // items at 20..50
    expect(groupedRange(groups, 0, 120)).toEqual({ from: 0, to: 12 });
    expect(groupedRange(groups, 85, 86)).toEqual({ from: 8, to: 9 });
    expect(groupedRange(groups, 40, 80)).toEqual({ from: 4, to: 8 }); // the middle group exactly
  });

  it('is empty above, below and between, and with no groups', () => {
    const { groups } = groupsOf([3, 3]);
    expect(groupedRange(groups, -50, -1)).toEqual({ from: 0, to: 0 });
    expect(groupedRange(groups, 60, 100)).toEqual({ from: 6, to: 6 });
    expect(groupedRange([], 0, 100)).toEqual({ from: 0, to: 0 });
  });

  it('reads the boxes of the groups and of the items of the first and last overlapping only', () => {
    const { groups, read } = groupsOf(Array(50).fill(40)); // 2000 items
    expect(groupedRange(groups, 10_005, 10_405)).toEqual({ from: 1000, to: 1041 });
    const items = read.filter((r) => r.includes('.'));
    expect(new Set(items.map((r) => r.split('.')[0]))).toEqual(new Set(['25', '26']));
    expect(read.length).toBeLessThan(40);
  });
});

describe('TextHeights', () => {
  it("remembers a text box's dragged height per document and zone, and forgets one not dragged", () => {
    const heights = new TextHeights();
    heights.set('doc', 'z1', '240px');
    expect(heights.get('doc', 'z1')).toBe('240px');
    expect(heights.get('other', 'z1')).toBeUndefined();
    expect(heights.get('doc', 'z2')).toBeUndefined();
    heights.set('doc', 'z1', '');
    expect(heights.get('doc', 'z1')).toBeUndefined();
  });
});
