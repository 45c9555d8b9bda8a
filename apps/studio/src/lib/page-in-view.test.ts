import { describe, expect, it } from 'vitest';
import { pageInView } from './page-in-view.js';

/** Pages 800 px high with 20 px between them, from 0. */
const edge = (i: number) => ({ top: i * 820, bottom: i * 820 + 800 });

describe('pageInView', () => {
  it('gives the page most in view', () => {
    expect(pageInView(5, edge, { top: 0, bottom: 600 })).toBe(0);
    // The end of page 2 (index 1) and most of page 3.
    expect(pageInView(5, edge, { top: 1500, bottom: 2100 })).toBe(2);
    expect(pageInView(5, edge, { top: 3300, bottom: 3900 })).toBe(4);
  });

  it('gives the selected zone’s page while any of it is in view', () => {
    expect(pageInView(5, edge, { top: 1500, bottom: 2100 }, 1)).toBe(1);
    expect(pageInView(5, edge, { top: 1500, bottom: 2100 }, 3)).toBe(2);
  });

  it('gives the nearest page when none is in view, and the first of none', () => {
    expect(pageInView(5, edge, { top: 805, bottom: 815 })).toBe(1);
    expect(pageInView(5, edge, { top: 9000, bottom: 9600 })).toBe(4);
    expect(pageInView(0, edge, { top: 0, bottom: 600 })).toBe(0);
  });
});
