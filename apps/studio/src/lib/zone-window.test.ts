import { describe, expect, it } from 'vitest';
import { ZoneWindow } from './zone-window.js';

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

  it('takes every item for near in a short list', () => {
    const win = new ZoneWindow();
    win.set({ from: 0, to: 10 });
    win.setEverything(true);
    expect(win.has(5000)).toBe(true);
    win.setEverything(false);
    expect(win.has(5000)).toBe(false);
  });
});
