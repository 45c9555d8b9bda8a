import { parseClientMessages } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { createIdGenerator, MAX_ID_PREFIX } from './ids.js';

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

  it('refuse a prefix the server would refuse in every id: U+0000, a lone surrogate, too long for 64 characters', () => {
    for (const prefix of ['a\u0000', 'a\uD800', '\uDC00', 'x'.repeat(MAX_ID_PREFIX + 1)]) {
      expect(() => createIdGenerator(prefix), JSON.stringify(prefix)).toThrow(
        /^idPrefix: at most 52 characters/,
      );
    }
    // The longest prefix and a surrogate pair make ids the protocol takes, up to the last counter value.
    for (const prefix of ['x'.repeat(MAX_ID_PREFIX), 'app\uD83D\uDE00']) {
      const id = `${prefix}:${Number.MAX_SAFE_INTEGER.toString(36)}`;
      expect(createIdGenerator(prefix)()).toBe(`${prefix}:1`);
      const [r] = parseClientMessages({
        type: 'publish',
        id,
        room: 'doc:1',
        event: 'app_event',
        data: { name: 'n' },
      });
      expect(r.ok, id).toBe(true);
    }
  });
});
