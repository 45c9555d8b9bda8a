import type { Zone } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { lockFailure } from './lock-failure.js';

const zone: Zone = {
  id: 'z-2a64deaa-daa0',
  page: 1,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: 'Revenue grew by 12 %',
  updatedBy: 'dev-ada',
  updatedAt: 0,
};

describe('lockFailure', () => {
  it('says who took the zone first, naming the zone in words, not by the id in the server’s message', () => {
    const refused = { code: 'zone_locked', message: 'zone z-2a64deaa-daa0 is locked by dev-ben' };
    expect(lockFailure(refused, zone, 'Ben')).toBe(
      'Ben locked the paragraph on page 1 (“Revenue grew by 12 %”) first.',
    );
    expect(lockFailure(refused, undefined, undefined)).toBe('Someone else locked the zone first.');
  });

  it('says nothing of a lock given up before it was asked for, and the reason of any other failure', () => {
    expect(
      lockFailure(
        { code: 'closed', message: 'the lock of z-1 was given up before it was asked for' },
        zone,
        'Ben',
      ),
    ).toBeNull();
    expect(lockFailure({ code: 'forbidden', message: 'You may not lock zones here.' }, zone, undefined)).toBe(
      'You may not lock zones here.',
    );
  });
});
