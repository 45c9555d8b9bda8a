import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbDoc, arbZone, FC_PARAMS, genOp } from '../test/arbitraries.js';
import { testZone } from '../test/fixtures.js';
import { type ConflictKind, conflictLoser, findConflicts, type OpConflict } from './conflicts.js';
import { describeOp, metaSet, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import { apply, compose, transform } from './ot.js';
import type { Zone, ZoneDocument } from './zone.js';

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
    // A box replaced whole (an older client, or a builder without the zone) against coordinates, either way round:
    // the whole box wins whichever came first, so the one who moved the box is told. Mine set after theirs: `other`
    // (told to me, the submitter); theirs set after mine: `same_attribute` (told to them, the earlier author).
    const whole = zoneUpdate('a', { bbox: { x: 0, y: 0, w: 1, h: 1 } }, bob);
    const lostMine = findConflicts(moveMine, whole);
    expect(lostMine).toEqual([{ kind: 'other', zoneId: 'a', path: ['zones', 'a', 'bbox'] }]);
    expect(lostMine.map(conflictLoser)).toEqual(['mine']);
    const lostTheirs = findConflicts(whole, moveMine);
    expect(lostTheirs).toEqual([{ kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'bbox'] }]);
    expect(lostTheirs.map(conflictLoser)).toEqual(['theirs']);
  });

  it('stays quiet for concurrent text edits in one zone and for changes to different zones', () => {
    const mine = zoneEdit('a', { pos: 0, ins: 'x' }, ann);
    expect(findConflicts(mine, zoneEdit('a', { pos: 0, ins: 'y' }, bob))).toEqual([]);
    expect(findConflicts(mine, zoneUpdate('a', { label: 'L' }, bob))).toEqual([]);
    expect(findConflicts(mine, zoneDelete('b'))).toEqual([]);
    expect(findConflicts(zoneDelete('a'), zoneDelete('a'))).toEqual([]);
    expect(findConflicts(mine, null)).toEqual([]);
  });

  describe('a zone replaced whole (`{r, i}`: undo steps, hand-made ops)', () => {
    const before = testZone('a', 'hello', { label: 'Old' });
    const replaced = testZone('a', 'theirs', { label: 'New', updatedBy: 'bob', updatedAt: 2 });
    const replace = ['zones', 'a', { r: true, i: replaced }];
    const edit = zoneEdit('a', { pos: 5, ins: '!' }, { current: before, ...ann });
    const relabel = zoneUpdate('a', { label: 'Mine', page: 2 }, { current: before, ...ann });
    const moveBox = zoneUpdate('a', { bbox: { x: 5, y: 0, w: 10, h: 10 } }, { current: before, ...ann });
    const loser = (cs: OpConflict[]) => cs.map((c) => [c.kind, conflictLoser(c)]);

    it('wins over my change inside it, whichever came first: the one who changed it is told', () => {
      // Mine submitted after their replacement: my edit is dropped, and I am told (`other`, by them).
      for (const mine of [edit, relabel, moveBox]) {
        const cs = findConflicts(mine, replace);
        expect(cs).toEqual([{ kind: 'other', zoneId: 'a', path: ['zones', 'a'] }]);
        expect(loser(cs)).toEqual([['other', 'mine']]);
      }
      // My replacement submitted after their change: theirs is overwritten, and they are told about each attribute
      // they set (as if I had set it after them), never about the stamps.
      expect(findConflicts(replace, edit)).toEqual([
        { kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'text'] },
      ]);
      expect(findConflicts(replace, relabel)).toEqual([
        { kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'label'] },
        { kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'page'] },
      ]);
      const box = findConflicts(replace, moveBox);
      expect(box).toEqual([{ kind: 'same_attribute', zoneId: 'a', path: ['zones', 'a', 'bbox'] }]);
      expect(loser(box)).toEqual([['same_attribute', 'theirs']]);
    });

    it('is no loss where the replacement holds the value the change set, nor for the stamps alone', () => {
      const sameLabel = zoneUpdate('a', { label: 'New' }, { current: before, ...ann });
      expect(findConflicts(sameLabel, replace)).toEqual([]);
      expect(findConflicts(replace, sameLabel)).toEqual([]);
      const stamps = ['zones', 'a', ['updatedAt', { r: 0, i: 9 }], ['updatedBy', { r: 'ocr', i: 'ann' }]];
      expect(findConflicts(stamps, replace)).toEqual([]);
      expect(findConflicts(replace, stamps)).toEqual([]);
    });

    it('wins over a deletion of the zone, whichever came first: the one who deleted it is told', () => {
      // json1 itself sees no conflict here: the zone stays, as replaced.
      const del = zoneDelete('a', before);
      const mineLost = findConflicts(del, replace);
      expect(mineLost).toEqual([{ kind: 'other', zoneId: 'a', path: ['zones', 'a'] }]);
      expect(loser(mineLost)).toEqual([['other', 'mine']]);
      const theirsLost = findConflicts(replace, del);
      expect(theirsLost).toEqual([{ kind: 'other', zoneId: 'a', path: ['zones', 'a'], lost: 'theirs' }]);
      expect(loser(theirsLost)).toEqual([['other', 'theirs']]);
      // Also inside ops that change other zones too, and alongside their other conflicts.
      const mixed = compose(replace, zoneUpdate('b', { label: 'M' }, ann));
      expect(findConflicts(mixed, compose(del, zoneUpdate('b', { label: 'T' }, bob)))).toEqual([
        { kind: 'other', zoneId: 'a', path: ['zones', 'a'], lost: 'theirs' },
        { kind: 'same_attribute', zoneId: 'b', path: ['zones', 'b', 'label'] },
      ]);
    });
  });

  it('reports two creations of one zone id as other, lost by the earlier one (mine, transformed past it, stays)', () => {
    const mine = zoneCreate(zone('n', 'a'));
    const theirs = zoneCreate(zone('n', 'b'));
    const cs = findConflicts(mine, theirs);
    expect(cs).toEqual([{ kind: 'other', zoneId: 'n', path: ['zones', 'n'], lost: 'theirs' }]);
    expect(cs.map((c) => [c.kind, conflictLoser(c)])).toEqual([['other', 'theirs']]);
    // What json1 keeps: mine.
    const after = apply(
      apply({ zones: {}, meta: {} }, theirs),
      transform(mine, theirs, 'left'),
    ) as ZoneDocument;
    expect(after.zones.n.text).toBe('a');
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
  // A value replaced whole (a box set as one value) wins either way: the one who set a coordinate of it loses, told
  // as `other` when theirs was the later op and as `same_attribute` when the replacement was: those two mirror each
  // other there, and both are one class here.
  const mirror: Record<ConflictKind, string> = {
    edit_on_deleted: 'delete_of_edited',
    delete_of_edited: 'edit_on_deleted',
    same_attribute: 'set',
    other: 'set',
  };
  const cls = (kind: ConflictKind) => (kind === 'same_attribute' || kind === 'other' ? 'set' : kind);
  const key = (kind: string, c: { zoneId: string | null }) => `${kind}:${c.zoneId}`;

  it('is symmetric (mine/theirs swapped mirrors the kinds) and only names zones both ops touch', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const a = genOp(g, doc, 'ann');
        const b = genOp(g, doc, 'bob');
        const ab = findConflicts(a, b);
        const ba = findConflicts(b, a);
        expect(new Set(ab.map((c) => key(mirror[c.kind], c)))).toEqual(
          new Set(ba.map((c) => key(cls(c.kind), c))),
        );
        const shared = describeOp(a).zoneIds.filter((z) => describeOp(b).zoneIds.includes(z));
        for (const c of ab) if (c.zoneId !== null) expect(shared).toContain(c.zoneId);
      }),
      FC_PARAMS,
    );
  });

  it('a zone replaced whole wins over any op on it, whichever came first: only the other op is told it lost', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const ids = Object.keys(doc.zones);
        fc.pre(ids.length > 0);
        const id = ids[g(fc.nat, ids.length - 1)];
        const replace = ['zones', id, { r: true, i: g(arbZone, id) }];
        const a = genOp(g, doc, 'ann');
        const later = findConflicts(a, replace);
        const earlier = findConflicts(replace, a);
        for (const c of later) expect([c.zoneId, conflictLoser(c)]).toEqual([id, 'mine']);
        for (const c of earlier) expect([c.zoneId, conflictLoser(c)]).toEqual([id, 'theirs']);
        // A deletion of the zone, or text typed into it, is always lost to the replacement: always told.
        const { kind, zoneIds } = describeOp(a);
        if (zoneIds.includes(id) && (kind === 'zone_delete' || kind === 'zone_edit')) {
          expect(later).toHaveLength(1);
          expect(earlier).toHaveLength(1);
        }
      }),
      FC_PARAMS,
    );
  });
});
