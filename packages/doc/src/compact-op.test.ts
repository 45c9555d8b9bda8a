import { describe, expect, it } from 'vitest';
import { testZone } from '../test/fixtures.js';
import { compactOp } from './compact-op.js';
import { zoneCreate, zoneDelete, zoneEdit } from './ops.js';
import { apply, invertWithDoc, transform } from './ot.js';
import type { ZoneDocument } from './zone.js';

const doc = (): ZoneDocument => ({
  meta: {},
  zones: { z: testZone('z', 'héllo 👋 wörld'), y: testZone('y', 'other') },
});

describe('compactOp', () => {
  it('drops deleted text and removed values, and does the same to the document', () => {
    const before = doc();
    // The undo of a paste: its inverse deletes the text it inserted, carrying every character.
    const paste = zoneEdit('z', { pos: 5, ins: ' 💬'.repeat(3) });
    const undo = invertWithDoc(paste, before);
    const after = apply(before, paste);
    expect(JSON.stringify(undo)).toContain('💬');
    const small = compactOp(undo);
    expect(JSON.stringify(small)).not.toContain('💬');
    expect(apply(after, small)).toEqual(apply(after, undo));
    // A zone's deletion with its whole content.
    const del = zoneDelete('y', before.zones.y);
    expect(JSON.stringify(del)).toContain('other');
    expect(compactOp(del)).toEqual(['zones', 'y', { r: true }]);
    expect(apply(before, compactOp(del))).toEqual(apply(before, del));
    expect(compactOp(null)).toBeNull();
  });

  it('transforms as the op it compacts does', () => {
    const before = doc();
    const undo = invertWithDoc(zoneEdit('z', { pos: 0, del: 5 }), before);
    const theirs = zoneEdit('z', { pos: 7, ins: '!' });
    const create = zoneCreate(testZone('n', 'new'));
    for (const other of [theirs, create]) {
      const a = apply(apply(before, other), transform(compactOp(undo), other, 'left'));
      const b = apply(apply(before, other), transform(undo, other, 'left'));
      expect(a).toEqual(b);
    }
  });
});
