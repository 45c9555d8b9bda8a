import { describe, expect, it } from 'vitest';
import { boxChange, boxesByCoordinate } from './box-change.js';
import { stampOp, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import { apply, type Op, transform } from './ot.js';
import { emptyDocument, type Zone } from './zone.js';

const zone: Zone = {
  id: 'z1',
  page: 1,
  bbox: { x: 10, y: 20, w: 100, h: 50 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: 'hello',
  updatedBy: 'ann',
  updatedAt: 1,
};
const stamp = { by: 'ben', at: 2 };
const update = (attrs: Parameters<typeof zoneUpdate>[1], current: Zone = zone) =>
  zoneUpdate('z1', attrs, { current, stamp });

describe('boxChange', () => {
  it('says a box that kept its size moved, and one whose size changed was resized', () => {
    expect(boxChange(update({ bbox: { x: 30, y: 40, w: 100, h: 50 } }))).toBe('moved');
    expect(boxChange(update({ bbox: { x: 10, y: 20, w: 120, h: 50 } }))).toBe('resized');
    expect(boxChange(update({ bbox: { x: 0, y: 20, w: 110, h: 50 } }))).toBe('resized'); // by its left edge
    expect(boxChange(update({ bbox: { x: 10, y: 20, w: 100, h: 49 } }))).toBe('resized');
  });

  it('counts a move that drops the reading order or changes the page as a move', () => {
    const ordered = { ...zone, order: 3 };
    expect(boxChange(update({ bbox: { x: 30, y: 40, w: 100, h: 50 } }, ordered))).toBe('moved');
    expect(boxChange(update({ page: 2, bbox: { x: 30, y: 40, w: 100, h: 50 } }))).toBe('moved');
  });

  it('says the same of an undo (the op inverted) and of a box changed field by field', () => {
    const undo: Op = ['zones', 'z1', 'bbox', { r: { x: 30, y: 40, w: 100, h: 50 }, i: zone.bbox }];
    expect(boxChange(undo)).toBe('moved');
    expect(boxChange(['zones', 'z1', 'bbox', 'x', { r: 10, i: 12 }])).toBe('moved');
    expect(boxChange(['zones', 'z1', 'bbox', 'w', { r: 100, i: 90 }])).toBe('resized');
    expect(boxChange(['zones', 'z1', 'bbox', 'h', { ena: 5 }])).toBe('resized');
  });

  it('tells a move from a resize by the coordinates the builder sets, also once the server transformed the op', () => {
    const move = update({ bbox: { x: 300, y: 20, w: 100, h: 50 } });
    const narrow = update({ bbox: { x: 10, y: 20, w: 60, h: 50 } });
    const byLeftEdge = update({ bbox: { x: 50, y: 20, w: 60, h: 50 } });
    expect([boxChange(move), boxChange(narrow), boxChange(byLeftEdge)]).toEqual([
      'moved',
      'resized',
      'resized',
    ]);
    // Transformed past another op of the box, a set loses its old value (`r: true`): still told apart.
    const other = zoneUpdate('z1', { bbox: { x: 10, y: 90, w: 100, h: 50 } }, { current: zone, stamp });
    expect(boxChange(transform(move, other, 'left'))).toBe('moved');
    expect(boxChange(transform(narrow, other, 'left'))).toBe('resized');
    expect(boxChange(transform(byLeftEdge, move, 'left'))).toBe('resized');
  });

  it('says nothing of other changes, of a box with other attributes, or when the old box is not in the op', () => {
    expect(boxChange(update({ type: 'heading' }))).toBeUndefined();
    expect(boxChange(update({ bbox: { x: 30, y: 40, w: 100, h: 50 }, type: 'heading' }))).toBeUndefined();
    expect(boxChange(zoneUpdate('z1', { bbox: { x: 30, y: 40, w: 100, h: 50 } }))).toBeUndefined();
    expect(boxChange(zoneCreate(zone))).toBeUndefined();
    expect(boxChange(zoneDelete('z1', zone))).toBeUndefined();
    expect(boxChange(zoneEdit('z1', { pos: 0, ins: 'x' }, { current: zone }))).toBeUndefined();
    expect(boxChange(['meta', 'name', { i: 'x' }])).toBeUndefined();
    expect(boxChange(null)).toBeUndefined();
  });

  it('reads the op as the server stamps it', () => {
    const doc = { ...emptyDocument(), zones: { z1: zone } };
    const op = zoneUpdate('z1', { bbox: { x: 30, y: 40, w: 100, h: 50 } }, { current: zone });
    expect(boxChange(stampOp(op, stamp, doc))).toBe('moved');
  });
});

describe('boxesByCoordinate', () => {
  const doc = { ...emptyDocument(), zones: { z1: zone } };
  const moved = { x: 30, y: 20, w: 100, h: 60 };

  it('sets only the coordinates a box replaced whole changed, to the same effect', () => {
    const whole: Op = ['zones', 'z1', 'bbox', { r: zone.bbox, i: moved }];
    const split = boxesByCoordinate(whole);
    expect(split).toEqual(['zones', 'z1', 'bbox', ['h', { r: 50, i: 60 }], ['x', { r: 10, i: 30 }]]);
    expect(apply(doc, split)).toEqual(apply(doc, whole));
    // Past another user's change of the width, the split one keeps it; the whole one would not.
    const narrowed = update({ bbox: { ...zone.bbox, w: 70 } });
    const after = apply(doc, narrowed);
    expect(apply(after, transform(split, narrowed, 'left')).zones.z1.bbox).toEqual({ ...moved, w: 70 });
    expect(apply(after, transform(whole, narrowed, 'left')).zones.z1.bbox).toEqual(moved);
  });

  it('leaves everything else as it is', () => {
    const noOld: Op = ['zones', 'z1', 'bbox', { i: moved }];
    const odd: Op = ['zones', 'z1', 'bbox', { r: zone.bbox, i: { ...moved, z: 1 } }];
    const label = update({ label: 'x' });
    for (const op of [noOld, odd, label, null]) expect(boxesByCoordinate(op)).toBe(op);
    // A box replaced by itself sets nothing.
    expect(boxesByCoordinate(['zones', 'z1', 'bbox', { r: zone.bbox, i: { ...zone.bbox } }])).toBeNull();
  });
});
