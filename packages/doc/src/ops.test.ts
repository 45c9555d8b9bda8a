import fc from 'fast-check';
import { removeOp } from 'ot-json1';
import { describe, expect, it } from 'vitest';
import { arbDoc, FC_PARAMS, genOp, USERS } from '../test/arbitraries.js';
import { docOf, testZone } from '../test/fixtures.js';
import {
  codePointLength,
  describeOp,
  metaSet,
  stampOp,
  textOp,
  withoutStamps,
  zoneCreate,
  zoneDelete,
  zoneEdit,
  zoneUpdate,
} from './ops.js';
import { apply, compose, invert, transform } from './ot.js';
import { validateDocument, type Zone, type ZoneDocument } from './zone.js';

const zone = (id: string, text = 'hello', extra: Partial<Zone> = {}): Zone => testZone(id, text, extra);
const doc = docOf;
const ann = { by: 'ann', at: 5 };
const bob = { by: 'bob', at: 6 };

describe('zoneCreate', () => {
  it('inserts the zone, stamped when given a user', () => {
    const d = apply(doc(), zoneCreate(zone('a'), ann));
    expect(d.zones.a).toEqual(zone('a', 'hello', { updatedBy: 'ann', updatedAt: 5 }));
    expect(validateDocument(d)).toEqual([]);
  });

  it('copies the zone, so the caller may reuse its object', () => {
    const z = zone('a');
    const d = apply(doc(), zoneCreate(z));
    z.bbox.x = 99;
    expect(d.zones.a.bbox.x).toBe(0);
  });

  it('refuses an invalid zone, saying why', () => {
    expect(() => zoneCreate({ ...zone('a'), confidence: 3 })).toThrow(
      /confidence must be a number in \[0, 1\]/,
    );
    expect(() => zoneCreate(zone('a'), { by: '', at: 1 })).toThrow(/stamp.by/);
  });
});

describe('zoneDelete', () => {
  it('removes the zone, invertibly when given the current zone', () => {
    const d = doc(zone('a'), zone('b'));
    const op = zoneDelete('a', d.zones.a);
    const after = apply(d, op);
    expect(Object.keys(after.zones)).toEqual(['b']);
    expect(apply(after, invert(op))).toEqual(d);
    expect(zoneDelete('a')).toEqual(removeOp(['zones', 'a']));
  });
});

describe('zoneUpdate', () => {
  it('replaces attributes and stamps the zone', () => {
    const d = doc(zone('a'));
    const op = zoneUpdate('a', { label: 'Total', bbox: { x: 1, y: 2, w: 3, h: 4 } }, { stamp: ann });
    const z = apply(d, op).zones.a;
    expect(z).toMatchObject({
      label: 'Total',
      bbox: { x: 1, y: 2, w: 3, h: 4 },
      updatedBy: 'ann',
      updatedAt: 5,
    });
  });

  it('with the current zone: skips unchanged attributes, inserts missing ones, and is invertible', () => {
    const { confidence: _, ...legacy } = zone('a');
    const d = { meta: {}, zones: { a: legacy as Zone } };
    expect(zoneUpdate('a', { label: '' }, { current: d.zones.a, stamp: ann })).toBeNull();
    const op = zoneUpdate('a', { label: '', confidence: 0.5 }, { current: d.zones.a, stamp: ann });
    expect(op).toEqual([
      'zones',
      'a',
      ['confidence', { i: 0.5 }],
      ['updatedAt', { r: 0, i: 5 }],
      ['updatedBy', { r: 'ocr', i: 'ann' }],
    ]);
    expect(apply(apply(d, op), invert(op))).toEqual(d);
  });

  it("moving a zone (page or box) takes away the analysis' reading order; other changes keep it", () => {
    const d = doc(zone('a', 'hello', { order: 3 }));
    const relabel = zoneUpdate('a', { label: 'Total' }, { current: d.zones.a, stamp: ann });
    expect(apply(d, relabel).zones.a.order).toBe(3);
    const move = zoneUpdate('a', { bbox: { x: 1, y: 2, w: 3, h: 4 } }, { current: d.zones.a, stamp: ann });
    const moved = apply(d, move);
    expect(moved.zones.a).not.toHaveProperty('order');
    expect(validateDocument(moved)).toEqual([]);
    // Undoing the move gives the order back.
    expect(apply(moved, invert(move))).toEqual(d);
    const toPage = zoneUpdate('a', { page: 2 }, { current: d.zones.a });
    expect(apply(d, toPage).zones.a).not.toHaveProperty('order');
  });

  it('with the current zone: sets only the coordinates of the box that changed, each with its old value', () => {
    const z = zone('a', 'hello', { bbox: { x: 10, y: 20, w: 100, h: 50 } });
    const d = doc(z);
    const set = (bbox: Zone['bbox']) => zoneUpdate('a', { bbox }, { current: z });
    // A move sets x (and y), a resize by the right edge w, one by the left edge x and w.
    expect(set({ x: 30, y: 20, w: 100, h: 50 })).toEqual(['zones', 'a', 'bbox', 'x', { r: 10, i: 30 }]);
    expect(set({ x: 30, y: 25, w: 100, h: 50 })).toEqual([
      'zones',
      'a',
      'bbox',
      ['x', { r: 10, i: 30 }],
      ['y', { r: 20, i: 25 }],
    ]);
    expect(set({ x: 10, y: 20, w: 60, h: 50 })).toEqual(['zones', 'a', 'bbox', 'w', { r: 100, i: 60 }]);
    expect(set({ x: 0, y: 20, w: 110, h: 50 })).toEqual([
      'zones',
      'a',
      'bbox',
      ['w', { r: 100, i: 110 }],
      ['x', { r: 10, i: 0 }],
    ]);
    // The same box with its keys in another order is no change.
    expect(set({ h: 50, w: 100, y: 20, x: 10 })).toBeNull();
    // Whatever changed, the zone ends with exactly the box given, and the op undoes.
    for (const bbox of [
      { x: 30, y: 20, w: 100, h: 50 },
      { x: 1, y: 2, w: 3, h: 4 },
      { x: 10, y: 20, w: 100, h: 49.5 },
    ]) {
      const op = zoneUpdate('a', { bbox, label: 'L' }, { current: z, stamp: ann });
      const after = apply(d, op);
      expect(after.zones.a.bbox).toEqual(bbox);
      expect(after.zones.a).toMatchObject({ label: 'L', updatedBy: 'ann' });
      expect(apply(after, invert(op))).toEqual(d);
    }
  });

  it('keeps the box exactly as given when the current one carries other keys or is not a box', () => {
    const odd = zone('a', '', { bbox: { x: 1, y: 2, w: 3, h: 4, rotation: 90 } as Zone['bbox'] });
    const d = doc(odd);
    const op = zoneUpdate('a', { bbox: { x: 5, y: 2, w: 3, h: 4 } }, { current: odd });
    expect(op).toEqual(['zones', 'a', 'bbox', ['rotation', { r: 90 }], ['x', { r: 1, i: 5 }]]);
    expect(apply(d, op).zones.a.bbox).toEqual({ x: 5, y: 2, w: 3, h: 4 });
    expect(apply(apply(d, op), invert(op))).toEqual(d);
    const broken = { ...zone('b'), bbox: null } as unknown as Zone;
    expect(zoneUpdate('b', { bbox: { x: 5, y: 2, w: 3, h: 4 } }, { current: broken })).toEqual([
      'zones',
      'b',
      'bbox',
      { r: null, i: { x: 5, y: 2, w: 3, h: 4 } },
    ]);
  });

  it("merges one user's move of a box with another's concurrent resize of it, in either order", () => {
    const z = zone('a', '', { bbox: { x: 10, y: 20, w: 100, h: 50 } });
    const d = doc(z);
    const move = zoneUpdate('a', { bbox: { x: 300, y: 20, w: 100, h: 50 } }, { current: z, stamp: ann });
    const narrow = zoneUpdate('a', { bbox: { x: 10, y: 20, w: 60, h: 50 } }, { current: z, stamp: bob });
    for (const [first, second] of [
      [move, narrow],
      [narrow, move],
    ]) {
      const merged = apply(apply(d, first), transform(second, first, 'left'));
      expect(merged.zones.a.bbox).toEqual({ x: 300, y: 20, w: 60, h: 50 });
      expect(validateDocument(merged)).toEqual([]);
    }
    // A box replaced as one value (without the zone) still works, and still replaces the box whole.
    const whole = zoneUpdate('a', { bbox: { x: 0, y: 0, w: 1, h: 1 } }, { stamp: bob });
    expect(apply(apply(d, move), transform(whole, move, 'left')).zones.a.bbox).toEqual({
      x: 0,
      y: 0,
      w: 1,
      h: 1,
    });
  });

  it('refuses text, unknown attributes and invalid values', () => {
    expect(() => zoneUpdate('a', { text: 'x' } as never)).toThrow(/use zoneEdit/);
    expect(() => zoneUpdate('a', { colour: 'red' } as never)).toThrow(/cannot set "colour"/);
    expect(() => zoneUpdate('a', { type: 'banner' as never })).toThrow(/type must be one of/);
    expect(() => zoneUpdate('a', { page: 1.5 })).toThrow(/page must be an integer/);
  });
});

describe('zoneEdit', () => {
  it('splices at a position, counting code points', () => {
    const d = doc(zone('a', '😀 hello'));
    const op = zoneEdit('a', { pos: 2, del: 5, ins: 'bye' }, { current: d.zones.a, stamp: ann });
    const z = apply(d, op).zones.a;
    expect(z.text).toBe('😀 bye');
    expect(z.updatedBy).toBe('ann');
    expect(apply(apply(d, op), invert(op))).toEqual(d);
  });

  it('accepts a raw text-unicode op and normalizes it', () => {
    expect(zoneEdit('a', [0, 'X', 0])).toEqual(['zones', 'a', 'text', { es: ['X'] }]);
    expect(zoneEdit('a', [3])).toBeNull();
    expect(zoneEdit('a', { pos: 4 })).toBeNull();
  });

  it('checks the edit against the current text', () => {
    const z = zone('a', 'abc');
    expect(() => zoneEdit('a', { pos: 2, del: 2 }, { current: z })).toThrow(/past the end of the text \(3\)/);
    expect(() => zoneEdit('a', { pos: 0, del: 'xy' }, { current: z })).toThrow(
      /deletes "xy" but the text there is "ab"/,
    );
    expect(() => zoneEdit('a', { pos: -1, ins: 'x' })).toThrow(/pos must be an integer >= 0/);
    expect(() => zoneEdit('a', [{ d: 0 }, -1])).toThrow(/invalid text op component -1/);
    expect(() => zoneEdit('a', [{ x: 1 }] as never)).toThrow(/invalid text op component/);
    // A lone surrogate, where the builder is asked, not later by the server or the local validation.
    expect(() => zoneEdit('a', { pos: 0, ins: '\udc00x' }, { current: z })).toThrow(/well-formed text/);
    expect(() => zoneEdit('a', { pos: 0, del: '\ud800' })).toThrow(/well-formed text/);
  });

  it('fills in the deleted text so the op is invertible as built', () => {
    expect(textOp({ pos: 1, del: 2, ins: 'Z' }, 'abcd')).toEqual([1, { d: 'bc' }, 'Z']);
    // Positions count code points whether or not the text holds surrogates.
    expect(textOp({ pos: 1, del: 2 }, 'a😀bc')).toEqual([1, { d: '😀b' }]);
    expect(textOp({ pos: 2, del: 1 }, 'ab€c')).toEqual([2, { d: '€' }]);
    expect(codePointLength('a😀b')).toBe(3);
  });

  it('counts code points as Array.from does, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), (s, ascii) => {
        expect(codePointLength(s)).toBe(Array.from(s).length);
        expect(codePointLength(ascii)).toBe(ascii.length);
      }),
      FC_PARAMS,
    );
    expect(codePointLength('\uD800x\uDC00')).toBe(3);
  });
});

describe('metaSet', () => {
  it('inserts, replaces and removes meta keys', () => {
    const d: ZoneDocument = { meta: { title: 'A' }, zones: {} };
    expect(apply(d, metaSet('lang', 'de', d.meta)).meta).toEqual({ title: 'A', lang: 'de' });
    expect(apply(d, metaSet('title', 'B', d.meta)).meta).toEqual({ title: 'B' });
    expect(apply(d, metaSet('title', undefined, d.meta)).meta).toEqual({});
    expect(metaSet('title', 'A', d.meta)).toBeNull();
    expect(metaSet('nope', undefined, d.meta)).toBeNull();
  });
});

describe('describeOp', () => {
  const d = doc(zone('a'), zone('b'));
  it.each([
    [zoneCreate(zone('c'), ann), 'zone_create', ['c']],
    [zoneDelete('a'), 'zone_delete', ['a']],
    [zoneUpdate('a', { label: 'x' }, { stamp: ann }), 'zone_update', ['a']],
    [zoneEdit('b', { pos: 0, ins: 'x' }, { stamp: ann }), 'zone_edit', ['b']],
    [metaSet('title', 'T'), 'meta', []],
    [null, 'noop', []],
  ] as const)('%j is %s', (op, kind, zoneIds) => {
    expect(describeOp(op)).toEqual({ kind, zoneIds, touchesAllZones: false });
  });

  it('calls ops spanning kinds or zones mixed, listing every zone', () => {
    const both = compose(zoneEdit('a', { pos: 0, ins: 'x' }), zoneDelete('b'));
    expect(describeOp(both)).toEqual({ kind: 'mixed', zoneIds: ['a', 'b'], touchesAllZones: false });
    const twoEdits = compose(zoneEdit('a', { pos: 0, ins: 'x' }), zoneEdit('b', { pos: 0, ins: 'y' }));
    expect(describeOp(twoEdits).kind).toBe('zone_edit');
    const editAndLabel = compose(zoneEdit('a', { pos: 0, ins: 'x' }), zoneUpdate('a', { label: 'L' }));
    expect(describeOp(editAndLabel).kind).toBe('mixed');
  });

  it('flags ops on the zones map or the root as touching every zone', () => {
    expect(describeOp(['zones', { r: true, i: {} }])).toEqual({
      kind: 'mixed',
      zoneIds: [],
      touchesAllZones: true,
    });
    expect(describeOp([{ r: true, i: { meta: {}, zones: {} } }]).touchesAllZones).toBe(true);
  });

  it('lists both ends of a move', () => {
    const move = ['zones', ['a', { p: 0 }], ['c', { d: 0 }]];
    expect(describeOp(move)).toEqual({ kind: 'mixed', zoneIds: ['a', 'c'], touchesAllZones: false });
  });

  it('still sees a deletion after it was transformed past an edit inside the zone', () => {
    const del = transform(zoneDelete('a'), zoneEdit('a', { pos: 0, ins: 'x' }), 'right');
    expect(del).toEqual(['zones', 'a', { r: true }, 'text', { r: true }]);
    expect(describeOp(del)).toEqual({ kind: 'zone_delete', zoneIds: ['a'], touchesAllZones: false });
    expect(apply(apply(d, zoneEdit('a', { pos: 0, ins: 'x' })), del).zones.a).toBeUndefined();
  });
});

describe('stamps', () => {
  it('stampOp marks every zone an op leaves or creates', () => {
    const d = doc(zone('a'), zone('b'));
    const op = compose(zoneEdit('a', { pos: 0, ins: 'x' }), zoneCreate(zone('c')));
    const after = apply(d, stampOp(op, ann, d));
    expect([after.zones.a.updatedBy, after.zones.b.updatedBy, after.zones.c.updatedBy]).toEqual([
      'ann',
      'ocr',
      'ann',
    ]);
    expect(stampOp(zoneDelete('a'), ann, d)).toEqual(zoneDelete('a'));
  });

  it('withoutStamps keeps everything but the stamp writes', () => {
    const op = zoneEdit('a', { pos: 0, ins: 'x' }, { stamp: ann });
    expect(withoutStamps(op)).toEqual(zoneEdit('a', { pos: 0, ins: 'x' }));
    expect(withoutStamps(zoneCreate(zone('c'), ann))).toEqual(zoneCreate(zone('c'), ann));
  });
});

describe('properties', () => {
  it('ops from the builders always yield valid documents and say what they are', () => {
    const kinds = new Set(['zone_create', 'zone_update', 'zone_edit', 'zone_delete', 'meta', 'noop']);
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.integer({ min: 1, max: 8 }), (start, g, n) => {
        let d = start;
        for (let i = 0; i < n; i++) {
          const op = genOp(g, d, USERS[i % USERS.length], 1000 + i);
          const { kind } = describeOp(op);
          expect(kinds.has(kind)).toBe(true);
          d = apply(d, op);
          expect(validateDocument(d)).toEqual([]);
        }
      }),
      FC_PARAMS,
    );
  });
});
