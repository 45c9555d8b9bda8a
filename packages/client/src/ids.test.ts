import { describe, expect, it } from 'vitest';
import { createIdGenerator } from './ids.js';

describe('message ids', () => {
  it('are unique within a client and across client instances', () => {
    const a = createIdGenerator();
    const b = createIdGenerator();
    const ids = new Set([a(), a(), a(), b(), b()]);
    expect(ids.size).toBe(5);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });

  it('count up after a fixed prefix', () => {
    const next = createIdGenerator('p');
    expect([next(), next()]).toEqual(['p:1', 'p:2']);
  });
});
