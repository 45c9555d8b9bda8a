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

  it('forgets exactly what a plain ordered map would, through many ids, forgets and re-begins', () => {
    // The reference: a Map in insertion order, the oldest key dropped past the bound.
    const ref = new Map<string, number | typeof PENDING>();
    const refSet = (id: string, v: number | typeof PENDING) => {
      ref.delete(id);
      ref.set(id, v);
      if (ref.size > 8) ref.delete(ref.keys().next().value as string);
    };
    const w = new DedupWindow<number>(8);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 40;
    for (let i = 0; i < 3000; i++) {
      const id = `m${next()}`;
      const what = next() % 4;
      if (what === 0) {
        w.begin(id);
        refSet(id, PENDING);
      } else if (what === 1) {
        w.settle(id, i);
        if (ref.has(id)) ref.set(id, i);
        else refSet(id, i);
      } else if (what === 2) {
        w.forget(id);
        ref.delete(id);
      }
      expect(w.size).toBe(ref.size);
      for (let k = 0; k < 40; k++) expect(w.get(`m${k}`)).toBe(ref.get(`m${k}`));
    }
  });
});
