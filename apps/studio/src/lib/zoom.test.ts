import { describe, expect, it } from 'vitest';
import { FIT_MAX, FIT_MIN, fitZoom, stepZoom, ZOOMS } from './zoom.js';

describe('stepZoom', () => {
  it('moves one step from a zoom that is a step', () => {
    expect(stepZoom(1, 1)).toBe(1.25);
    expect(stepZoom(1, -1)).toBe(0.75);
    expect(stepZoom(0.5, -1)).toBe(0.5);
    expect(stepZoom(3, 1)).toBe(3);
  });

  it('goes to the nearest step in the direction asked from a fitted zoom between two steps', () => {
    // "Fit" gave 120 %: Zoom in is 125 % (not 150 %), Zoom out 100 %.
    expect(stepZoom(1.2, 1)).toBe(1.25);
    expect(stepZoom(1.2, -1)).toBe(1);
    // A phone's fit, 58 %: 75 % and 50 %.
    expect(stepZoom(0.58, 1)).toBe(0.75);
    expect(stepZoom(0.58, -1)).toBe(0.5);
  });

  it('comes back into the steps from a fitted zoom outside them', () => {
    expect(stepZoom(0.3, 1)).toBe(0.5);
    expect(stepZoom(0.3, -1)).toBe(0.5);
    expect(stepZoom(3.5, -1)).toBe(3);
    expect(stepZoom(3.5, 1)).toBe(3);
  });

  it('never skips a step pressing Zoom in from the smallest fit to the largest', () => {
    const seen: number[] = [];
    for (let z = 0.3; z < 3; ) {
      z = stepZoom(z, 1);
      seen.push(z);
    }
    expect(seen).toEqual(ZOOMS);
  });
});

describe('fitZoom', () => {
  it('fits the page width, padding aside, into the pages pane', () => {
    // A US Letter page (612 pt) in the pages pane of a 1280 px window (767 px): 120 %.
    expect(fitZoom(767, 612)).toBeCloseTo(1.2, 2);
    expect(fitZoom(767, 612) * 612 + 32).toBeLessThanOrEqual(767);
  });

  it('stays within its bounds', () => {
    expect(fitZoom(5000, 612)).toBe(FIT_MAX);
    expect(fitZoom(100, 612)).toBe(FIT_MIN);
  });
});
