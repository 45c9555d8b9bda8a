import { describe, expect, it } from 'vitest';
import { testZone } from '../test/fixtures.js';
import { zoneCreate, zoneEdit } from './ops.js';
import { reservedKey } from './reserved-keys.js';

describe('reservedKey', () => {
  it("names a key every object has, anywhere on the op's paths", () => {
    expect(reservedKey(zoneCreate(testZone('constructor')))).toBe('constructor');
    expect(reservedKey(['meta', 'toString', { r: true }])).toBe('toString');
    expect(
      reservedKey([
        ['meta', 'a', { i: 1 }],
        ['zones', 'hasOwnProperty', { r: true }],
      ]),
    ).toBe('hasOwnProperty');
    expect(reservedKey(['zones', 'z1', 'valueOf', { i: 1 }])).toBe('valueOf');
  });

  it('passes ordinary ids and keys', () => {
    expect(reservedKey(zoneCreate(testZone('z-constructor')))).toBeNull();
    expect(reservedKey(zoneEdit('z1', { pos: 0, ins: 'toString' }))).toBeNull();
    expect(reservedKey(['meta', 'title', { i: 'constructor' }])).toBeNull();
    expect(reservedKey(null)).toBeNull();
  });
});
