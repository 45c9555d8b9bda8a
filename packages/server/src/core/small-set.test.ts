import { describe, expect, it } from 'vitest';
import { SmallSet, withItem, withoutIndex } from './small-set.js';

describe('SmallSet', () => {
  it('behaves like a set below and above its threshold', () => {
    const s = new SmallSet<number>(3);
    for (const n of [1, 2, 2, 3]) s.add(n);
    expect(s.size).toBe(3);
    expect([...s]).toEqual([1, 2, 3]);
    s.add(4); // switches to a Set
    s.add(4);
    expect(s.size).toBe(4);
    expect(s.has(4)).toBe(true);
    expect(s.delete(1)).toBe(true);
    expect(s.delete(1)).toBe(false);
    expect([...s].sort()).toEqual([2, 3, 4]);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.has(2)).toBe(false);
  });

  it('deletes from the small form', () => {
    const s = new SmallSet<string>();
    s.add('a');
    s.add('b');
    expect(s.delete('a')).toBe(true);
    expect(s.delete('z')).toBe(false);
    expect([...s]).toEqual(['b']);
  });

  it('copies instead of changing: withItem and withoutIndex leave their input alone', () => {
    const a = ['x', 'y', 'z'];
    expect(withItem(a, 'w')).toEqual(['x', 'y', 'z', 'w']);
    expect(withoutIndex(a, 0)).toEqual(['y', 'z']);
    expect(withoutIndex(a, 1)).toEqual(['x', 'z']);
    expect(withoutIndex(a, 2)).toEqual(['x', 'y']);
    expect(a).toEqual(['x', 'y', 'z']);
  });
});
