import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbDoc, FC_PARAMS, genOp } from '../test/arbitraries.js';
import { testZone } from '../test/fixtures.js';
import { type ConflictKind, findConflicts } from './conflicts.js';
import { describeOp, metaSet, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import { compose } from './ot.js';
import type { Zone } from './zone.js';

const zone = (id: string, text = 'hello'): Zone => testZone(id, text);
const ann = { stamp: { by: 'ann', at: 1 } };
const bob = { stamp: { by: 'bob', at: 2 } };

describe('findConflicts', () => {
  it('reports my edit in a zone they deleted, once', () => {
    const mine = zoneEdit('a', { pos: 1, ins: 'x' }, ann);
    expect(findConflicts(mine, zoneDelete('a'))).toEqual([
      { kind: 'edit_on_deleted', zoneId: 'a', path: ['zones', 'a'] },
    ]);
  });

  it('reports my deletion of a zone they edited', () => {
    const theirs = zoneUpdate('a', { label: 'L' }, bob);
    expect(findConflicts(zoneDelete('a'), theirs)).toEqual([
      { kind: 'delete_of_edited', zoneId: 'a', path: ['zones', 'a'] },
    ]);
  });

  it('reports two users setting the same attribute, but not the stamps they both write', () => {
    const mine = zoneUpdate('a', { label: 'Mine', page: 1 }, ann);
    const theirs = zoneUpdate('a', { label: 'Theirs', page: 1 }, bob);
    expect(findConflicts(mine, theirs)).toEqual([
      { kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'label'] },
    ]);
  });

  it('reports two moves of one box as one conflict about its box, and none for changes of different coordinates', () => {
    const z = testZone('a', '', { bbox: { x: 10, y: 20, w: 100, h: 50 } });
    const set = (bbox: Zone['bbox'], by: typeof ann) => zoneUpdate('a', { bbox }, { current: z, ...by });
    const moveMine = set({ x: 30, y: 40, w: 100, h: 50 }, ann);
    const moveTheirs = set({ x: 50, y: 60, w: 100, h: 50 }, bob);
    expect(findConflicts(moveMine, moveTheirs)).toEqual([
      { kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'bbox'] },
    ]);
    // A move across against a narrowing, or against a move down: each keeps its coordinates, nothing is lost.
    expect(
      findConflicts(set({ x: 300, y: 20, w: 100, h: 50 }, ann), set({ x: 10, y: 20, w: 60, h: 50 }, bob)),
    ).toEqual([]);
    expect(
      findConflicts(set({ x: 300, y: 20, w: 100, h: 50 }, ann), set({ x: 10, y: 90, w: 100, h: 50 }, bob)),
    ).toEqual([]);
    // Nor when both put an edge in the same place.
    expect(
      findConflicts(set({ x: 0, y: 20, w: 110, h: 50 }, ann), set({ x: 0, y: 20, w: 100, h: 50 }, bob)),
    ).toEqual([]);
    // A narrowing by the left edge moves x: against a move across, that is one conflict about the box.
    expect(
      findConflicts(set({ x: 300, y: 20, w: 100, h: 50 }, ann), set({ x: 50, y: 20, w: 60, h: 50 }, bob)),
    ).toEqual([{ kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'bbox'] }]);
    // A box replaced whole (an older client, or a builder without the zone) against coordinates, either way round.
    const whole = zoneUpdate('a', { bbox: { x: 0, y: 0, w: 1, h: 1 } }, bob);
    const box = [{ kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'bbox'] }];
    expect(findConflicts(moveMine, whole)).toEqual(box);
    expect(findConflicts(whole, moveMine)).toEqual(box);
  });

  it('stays quiet for concurrent text edits in one zone and for changes to different zones', () => {
    const mine = zoneEdit('a', { pos: 0, ins: 'x' }, ann);
    expect(findConflicts(mine, zoneEdit('a', { pos: 0, ins: 'y' }, bob))).toEqual([]);
    expect(findConflicts(mine, zoneUpdate('a', { label: 'L' }, bob))).toEqual([]);
    expect(findConflicts(mine, zoneDelete('b'))).toEqual([]);
    expect(findConflicts(zoneDelete('a'), zoneDelete('a'))).toEqual([]);
    expect(findConflicts(mine, null)).toEqual([]);
  });

  it('reports two creations of one zone id as other', () => {
    expect(findConflicts(zoneCreate(zone('n', 'a')), zoneCreate(zone('n', 'b')))).toEqual([
      { kind: 'other', zoneId: 'n', path: ['zones', 'n'] },
    ]);
  });

  it('reports the same meta key set by both, outside any zone', () => {
    expect(findConflicts(metaSet('title', 'A'), metaSet('title', 'B'))).toEqual([
      { kind: 'same_attribute', zoneId: null, path: ['meta', 'title'] },
    ]);
  });

  it('finds every conflict in ops spanning several zones', () => {
    const mine = compose(zoneEdit('a', { pos: 0, ins: 'x' }, ann), zoneUpdate('b', { label: 'M' }, ann));
    const theirs = compose(zoneDelete('a'), zoneUpdate('b', { label: 'T' }, bob));
    expect(findConflicts(mine, theirs)).toEqual([
      { kind: 'edit_on_deleted', zoneId: 'a', path: ['zones', 'a'] },
      { kind: 'same_attribute', zoneId: 'b', path: ['zones', 'b', 'label'] },
    ]);
  });

  it('falls back to one conflict for ops with moves', () => {
    const move = ['zones', ['a', { p: 0 }], ['c', { d: 0 }]];
    expect(findConflicts(move, zoneDelete('a'))).toEqual([]); // json1 lets the delete follow the move
    expect(findConflicts(move, zoneCreate(zone('c')))).toEqual([
      { kind: 'other', zoneId: 'c', path: ['zones', 'c'] },
    ]);
  });
});

describe('properties', () => {
  const mirror: Record<ConflictKind, ConflictKind> = {
    edit_on_deleted: 'delete_of_edited',
    delete_of_edited: 'edit_on_deleted',
    same_attribute: 'same_attribute',
    other: 'other',
  };
  const key = (c: { kind: string; zoneId: string | null }) => `${c.kind}:${c.zoneId}`;

  it('is symmetric (mine/theirs swapped mirrors the kinds) and only names zones both ops touch', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const a = genOp(g, doc, 'ann');
        const b = genOp(g, doc, 'bob');
        const ab = findConflicts(a, b);
        const ba = findConflicts(b, a);
        expect(new Set(ab.map((c) => key({ ...c, kind: mirror[c.kind] })))).toEqual(new Set(ba.map(key)));
        const shared = describeOp(a).zoneIds.filter((z) => describeOp(b).zoneIds.includes(z));
        for (const c of ab) if (c.zoneId !== null) expect(shared).toContain(c.zoneId);
      }),
      FC_PARAMS,
    );
  });
});
