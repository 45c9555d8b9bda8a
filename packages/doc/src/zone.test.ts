import { zoneSchema } from '@syncline/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbDoc, arbZone, FC_PARAMS } from '../test/arbitraries.js';
import {
  DEFAULT_LIMITS,
  emptyDocument,
  isValidDocument,
  validateDocument,
  validateZone,
  ZONE_TYPES,
  type Zone,
} from './zone.js';

const good: Zone = {
  id: 'z1',
  page: 0,
  bbox: { x: 10, y: 20, w: 100, h: 40 },
  type: 'heading',
  label: 'Title',
  confidence: 0.9,
  text: 'Invoice',
  updatedBy: 'ocr',
  updatedAt: 1_700_000_000_000,
};

describe('validateZone', () => {
  it('accepts a complete zone, and unknown extra fields', () => {
    expect(validateZone(good)).toEqual([]);
    expect(validateZone({ ...good, language: 'de' })).toEqual([]);
  });

  it('holds plain JSON only, nested no deeper than meta may, in every field', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(validateZone({ ...good, extra: deep })).toEqual(['zone: extra: nested more than 32 levels deep']);
    expect(validateZone({ ...good, bbox: { ...good.bbox, note: deep } })).toEqual([
      'zone: bbox: nested more than 32 levels deep',
    ]);
    expect(validateZone({ ...good, seen: new Date(0) })).toEqual(['zone: seen: a Date is not a JSON value']);
    expect(validateZone({ ...good, raw: new Uint8Array(1) })).toEqual([
      'zone: raw: a Uint8Array is not a JSON value',
    ]);
    expect(validateZone({ ...good, n: Number.NaN })).toEqual(['zone: n: NaN is not a JSON number']);
    expect(validateZone({ ...good, extra: { a: [1, { b: null }] } })).toEqual([]);
  });

  it('names each problem clearly', () => {
    const problems = validateZone(
      { ...good, page: -1, type: 'banner', confidence: 2, bbox: { x: 0, y: 0, w: -1, h: 1 }, text: 5 },
      'z1',
    );
    expect(problems).toEqual([
      'zone "z1": page must be an integer >= 0, got -1',
      'zone "z1": bbox.w and bbox.h must be >= 0, got {"x":0,"y":0,"w":-1,"h":1}',
      `zone "z1": type must be one of ${ZONE_TYPES.join(', ')}, got "banner"`,
      'zone "z1": confidence must be a number in [0, 1], got 2',
      'zone "z1": text must be a string, got 5',
    ]);
  });

  it("accepts the analysis' reading `order` when it is an integer >= 0, and only then", () => {
    expect(validateZone({ ...good, order: 3 })).toEqual([]);
    expect(validateZone({ ...good, order: 0 })).toEqual([]);
    expect(validateZone({ ...good, order: 1.5 }, 'z1')).toEqual([
      'zone "z1": order must be an integer >= 0 when present, got 1.5',
    ]);
    expect(validateZone({ ...good, order: '2' })).toHaveLength(1);
  });

  it('reports missing fields and a key that differs from the id', () => {
    const { updatedBy: _, bbox: __, ...rest } = good;
    expect(validateZone(rest, 'other')).toEqual([
      'zone "other": id "z1" differs from its key in zones',
      'zone "other": bbox must be an object {x, y, w, h}, got missing',
      'zone "other": updatedBy must be a non-empty user id, got missing',
    ]);
  });

  it('rejects non-finite numbers and non-objects', () => {
    expect(validateZone({ ...good, bbox: { ...good.bbox, x: Number.NaN } })).toEqual([
      'zone: bbox.x must be a finite number, got null',
    ]);
    expect(validateZone(null)).toEqual(['zone must be an object, got null']);
    expect(validateZone([])).toEqual(['zone must be an object, got []']);
  });

  it('enforces the length limits', () => {
    expect(validateZone({ ...good, label: 'x'.repeat(257) })).toEqual([
      'zone: label is 257 characters long, the limit is 256',
    ]);
    const limits = { ...DEFAULT_LIMITS, maxTextLength: 3, maxZones: 1 };
    expect(validateZone({ ...good, text: 'long' }, undefined, limits)).toEqual([
      'zone: text is 4 characters long, the limit is 3',
    ]);
  });
});

describe('validateDocument', () => {
  it('accepts an empty document', () => {
    expect(validateDocument(emptyDocument())).toEqual([]);
  });

  it('checks the shape and every zone', () => {
    expect(validateDocument({ zones: [] })).toEqual([
      'meta must be an object, got missing',
      'zones must be an object keyed by zone id, got []',
    ]);
    expect(
      validateDocument({ meta: {}, zones: { z1: good, z2: { ...good, id: 'z2', page: 1.5 } }, x: 1 }),
    ).toEqual(['zone "z2": page must be an integer >= 0, got 1.5', 'unexpected top-level field "x"']);
  });

  it('checks only the zones asked for, as a sequencer does after an op', () => {
    const doc = { meta: {}, zones: { z1: good, z2: { ...good, id: 'z2', page: -1 } } };
    expect(validateDocument(doc, { zoneIds: ['z1', 'gone'] })).toEqual([]);
    expect(validateDocument(doc, { zoneIds: ['z2'] })).toHaveLength(1);
  });

  it('limits the number of zones', () => {
    const limits = { ...DEFAULT_LIMITS, maxTextLength: 100, maxZones: 1 };
    const doc = { meta: {}, zones: { z1: good, z2: { ...good, id: 'z2' } } };
    expect(validateDocument(doc, { limits })).toEqual(['2 zones, the limit is 1']);
    expect(isValidDocument(doc)).toBe(true);
    // The count needs every zone listed; with some zones asked for and no limit, the zones are not listed (a
    // client checks each keystroke this way, and listing 10,000 zones per key costs more than the check).
    let listed = 0;
    const zones = new Proxy(doc.zones, {
      ownKeys: (target) => {
        listed++;
        return Reflect.ownKeys(target);
      },
    });
    const unlimited = { ...limits, maxZones: Number.POSITIVE_INFINITY };
    expect(validateDocument({ ...doc, zones }, { limits: unlimited, zoneIds: ['z1'] })).toEqual([]);
    expect(listed).toBe(0);
    expect(validateDocument({ ...doc, zones }, { limits, zoneIds: ['z1'] })).toEqual([
      '2 zones, the limit is 1',
    ]);
    expect(listed).toBe(1);
  });

  it('limits how deep meta nests, so that every accepted document can be encoded and sent', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 32; i++) deep = i % 2 ? { a: deep } : [deep];
    expect(validateDocument({ meta: { deep }, zones: {} })).toEqual([
      'meta: nested more than 32 levels deep',
    ]);
    expect(validateDocument({ meta: deep as Record<string, unknown>, zones: {} })).toEqual([]);
  });

  it('keeps meta plain JSON: a number add on a missing key (NaN), a MessagePack timestamp or big integer', () => {
    expect(validateDocument({ meta: { n: Number.NaN }, zones: {} })).toEqual([
      'meta: NaN is not a JSON number',
    ]);
    expect(validateDocument({ meta: { at: new Date(0) }, zones: {} })).toEqual([
      'meta: a Date is not a JSON value',
    ]);
    expect(validateDocument({ meta: { n: [2n] }, zones: {} })).toEqual([
      'meta: a big integer is not a JSON value (JSON has none)',
    ]);
  });

  it('accepts every generated document', () => {
    fc.assert(
      fc.property(arbDoc, (doc) => validateDocument(doc).length === 0),
      FC_PARAMS,
    );
  });
});

describe('agreement with the wire schema', () => {
  // The zone_create event carries a zone checked by @syncline/protocol's zoneSchema: a zone this model
  // accepts must pass it too, or the server would accept an op the wire rejects.
  it('every valid zone passes zoneSchema', () => {
    fc.assert(
      fc.property(arbZone('z1'), (z) => zoneSchema.safeParse(z).success),
      FC_PARAMS,
    );
    expect(zoneSchema.safeParse({ ...good, id: 'x'.repeat(128), label: 'y'.repeat(256) }).success).toBe(true);
  });
});
