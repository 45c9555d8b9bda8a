import fc from 'fast-check';
import { type as json1 } from 'ot-json1';
import { describe, expect, it } from 'vitest';
import { arbDoc, deepFreeze, FC_PARAMS, genOp, USERS } from '../test/arbitraries.js';
import { applyOneZone, setOneZone } from './one-zone.js';
import { metaSet, zoneCreate, zoneEdit } from './ops.js';
import type { Op } from './ot.js';
import type { ZoneDocument } from './zone.js';

const copy = (doc: ZoneDocument): ZoneDocument => ({ ...doc, zones: { ...doc.zones } });

describe('applyOneZone', () => {
  it('gives the document json1 gives, for every one-zone op of random editing, without touching the input', () => {
    let oneZone = 0;
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.constantFrom(...USERS), (doc, g, user) => {
        deepFreeze(doc);
        const op = genOp(g, doc, user);
        const expected = json1.apply(doc, op);
        const r = applyOneZone(doc, op);
        if (r === null) {
          // Only ops beyond one zone are left to the caller.
          expect(Array.isArray(op) && op[0] === 'zones' && typeof op[1] === 'string').toBe(false);
          return;
        }
        oneZone++;
        const got = copy(doc);
        setOneZone(got, r);
        expect(got).toEqual(expected);
        expect(r.before).toBe(doc.zones[r.zoneId]);
      }),
      { ...FC_PARAMS, numRuns: 2000 },
    );
    expect(oneZone).toBeGreaterThan(1000);
  });

  it('leaves ops on meta or on several zones to the caller, and throws what json1 throws', () => {
    const doc = deepFreeze({
      meta: {},
      zones: {
        a: {
          id: 'a',
          page: 1,
          bbox: { x: 0, y: 0, w: 1, h: 1 },
          type: 'paragraph',
          label: '',
          confidence: 1,
          text: 'hi',
          updatedBy: 'x',
          updatedAt: 1,
        },
      },
    } as ZoneDocument);
    expect(applyOneZone(doc, metaSet('title', 'T', {}))).toBeNull();
    const two = json1.compose(
      zoneEdit('a', { pos: 0, del: 0, ins: 'x' }),
      zoneCreate({ ...doc.zones.a, id: 'b' }),
    ) as Op;
    expect(applyOneZone(doc, two)).toBeNull();
    expect(applyOneZone(doc, null)).toBeNull();
    expect(() => applyOneZone(doc, ['zones', 'missing', 'text', { es: [5, 'x'] }])).toThrow();
  });
});
