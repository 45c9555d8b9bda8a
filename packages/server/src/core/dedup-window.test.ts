import { describe, expect, it } from 'vitest';
import { DedupWindow, PENDING } from './dedup-window.js';

describe('DedupWindow', () => {
  it('knows nothing of an id it was not told about', () => {
    expect(new DedupWindow<string>(4).get('a')).toBeUndefined();
  });

  it('marks an id pending until its reply settles it', () => {
    const w = new DedupWindow<string>(4);
    w.begin('a');
    expect(w.get('a')).toBe(PENDING);
    w.settle('a', 'ack a');
    expect(w.get('a')).toBe('ack a');
    expect(w.size).toBe(1);
  });

  it('remembers a reply settled without a begin', () => {
    const w = new DedupWindow<string>(4);
    w.settle('a', 'nack a');
    expect(w.get('a')).toBe('nack a');
  });

  it('is bounded: the oldest id is forgotten first', () => {
    const w = new DedupWindow<string>(3);
    for (const id of ['a', 'b', 'c', 'd']) w.settle(id, id);
    expect(w.size).toBe(3);
    expect(w.get('a')).toBeUndefined();
    expect(w.get('b')).toBe('b');
    expect(w.get('d')).toBe('d');
  });

  it('counts pending ids towards the bound', () => {
    const w = new DedupWindow<string>(2);
    w.begin('a');
    w.begin('b');
    w.begin('c');
    expect(w.get('a')).toBeUndefined();
    expect(w.get('b')).toBe(PENDING);
    expect(w.get('c')).toBe(PENDING);
  });

  it('settling a pending id keeps its age; beginning it again makes it the newest', () => {
    const w = new DedupWindow<string>(2);
    w.begin('a');
    w.begin('b');
    w.settle('a', 'A'); // still the oldest
    w.settle('c', 'C');
    expect(w.get('a')).toBeUndefined();
    expect(w.get('b')).toBe(PENDING);

    w.begin('b'); // re-begun: newest
    w.settle('d', 'D');
    expect(w.get('c')).toBeUndefined();
    expect(w.get('b')).toBe(PENDING);
  });
});
