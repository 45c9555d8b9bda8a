import { describe, expect, it } from 'vitest';
import { zoneToFocus } from './focus-rescue.js';

describe('zoneToFocus', () => {
  const order = ['a', 'b', 'c', 'd'];
  const left =
    (...ids: string[]) =>
    (id: string) =>
      ids.includes(id);

  it('keeps the zone the focus was about while it is there (only its tools went)', () => {
    expect(zoneToFocus(order, left('a', 'b', 'c', 'd'), 'b')).toBe('b');
  });

  it('goes to the next zone still there, in reading order, when the zone went', () => {
    expect(zoneToFocus(order, left('a', 'c', 'd'), 'b')).toBe('c');
    // Several went at once (an undo of a paste, say): the first one after them.
    expect(zoneToFocus(order, left('a', 'd'), 'b')).toBe('d');
  });

  it('goes to the one before when the last zone went, and nowhere when none is left', () => {
    expect(zoneToFocus(order, left('a', 'b', 'c'), 'd')).toBe('c');
    expect(zoneToFocus(order, left(), 'b')).toBeNull();
  });

  it('says nothing of a zone it never knew', () => {
    expect(zoneToFocus(order, left('a'), 'x')).toBeNull();
  });
});
