import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './nesting.js';

/** `levels` levels of alternating arrays and objects around `inner`. */
const nested = (levels: number, inner: unknown = 'x'): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('nestsDeeperThan', () => {
  it('counts each object or array as one level, scalars as none', () => {
    for (const scalar of ['x', 1, null, true, undefined]) expect(nestsDeeperThan(scalar, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan([], 1)).toBe(false);
    expect(nestsDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: [[1]] }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: 1, b: { c: {} } }, 2)).toBe(true); // the deepest branch counts
  });

  it('is exact at the limit', () => {
    for (const max of [1, 32, 100]) {
      expect(nestsDeeperThan(nested(max), max)).toBe(false);
      expect(nestsDeeperThan(nested(max + 1), max)).toBe(true);
      expect(nestsDeeperThan(nested(max, {}), max)).toBe(true); // an empty object is a level too
    }
  });

  it('checks values too deep for any recursive walk without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(nestsDeeperThan(deep, 100)).toBe(true);
  });
});
