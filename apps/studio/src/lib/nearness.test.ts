// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Nearness, watchNearness } from './nearness.js';

/** Frames asked for, run by `frame()`. */
let frames: FrameRequestCallback[] = [];
const frame = () => {
  const run = frames;
  frames = [];
  for (const f of run) f(0);
};

/** A pane 100 px high, scrolled to `scroll.top`, of pages 100 px high one under the other. */
const scroll = { top: 0 };
function pane(pages: number) {
  const root = document.createElement('div');
  const list = document.createElement('div');
  root.append(list);
  document.body.append(root);
  root.getBoundingClientRect = () => DOMRect.fromRect({ x: 0, y: 0, width: 100, height: 100 });
  const els = Array.from({ length: pages }, (_, i) => {
    const el = document.createElement('section');
    el.getBoundingClientRect = () =>
      DOMRect.fromRect({ x: 0, y: i * 100 - scroll.top, width: 100, height: 100 });
    list.append(el);
    return el;
  });
  return { root, els };
}

beforeEach(() => {
  vi.stubGlobal('requestAnimationFrame', (f: FrameRequestCallback) => frames.push(f));
  vi.stubGlobal('cancelAnimationFrame', () => {});
  scroll.top = 0;
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
  frames = [];
});

describe('watchNearness', () => {
  it('says how near each page is, once a frame, and again when the pane scrolls', () => {
    const { root, els } = pane(20);
    const seen = new Map<number, Nearness>();
    const offs = els.map((el, i) => watchNearness(el, root, (n) => seen.set(i, n)));
    expect(seen.size).toBe(0);
    frame();
    // On screen: page 0; within a pane's height: page 1; within three: pages 2 and 3.
    expect([0, 1, 2, 3, 4].map((i) => seen.get(i))).toEqual(['near', 'near', 'kept', 'kept', 'far']);
    expect(seen.get(19)).toBe('far');
    scroll.top = 1000;
    root.dispatchEvent(new Event('scroll'));
    frame();
    expect([6, 7, 8, 9, 10, 11, 12, 13, 14].map((i) => seen.get(i))).toEqual([
      'far',
      'kept',
      'kept',
      'near',
      'near',
      'near',
      'kept',
      'kept',
      'far',
    ]);
    expect([0, 1].map((i) => seen.get(i))).toEqual(['far', 'far']);
    for (const off of offs) off();
  });

  it('keeps pages in document order whatever order they are watched in', () => {
    const { root, els } = pane(6);
    const seen = new Map<number, Nearness>();
    const offs = [5, 2, 0, 4, 1, 3].map((i) => watchNearness(els[i], root, (n) => seen.set(i, n)));
    frame();
    expect([0, 1, 2, 3, 4, 5].map((i) => seen.get(i))).toEqual([
      'near',
      'near',
      'kept',
      'kept',
      'far',
      'far',
    ]);
    for (const off of offs) off();
  });

  it('stops measuring once nothing is watched', () => {
    const { root, els } = pane(2);
    const off = watchNearness(els[0], root, () => {});
    frame();
    off();
    root.dispatchEvent(new Event('scroll'));
    expect(frames).toHaveLength(0);
  });
});
