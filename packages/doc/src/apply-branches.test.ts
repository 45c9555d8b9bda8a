import fc from 'fast-check';
import { type as json1 } from 'ot-json1';
import { describe, expect, it } from 'vitest';
import { arbDoc, FC_PARAMS, genOp, USERS } from '../test/arbitraries.js';
import { testZone } from '../test/fixtures.js';
import { applyByBranches, BRANCHED_APPLY_MIN_COMPONENTS } from './apply-branches.js';
import { zoneCreate, zoneDelete } from './ops.js';
import { apply, compose, type Json, normalize, type Op, opComponents } from './ot.js';
import type { ZoneDocument } from './zone.js';

/** What json1 makes of it, or the error it throws. */
const byJson1 = (doc: unknown, op: Op) => {
  try {
    return { doc: json1.apply(doc as never, op) };
  } catch (e) {
    return { error: (e as Error).message };
  }
};
const byBranches = (doc: unknown, op: Op) => {
  try {
    return { doc: applyByBranches(doc, op as never) };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

describe('applyByBranches', () => {
  it('gives what json1 gives for ops of many changes (random ops of several users composed), errors alike', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.integer({ min: 2, max: 12 }), (start, g, n) => {
        // Ops made one after the other, composed into one: changes of several zones and keys in one op.
        let doc: ZoneDocument = start;
        let op: Op = null;
        for (let i = 0; i < n; i++) {
          const next = genOp(g, doc, USERS[i % USERS.length]);
          doc = apply(doc, next);
          op = compose(op, next);
        }
        if (op === null) return;
        const want = byJson1(start, op);
        const got = byBranches(start, op);
        if (opComponents(op).length < BRANCHED_APPLY_MIN_COMPONENTS) expect(got.doc).toBeUndefined();
        else expect(got).toEqual(want);
        // Applied to a document it does not fit (another random one): the same result, or an error too.
        const other = g(() => arbDoc);
        const wantOther = byJson1(other, op);
        const gotOther = byBranches(other, op);
        if (gotOther.doc !== undefined || gotOther.error !== undefined) {
          if ('error' in wantOther) expect(gotOther.error).toBeDefined();
          else expect(gotOther).toEqual(wantOther);
        }
      }),
      FC_PARAMS,
    );
  });

  it('deletes many zones of a big document, and sets many meta keys, copying each object once', () => {
    const zones: Record<string, unknown> = {};
    for (let i = 0; i < 2_000; i++) zones[`z${i}`] = testZone(`z${i}`, `text ${i}`);
    const doc = { meta: { keep: 1 }, zones } as unknown as Json;
    const gone = Array.from({ length: 600 }, (_, i) => `z${i * 3}`);
    let op: Op = null;
    for (const id of gone) op = compose(op, zoneDelete(id));
    op = compose(op, zoneCreate(testZone('new', 'fresh')));
    const meta = normalize([
      'meta',
      ...Array.from({ length: 500 }, (_, i) => [`k${i}`, { i: i }]),
    ] as unknown as Op);
    const all = compose(op, meta);
    const result = applyByBranches(doc, all as never) as {
      meta: Record<string, unknown>;
      zones: Record<string, unknown>;
    };
    expect(result).toEqual(json1.apply(doc as never, all));
    expect(Object.keys(result.zones)).toHaveLength(2_000 - 600 + 1);
    expect(result.meta.k499).toBe(499);
    expect(zones.z0).toBeDefined(); // the document it was applied to is unchanged
    // The same through `apply`, as the server and the clients call it.
    expect(apply(doc, all)).toEqual(result);
  });

  it('leaves small ops, moves and non-lists to json1', () => {
    const doc = { meta: {}, zones: { a: testZone('a'), b: testZone('b') } };
    expect(applyByBranches(doc, ['zones', 'a', { r: true }])).toBeUndefined();
    const move = ['zones', ['a', { p: 0 }], ['c', { d: 0 }]];
    expect(applyByBranches(doc, move as never)).toBeUndefined();
  });
});
