import fc from 'fast-check';
import { type Doc, type JSONOp, type as json1 } from 'ot-json1';
import { type TextOp, type as textUnicode } from 'ot-text-unicode';
import { describe, expect, it } from 'vitest';
import { arbTextOpFor, deepFreeze, FC_PARAMS } from '../test/arbitraries.js';
import { findConflicts, findConflictsWithJson1 } from './conflicts.js';
import { describeOp, withoutStamps } from './ops.js';
import { checkOp, normalize, transform } from './ot.js';
import {
  applyZoneLocal,
  collidingSets,
  composeZoneLocal,
  copyObject,
  invertZoneLocal,
  normalizeZoneLocal,
  transformZoneLocal,
  zoneLocalFromParts,
} from './zone-local.js';

/** json1 with every conflict allowed: what `transform` in ot.ts must equal. */
const reference = json1.typeAllowingConflictsPred(() => true);
const BASE = 'hello world'; // both ops of a pair are made against a zone with this text

/** A text op for `text`: a skip, an insert, a delete (a count, or the deleted text). */
const arbTextOpOn = (text: string): fc.Arbitrary<TextOp> =>
  fc
    .record({
      skip: fc.integer({ min: 0, max: Array.from(text).length }),
      del: fc.integer({ min: 0, max: 4 }),
      ins: fc.constantFrom('', 'x', 'yz', '😀'),
      invertible: fc.boolean(),
    })
    .map(({ skip, del, ins, invertible }) => {
      const chars = Array.from(text);
      const n = Math.min(del, chars.length - skip);
      const d = invertible ? chars.slice(skip, skip + n).join('') : n;
      return textUnicode.normalize([skip, ins, ...(n > 0 ? [{ d }] : [])]);
    })
    .filter((op) => op.length > 0);

const arbScalar = fc.constantFrom<null | boolean | number | string>('ann', 'bob', 1, 2, null, true);
/** A set as the builders write it: the old value known (`r: value`) or not (`r: true`). */
const arbSet = fc.record({ r: fc.oneof(fc.constant(true), arbScalar), i: arbScalar });

/**
 * A zone-local op on `zone` (or a random one): a few keys (text edits of `text`, scalar sets), sometimes a set
 * of `text` itself.
 */
const arbOpOn = (text: string, zone?: string): fc.Arbitrary<JSONOp> =>
  fc
    .record({
      zone: zone === undefined ? fc.constantFrom('a', 'b') : fc.constant(zone),
      text: fc.option(
        fc.oneof(
          { weight: 5, arbitrary: arbTextOpOn(text).map((es) => ({ es })) },
          { weight: 1, arbitrary: arbSet },
        ),
        { nil: undefined },
      ),
      label: fc.option(arbSet, { nil: undefined }),
      updatedAt: fc.option(arbSet, { nil: undefined }),
      updatedBy: fc.option(arbSet, { nil: undefined }),
    })
    .map(({ zone, ...keys }) => {
      const children = Object.entries(keys)
        .filter(([, c]) => c !== undefined)
        .map(([k, c]) => [k, c]);
      return json1.normalize(['zones', zone, ...children] as JSONOp);
    });

/** Two ops made against the same zones, whose text is BASE. */
const arbOp = arbOpOn(BASE);

/** An op and a second one, on the same zone, that applies after it. */
const arbSequence: fc.Arbitrary<[JSONOp, JSONOp]> = arbOp
  .filter((a) => a !== null)
  .chain((a) => {
    const zone = (a as string[])[1];
    const after = json1.apply(
      { zones: { [zone]: { text: BASE, label: '', updatedAt: 0, updatedBy: '' } } },
      a,
    ) as {
      zones: Record<string, { text: unknown }>;
    };
    const text = after.zones[zone].text;
    return fc.tuple(fc.constant(a), arbOpOn(typeof text === 'string' ? text : BASE, zone));
  });

describe('transformZoneLocal', () => {
  it('equals json1 component for component on random zone-local ops', () => {
    let fast = 0;
    fc.assert(
      fc.property(arbOp, arbOp, fc.constantFrom('left' as const, 'right' as const), (a, b, side) => {
        const got = transformZoneLocal(a, b, side);
        if (got === undefined) return; // left to json1
        fast++;
        expect(got).toEqual(reference.transform(a, b, side) ?? null);
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(2000);
  });

  it('transforms concurrent typing in one zone as text-unicode does, stamps to the left side', () => {
    const a: JSONOp = ['zones', 'z', ['text', { es: [3, 'a'] }], ['updatedBy', { r: 'x', i: 'ann' }]];
    const b: JSONOp = ['zones', 'z', ['text', { es: [1, { d: 1 }] }], ['updatedBy', { r: true, i: 'bob' }]];
    expect(transformZoneLocal(a, b, 'left')).toEqual([
      'zones',
      'z',
      ['text', { es: [2, 'a'] }],
      ['updatedBy', { r: true, i: 'ann' }],
    ]);
    expect(transformZoneLocal(b, a, 'right')).toEqual(['zones', 'z', 'text', { es: [1, { d: 1 }] }]);
  });

  it('drops both sets when both set the same value', () => {
    const a: JSONOp = ['zones', 'z', 'label', { r: true, i: 'same' }];
    expect(transformZoneLocal(a, a, 'left')).toBeNull();
    expect(transformZoneLocal(a, a, 'right')).toBeNull();
  });

  it('leaves other shapes to json1', () => {
    const edit: JSONOp = ['zones', 'z', 'text', { es: ['x'] }];
    expect(transformZoneLocal(['zones', 'z', { r: true }], edit, 'left')).toBeUndefined();
    expect(transformZoneLocal(edit, ['zones', 'z', 'text', { r: true, i: 'new' }], 'left')).toBeUndefined();
    expect(transformZoneLocal(['meta', 'k', { r: true, i: 1 }], edit, 'left')).toBeUndefined();
    expect(transformZoneLocal(edit, ['zones', 'z', 'label', { i: 'x' }], 'left')).toBeUndefined();
    expect(
      transformZoneLocal(['zones', 'z', 'bbox', { r: true, i: { x: 1 } }], edit, 'left'),
    ).toBeUndefined();
    expect(transformZoneLocal(null, edit, 'left')).toBeUndefined();
  });

  it('finds the conflicts json1 finds, key by key, on random zone-local ops', () => {
    let fast = 0;
    const sorted = (x: unknown[]) => x.map((c) => JSON.stringify(c)).sort();
    fc.assert(
      fc.property(arbOp, arbOp, (a, b) => {
        if (collidingSets(a, b) !== undefined) fast++;
        expect(sorted(findConflicts(a, b))).toEqual(sorted(findConflictsWithJson1(a, b)));
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(2000);
  });

  it('describes ops and strips stamps as the general path does', () => {
    fc.assert(
      fc.property(arbOp, (op) => {
        fc.pre(op !== null);
        // Wrapped in a list, the same op is not in the zone-local form: describeOp and withoutStamps walk it.
        const wrapped = [op] as JSONOp;
        expect(describeOp(op)).toEqual(describeOp(wrapped));
        expect(withoutStamps(op)).toEqual(normalize(withoutStamps(wrapped)));
      }),
      { ...FC_PARAMS, numRuns: 1000 },
    );
  });

  it('composes as json1 does, on random pairs of zone-local ops', () => {
    let fast = 0;
    fc.assert(
      fc.property(arbSequence, ([a, b]) => {
        const got = composeZoneLocal(a, b);
        if (got === undefined) return;
        fast++;
        expect(got).toEqual(json1.compose(a, b) ?? null);
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(2000);
  });

  /**
   * Documents of zone `a` (and sometimes `b`), each zone `full` or a shape json1 refuses to work on: sets of missing
   * keys, a text edit of a number, and the `odd` ones given.
   */
  const arbDocumentOf = (full: Record<string, Doc>, ...odd: Record<string, Doc>[]) => {
    const arbZone = fc.oneof(
      fc.constant(full),
      fc.constant({ text: BASE }),
      fc.constant({ ...full, text: 7 }),
      ...odd.map((z) => fc.constant(z)),
    );
    return fc.record({
      zones: fc.record({ a: arbZone, b: arbZone }, { requiredKeys: ['a'] }),
      meta: fc.constant({}),
    });
  };

  it('applies as json1 does, and leaves to json1 what it would refuse', () => {
    const arbDocument = arbDocumentOf({ text: BASE, label: '', updatedAt: 0, updatedBy: '' });
    let fast = 0;
    fc.assert(
      fc.property(arbDocument, arbOp, (doc, op) => {
        fc.pre(op !== null);
        const frozen = structuredClone(doc);
        let expected: unknown;
        try {
          expected = json1.apply(structuredClone(doc), op);
        } catch {
          expected = 'throws';
        }
        const got = applyZoneLocal(doc, op);
        expect(doc).toEqual(frozen); // never mutated
        if (got === undefined) return;
        fast++;
        expect(got).toEqual(expected);
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(500);
  });

  it('inverts against the document as json1 does, and leaves to json1 what it would refuse', () => {
    const full = { text: BASE, label: 'old', updatedAt: 5, updatedBy: 'ann' };
    const arbDocument = arbDocumentOf(full, { ...full, label: { nested: true } }); // also a set over an object
    let fast = 0;
    fc.assert(
      fc.property(arbDocument, arbOp, (doc, op) => {
        fc.pre(op !== null);
        const frozen = structuredClone(doc);
        const got = invertZoneLocal(op, doc);
        expect(doc).toEqual(frozen); // never mutated
        if (got === undefined) return;
        fast++;
        expect(got).toEqual(json1.invertWithDoc(op, structuredClone(doc)) ?? null);
        // and it undoes the op
        const after = json1.apply(structuredClone(doc), op);
        expect(json1.apply(after, got)).toEqual(doc);
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(500);
  });

  /** Text ops as callers may write them: zero skips, empty inserts, split skips, nothing at all. */
  const arbRawTextOp = fc.array(
    fc.oneof(
      fc.nat({ max: 3 }),
      fc.constantFrom('', 'a', 'bc', '😀'),
      fc.record({ d: fc.integer({ min: 0, max: 2 }) }),
    ),
    { maxLength: 5 },
  );
  const arbComponent = fc.oneof(
    arbRawTextOp.map((es) => ({ es })),
    arbSet,
  );
  const arbParts = fc
    .uniqueArray(fc.constantFrom('text', 'label', 'updatedAt', 'updatedBy', 'type'), {
      minLength: 1,
      maxLength: 4,
    })
    .chain((keys) =>
      fc.tuple(fc.constant(keys), fc.array(arbComponent, { minLength: keys.length, maxLength: keys.length })),
    );

  it("normalizes as json1 does, and builds from one zone's parts as json1 does", () => {
    let fast = 0;
    fc.assert(
      fc.property(arbParts, ([keys, comps]) => {
        const w = json1.writeCursor();
        for (let i = 0; i < keys.length; i++) w.mergeTree(['zones', 'z', keys[i], { ...comps[i] }]);
        const expected = json1.normalize(w.get()) ?? null;
        const built = zoneLocalFromParts('z', keys, comps);
        if (built === undefined) return;
        fast++;
        expect(built).toEqual(expected);
        // The same op, keys sorted but text ops not normalized: normalizeZoneLocal agrees with json1.
        const order = keys.map((_, i) => i).sort((i, j) => (keys[i] < keys[j] ? -1 : 1));
        const raw: JSONOp =
          order.length === 1
            ? ['zones', 'z', keys[order[0]], comps[order[0]]]
            : ['zones', 'z', ...order.map((i) => [keys[i], comps[i]])];
        const normalized = normalizeZoneLocal(raw);
        if (normalized !== undefined) expect(normalized).toEqual(json1.normalize(raw) ?? null);
      }),
      { ...FC_PARAMS, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(1000);
    expect(zoneLocalFromParts('z', ['text', 'text'], [{ es: ['a'] }, { es: ['b'] }])).toBeUndefined();
    expect(zoneLocalFromParts('z', ['label'], [{ i: 'x' }])).toBeUndefined(); // an insert: json1's
  });
});

describe('zone-local fast paths on astral text and raw text ops', () => {
  /** What a call gives: its value, or that it throws (the fast path must refuse what json1 refuses). */
  const outcome = (f: () => unknown): unknown => {
    try {
      return { value: f() };
    } catch {
      return 'throws';
    }
  };
  /** json1's outcome (its no-op `undefined` is `null`, as ot.ts returns it). */
  const json1Outcome = (f: () => unknown): unknown => outcome(() => f() ?? null);
  const arbAstralText = fc
    .array(fc.constantFrom('a', 'b', 'é', '😀', '𝄞'), { maxLength: 8 })
    .map((a) => a.join(''));
  /** Text ops as callers may send them, before any normalize: empty, zero skips, deletes past the end. */
  const arbRawEs = fc.array(
    fc.oneof(
      fc.nat({ max: 4 }),
      fc.constantFrom('', 'x', '😀', 'é𝄞'),
      fc.record({ d: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', '😀', '')) }),
    ),
    { maxLength: 4 },
  );
  /** A component for `text`: mostly a valid (composed) edit of it, sometimes a raw one, or a set. */
  const arbTextComp = (text: string) =>
    fc.oneof(
      { weight: 4, arbitrary: arbTextOpFor(text).map((es) => ({ es })) },
      { weight: 2, arbitrary: arbRawEs.map((es) => ({ es })) },
      { weight: 1, arbitrary: arbSet },
    );
  const arbOtherComp = fc.oneof(
    arbSet,
    arbRawEs.map((es) => ({ es })),
  );
  /** A zone-local op on zone `a`, keys in order (as normalize leaves them, text ops left as drawn). */
  const arbRawOp = (text: string): fc.Arbitrary<JSONOp> =>
    fc
      .record(
        { label: arbOtherComp, text: arbTextComp(text), updatedAt: arbSet, updatedBy: arbSet },
        { requiredKeys: [] },
      )
      .map((keys) => {
        const entries = Object.entries(keys).sort(([x], [y]) => (x < y ? -1 : 1));
        if (entries.length === 0) return ['zones', 'a', 'text', { es: [] }] as JSONOp;
        if (entries.length === 1) return ['zones', 'a', ...entries[0]] as JSONOp;
        return ['zones', 'a', ...entries] as JSONOp;
      });
  const arbCase = arbAstralText.chain((text) =>
    fc.record({
      text: fc.constant(text),
      a: arbRawOp(text),
      b: arbRawOp(text),
      side: fc.constantFrom('left' as const, 'right' as const),
    }),
  );
  const docOf = (text: string) => ({ zones: { a: { text, label: 'l', updatedAt: 1, updatedBy: 'u' } } });

  it('transform, compose, apply and invert give what json1 gives (or refuse what it refuses)', () => {
    const fast = { transform: 0, compose: 0, apply: 0, invert: 0 };
    fc.assert(
      fc.property(arbCase, (drawn) => {
        // Each call gets its own copy (json1's text calls merge deletes into their input's objects), and the fast
        // paths must not write into theirs.
        const { text, a, b, side } = drawn;
        const frozen = deepFreeze(structuredClone(drawn));
        const fresh = (op: JSONOp) => structuredClone(op);
        const got = outcome(() => transformZoneLocal(frozen.a, frozen.b, side));
        if (got === 'throws' || (got as { value: unknown }).value !== undefined) {
          fast.transform++;
          expect(got).toEqual(json1Outcome(() => reference.transform(fresh(a), fresh(b), side)));
        }
        const composed = outcome(() => composeZoneLocal(frozen.a, frozen.b));
        if (composed === 'throws' || (composed as { value: unknown }).value !== undefined) {
          fast.compose++;
          expect(composed).toEqual(json1Outcome(() => json1.compose(fresh(a), fresh(b))));
        }
        const doc = docOf(text);
        const applied = outcome(() => applyZoneLocal(doc, frozen.a));
        if (applied === 'throws' || (applied as { value: unknown }).value !== undefined) {
          fast.apply++;
          expect(applied).toEqual(json1Outcome(() => json1.apply(structuredClone(doc), fresh(a))));
        }
        const inverted = outcome(() => invertZoneLocal(frozen.a, doc));
        if (inverted === 'throws' || (inverted as { value: unknown }).value !== undefined) {
          fast.invert++;
          expect(inverted).toEqual(json1Outcome(() => json1.invertWithDoc(fresh(a), structuredClone(doc))));
        }
      }),
      { ...FC_PARAMS, numRuns: Number(process.env.FC_RUNS ?? 2000) },
    );
    for (const n of Object.values(fast)) expect(n).toBeGreaterThan(500);
  });

  it('finds the conflicts json1 finds on raw text ops, and throws where its tryTransform throws', () => {
    const sorted = (x: unknown) =>
      x === 'throws'
        ? x
        : ((x as { value: unknown[] }).value.map((c) => JSON.stringify(c)).sort() as unknown);
    let fast = 0;
    let throws = 0;
    fc.assert(
      fc.property(arbCase, ({ a, b }) => {
        const local = outcome(() => collidingSets(a, b));
        if (local === 'throws' || (local as { value: unknown }).value !== undefined) fast++;
        const got = outcome(() => findConflicts(structuredClone(a), structuredClone(b)));
        if (got === 'throws') throws++;
        expect(sorted(got)).toEqual(
          sorted(outcome(() => findConflictsWithJson1(structuredClone(a), structuredClone(b)))),
        );
      }),
      { ...FC_PARAMS, numRuns: Number(process.env.FC_RUNS ?? 2000) },
    );
    expect(fast).toBeGreaterThan(500);
    expect(throws).toBeGreaterThan(100);
  });

  it('takes, once checked (checkOp) and normalized as the sequencer does, every raw op without throwing', () => {
    /** A component no normalize can mend, put into a text edit of `op` (when it has one). */
    const arbBogus = fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.record({
          part: fc.constantFrom<unknown>(-1, 1.5, Number.NaN, true, null, { x: 1 }, { d: -1 }, { d: 0.5 }),
          at: fc.nat({ max: 4 }),
        }),
      },
    );
    const spoil = (op: JSONOp, bogus: { part: unknown; at: number } | null): JSONOp => {
      if (bogus === null) return op;
      const copy = structuredClone(op) as unknown[];
      const comps = (copy.length === 4 ? [copy[3]] : copy.slice(2).map((e) => (e as unknown[])[1])) as {
        es?: unknown[];
      }[];
      const c = comps.find((x) => x.es !== undefined);
      c?.es?.splice(Math.min(bogus.at, c.es.length), 0, bogus.part);
      return copy as JSONOp;
    };
    let checked = 0;
    let refused = 0;
    fc.assert(
      fc.property(arbCase, arbBogus, arbBogus, (drawn, badA, badB) => {
        const { side } = drawn;
        const a = spoil(drawn.a, badA);
        const b = spoil(drawn.b, badB);
        if (checkOp(a) !== null || checkOp(b) !== null) {
          refused++;
          return;
        }
        checked++;
        const x = normalize(structuredClone(a));
        const y = normalize(structuredClone(b));
        expect(() => findConflicts(x, y)).not.toThrow();
        expect(() => transform(x, y, side)).not.toThrow();
      }),
      { ...FC_PARAMS, numRuns: Number(process.env.FC_RUNS ?? 1000) },
    );
    expect(checked).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(100);
  });

  it('transforms text edits that are not normalized as json1 does when the stamps collide (its conflict loop normalizes)', () => {
    const theirs: JSONOp = ['zones', 'a', 'updatedBy', { r: true, i: 'bob' }];
    for (const es of [[{ d: '' }], [1, 'x', 'y'], [0, 'x']]) {
      const mine: JSONOp = ['zones', 'a', ['text', { es }], ['updatedBy', { r: true, i: 'ann' }]];
      for (const side of ['left', 'right'] as const) {
        expect(transformZoneLocal(mine, theirs, side)).toEqual(
          reference.transform(mine, theirs, side) ?? null,
        );
      }
    }
    expect(
      transformZoneLocal(
        ['zones', 'a', ['text', { es: [1, 'x', 'y'] }], ['updatedBy', { r: true, i: 'ann' }]],
        theirs,
        'left',
      ),
    ).toEqual(['zones', 'a', ['text', { es: [1, 'xy'] }], ['updatedBy', { r: true, i: 'ann' }]]);
    // A set against a text edit of one key is json1's to settle, before it would transform (and refuse) `[0]`.
    const a: JSONOp = ['zones', 'a', ['label', { es: [] }], ['text', { r: 'ann', i: 'ann' }]];
    const b: JSONOp = ['zones', 'a', ['label', { es: [0] }], ['text', { es: [] }]];
    expect(transformZoneLocal(a, b, 'left')).toBeUndefined();
    expect(reference.transform(a, b, 'left')).toEqual(['zones', 'a', 'text', { r: true, i: 'ann' }]);
  });

  it('inverts two deletes in a row without merging them into the caller’s op (text-unicode would)', () => {
    const op: JSONOp = ['zones', 'a', 'text', { es: [{ d: 'a' }, { d: 'b' }] }];
    const doc = docOf('abc');
    expect(invertZoneLocal(deepFreeze(structuredClone(op)), doc)).toEqual(
      json1.invertWithDoc(structuredClone(op), doc),
    );
  });

  it('drops empty text edits as json1 does: a key the other op does not touch, and an inverse that restores nothing', () => {
    const empty: JSONOp = ['zones', 'a', 'text', { es: [] }];
    const stamped: JSONOp = ['zones', 'a', ['text', { es: [] }], ['updatedBy', { r: true, i: 'ann' }]];
    const other: JSONOp = ['zones', 'b', 'text', { es: ['x'] }];
    expect(transformZoneLocal(empty, other, 'left')).toBeNull();
    expect(transformZoneLocal(stamped, other, 'left')).toEqual([
      'zones',
      'a',
      'updatedBy',
      { r: true, i: 'ann' },
    ]);
    expect(composeZoneLocal(stamped, ['zones', 'a', 'label', { r: true, i: 'L' }])).toEqual([
      'zones',
      'a',
      ['label', { r: true, i: 'L' }],
      ['updatedBy', { r: true, i: 'ann' }],
    ]);
    const doc = docOf('ab😀');
    expect(invertZoneLocal(empty, doc)).toBeNull();
    // A delete past the end of the text deletes nothing, and json1's inverse is no op at all.
    expect(invertZoneLocal(['zones', 'a', 'text', { es: [3, { d: 2 }] }], doc)).toBeNull();
    expect(json1.invertWithDoc(['zones', 'a', 'text', { es: [3, { d: 2 }] }], doc)).toBeNull();
  });
});

describe('copyObject', () => {
  it('copies own keys in order, as a spread does, and defines a `__proto__` key rather than setting the prototype', () => {
    const o = JSON.parse('{"b":1,"2":2,"a":{"x":1},"__proto__":{"polluted":true},"1":3}');
    const copy = copyObject(o);
    expect(copy).not.toBe(o);
    expect(Object.keys(copy)).toEqual(Object.keys({ ...o }));
    expect(copy.a).toBe(o.a);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
