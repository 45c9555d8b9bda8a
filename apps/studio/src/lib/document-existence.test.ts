import { describe, expect, it } from 'vitest';
import { type ExistenceClues, existenceOf } from './document-existence.js';

const typed: ExistenceClues = {
  onRecord: false,
  ownerId: 'me',
  selfId: 'me',
  version: 0,
  zones: 0,
  metaKeys: 0,
};

describe('existenceOf', () => {
  it('asks about an empty document of mine, version 0, that this browser never heard of (a typed address)', () => {
    expect(existenceOf(typed)).toBe('ask');
  });

  it('knows a blank document made on this device (offline too) or listed, someone else’s, or one with content', () => {
    expect(existenceOf({ ...typed, onRecord: true })).toBe('known');
    expect(existenceOf({ ...typed, ownerId: 'ben' })).toBe('known');
    expect(existenceOf({ ...typed, version: 3 })).toBe('known');
    expect(existenceOf({ ...typed, zones: 1 })).toBe('known');
    expect(existenceOf({ ...typed, metaKeys: 1 })).toBe('known');
  });
});
