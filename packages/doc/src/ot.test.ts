import fc from 'fast-check';
import { editOp, insertOp, type as json1, moveOp, removeOp, replaceOp } from 'ot-json1';
import { describe, expect, it } from 'vitest';
import { arbDoc, deepFreeze, FC_PARAMS, genOp } from '../test/arbitraries.js';
import { docOf, testZone } from '../test/fixtures.js';
import { zoneEdit } from './ops.js';
import {
  apply,
  applyOps,
  CONFLICT,
  checkOp,
  compose,
  composeAll,
  docType,
  invert,
  invertWithDoc,
  type Json,
  MAX_OP_DEPTH,
  makeInvertible,
  normalize,
  type Op,
  opComponents,
  opFromComponents,
  type TextOp,
  transform,
  transformCaret,
  transformPast,
  transformX,
  tryTransform,
} from './ot.js';
import { validateDocument, type Zone } from './zone.js';

const zone = (id: string, text: string, extra: Partial<Zone> = {}): Zone => testZone(id, text, extra);
const docWith = docOf;
const textEdit = (id: string, op: TextOp): Op => ['zones', id, 'text', { es: op }];

describe('apply', () => {
  it('leaves the previous snapshot untouched', () => {
    const d = deepFreeze(docWith(zone('a', 'hello')));
    const next = apply(d, textEdit('a', [5, ' world']));
    expect(next.zones.a.text).toBe('hello world');
    expect(d.zones.a.text).toBe('hello');
  });

  it('counts text positions in code points', () => {
    const d = docWith(zone('a', '😀b'));
    expect(apply(d, textEdit('a', [1, 'X'])).zones.a.text).toBe('😀Xb');
  });

  it('throws when the op does not fit the document', () => {
    const d = docWith(zone('a', 'hi'));
    expect(() => apply(d, textEdit('a', [5, 'X']))).toThrow(/too long/);
    expect(() => apply(d, insertOp(['zones', 'a'], {}))).toThrow();
  });

  it('rejects a zero skip in a raw text op, which normalize removes', () => {
    const d = docWith(zone('a', 'hi'));
    const raw = textEdit('a', [0, 'X']);
    expect(() => apply(d, raw)).toThrow(/Skip components must be >0/);
    expect(apply(d, normalize(raw)).zones.a.text).toBe('Xhi');
  });
});

describe('applyOps', () => {
  it('gives what apply gives one op after the other, the documents before untouched', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.integer({ min: 0, max: 12 }), (start, g, n) => {
        const ops: Op[] = [];
        let one = deepFreeze(start);
        for (let i = 0; i < n; i++) {
          const op = genOp(g, one, 'ann');
          ops.push(op);
          one = deepFreeze(apply(one, op));
        }
        const { doc, failed } = applyOps(deepFreeze(start), ops);
        expect(failed).toEqual([]);
        expect(doc).toEqual(one);
      }),
      FC_PARAMS,
    );
  });

  it('copies the zones once for a run of single-zone edits, and stops at (or skips) an op that does not fit', () => {
    const d = deepFreeze(docWith(zone('a', 'hi'), zone('b', 'yo')));
    const ops = [
      textEdit('a', [2, '!']),
      textEdit('b', [2, '?']),
      textEdit('a', [9, 'X']),
      textEdit('a', ['>']),
    ];
    const stopped = applyOps(d, ops);
    expect(stopped.failed).toEqual([2]);
    expect(stopped.doc.zones.a.text).toBe('hi!');
    expect(stopped.doc.zones.b.text).toBe('yo?');
    const skipped = applyOps(d, ops, 'skip');
    expect(skipped.failed).toEqual([2]);
    expect(skipped.doc.zones.a.text).toBe('>hi!');
    expect(d.zones.a.text).toBe('hi');
    // A zone created and then edited in the same run (json1's path for the create, the fast one after).
    const created = applyOps(d, [insertOp(['zones', 'c'], zone('c', 'new')), textEdit('c', [3, '.'])]);
    expect(created.doc.zones.c.text).toBe('new.');
  });
});

describe('normalize', () => {
  it('drops empty text ops and merges paths', () => {
    expect(normalize(textEdit('a', []))).toBeNull();
    expect(normalize(['zones', ['a', 'label', { r: true, i: 'x' }]])).toEqual([
      'zones',
      'a',
      'label',
      { r: true, i: 'x' },
    ]);
  });
});

describe('checkOp', () => {
  it('accepts well-formed ops and null', () => {
    expect(checkOp(null)).toBeNull();
    expect(checkOp(removeOp(['zones', 'a']))).toBeNull();
  });
  it('describes malformed ones', () => {
    expect(checkOp([])).toMatch(/Empty descent/);
    expect(checkOp(['zones', { x: 1 }])).toMatch(/Invalid component/);
    expect(checkOp('nope')).toBeTruthy();
  });
  it('refuses ops nested deeper than MAX_OP_DEPTH, before json1 recurses into them', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(checkOp(['meta', 'k', { i: deep }])).toBe(`op nests more than ${MAX_OP_DEPTH} levels deep`);
    let nested: unknown = { i: 1 };
    for (let i = 0; i < 10_000; i++) nested = ['k', nested];
    expect(checkOp(nested)).toBe(`op nests more than ${MAX_OP_DEPTH} levels deep`);
  });
  it('refuses values that are not plain JSON in what an op inserts, removes or adds', () => {
    expect(checkOp(['meta', 'at', { i: new Date(0) }])).toBe(
      'i at ["meta","at"]: a Date is not a JSON value',
    );
    expect(checkOp(['meta', 'n', { i: 5n }])).toBe(
      'i at ["meta","n"]: a big integer is not a JSON value (JSON has none)',
    );
    expect(checkOp(['meta', 'b', { r: new Uint8Array(1) }])).toBe(
      'r at ["meta","b"]: a Uint8Array is not a JSON value',
    );
    expect(checkOp(['meta', 'n', { ena: Number.NaN }])).toBe('ena at ["meta","n"]: NaN is not a JSON number');
    expect(checkOp(['meta', 'n', { ena: 2 }])).toBeNull();
    expect(checkOp(['meta', 'o', { r: true, i: { a: [1, null, 'x'] } }])).toBeNull();
  });
  it('looks into text edits: refuses what normalize cannot clean up, accepts what it can', () => {
    const text = (es: unknown) => ['zones', 'a', 'text', { es }] as Op;
    for (const es of [[-1, 'x'], [1.5, 'x'], [{ d: -2 }], [{ d: 1.5 }], [true], [null], [{ x: 1 }], 'abc']) {
      expect(checkOp(text(es))).toMatch(/^text edit at \["zones","a","text"\]: /);
    }
    expect(checkOp(['zones', 'a', 'text', { et: 'text-unicode', e: [-1] }])).toMatch(/invalid component -1/);
    expect(checkOp(text([{ d: 'x'.repeat(100) }, -1]))).toBe(
      'text edit at ["zones","a","text"]: invalid component -1',
    );
    for (const es of [[0], [''], [{ d: 0 }], [{ d: '' }], [3], [1, 2, 'x'], [2, { d: 'ab' }, 'x'], []]) {
      expect(checkOp(text(es))).toBeNull();
      expect(() => transform(normalize(text(es)), text(['y']), 'left')).not.toThrow();
    }
  });
});

describe('transform (non-throwing)', () => {
  const d = docWith(zone('a', 'hello'));

  it('merges concurrent text edits in one zone', () => {
    const a = textEdit('a', ['A']);
    const b = textEdit('a', [5, 'B']);
    const [a2, b2] = transformX(a, b);
    expect(apply(apply(d, a), b2).zones.a.text).toBe('AhelloB');
    expect(apply(apply(d, b), a2).zones.a.text).toBe('AhelloB');
  });

  it('drops an edit inside a zone removed meanwhile (remove beats edit), where tryTransform reports it', () => {
    const edit = textEdit('a', [1, 'Q']);
    const del = removeOp(['zones', 'a']);
    expect(transform(edit, del, 'left')).toBeNull();
    const r = tryTransform(edit, del, 'left');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.conflict.type).toBe(CONFLICT.RM_UNEXPECTED_CONTENT);
    expect(apply(apply(d, edit), transform(del, edit, 'right'))).toEqual(apply(d, del));
  });

  it('lets the left side win two sets of one attribute', () => {
    const a = replaceOp(['zones', 'a', 'label'], '', 'A');
    const b = replaceOp(['zones', 'a', 'label'], '', 'B');
    const [a2, b2] = transformX(a, b);
    expect(b2).toBeNull();
    expect(apply(apply(d, b), a2).zones.a.label).toBe('A');
    const r = tryTransform(a, b, 'left');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.conflict.type).toBe(CONFLICT.DROP_COLLISION);
  });

  it('keeps both of two zones created concurrently with distinct ids', () => {
    const a = insertOp(['zones', 'b'], zone('b', ''));
    const b = insertOp(['zones', 'c'], zone('c', ''));
    const [a2, b2] = transformX(a, b);
    expect(Object.keys(apply(apply(d, a), b2).zones).sort()).toEqual(['a', 'b', 'c']);
    expect(apply(apply(d, b), a2)).toEqual(apply(apply(d, a), b2));
  });

  it('settles two stamped edits of one zone as json1 would, without its conflict loop', () => {
    const at = (by: string, t: number) => ({ by, at: t });
    const a = zoneEdit('a', { pos: 0, ins: 'A' }, { stamp: at('ann', 2), current: d.zones.a });
    const b = zoneEdit('a', { pos: 5, ins: 'B' }, { stamp: at('bob', 3), current: d.zones.a });
    for (const side of ['left', 'right'] as const) {
      expect(transform(a, b, side)).toEqual(docType.transform(a, b, side) ?? null);
    }
    const [a2, b2] = transformX(a, b);
    const ab = apply(apply(d, a), b2);
    expect(ab).toEqual(apply(apply(d, b), a2));
    expect(ab.zones.a).toMatchObject({ text: 'AhelloB', updatedBy: 'ann', updatedAt: 2 });
  });

  it('leaves to json1 the stamps below a zone replaced whole (as an undo can make them)', () => {
    const z = d.zones.a;
    const canon = (o: unknown) => JSON.stringify(o, (k, v) => (k === 'r' ? true : v));
    // The zone replaced whole, then its (new) stamps set: paths below the insert name the inserted zone.
    const a: Op = ['zones', 'a', { r: true, i: { ...z, text: 'ab' } }, 'updatedAt', { r: true, i: 9 }];
    const b = zoneEdit('a', { pos: 0, ins: 'X' }, { stamp: { by: 'bob', at: 9 }, current: z });
    for (const side of ['left', 'right'] as const) {
      expect(canon(transform(a, b, side))).toEqual(canon(docType.transform(a, b, side)));
      expect(canon(transform(b, a, side))).toEqual(canon(docType.transform(b, a, side)));
    }
  });

  it('drops both replaces when both set the same value, as json1 does', () => {
    const a = replaceOp(['zones', 'a', 'label'], '', 'same');
    const b = replaceOp(['zones', 'a', 'label'], '', 'same');
    expect(transform(a, b, 'left')).toBeNull();
    expect(transform(b, a, 'right')).toBeNull();
  });

  it('gives the same result as json1 on random concurrent ops', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.gen(), (doc, g1, g2) => {
        const a = genOp(g1, doc, 'ann');
        const b = genOp(g2, doc, 'bob', 2_000);
        for (const side of ['left', 'right'] as const) {
          const fast = transform(a, b, side);
          const json1 = docType.transform(a, b, side) ?? null;
          expect(apply(apply(doc, b), fast)).toEqual(apply(apply(doc, b), json1));
        }
      }),
      FC_PARAMS,
    );
  });

  it('leaves to json1 replaces that only look alike: at a list index, with an edit, with a part below', () => {
    // A list index in `r` counts before the op's own inserts, in `i` after them: not the same element.
    const a: Op = ['meta', 'k', 1, { r: true, i: 'A' }];
    const b: Op = ['meta', 'k', [0, { i: 'new' }], [1, { r: true, i: 'B' }]];
    for (const side of ['left', 'right'] as const) {
      expect(transform(a, b, side)).toEqual(docType.transform(a, b, side));
      expect(transform(b, a, side)).toEqual(docType.transform(b, a, side));
    }
    const doc: Json = { meta: { k: ['a', 'b', 'c'] }, zones: {} };
    expect(apply(apply(doc, a), transform(b, a, 'right'))).toEqual(
      apply(apply(doc, b), transform(a, b, 'left')),
    );
    // Both insert 'abc', one also edits it: json1 keeps that edit.
    const set: Op = ['meta', 't', { r: true, i: 'abc' }];
    const setAndEdit: Op = ['meta', 't', { r: true, i: 'abc', es: [1, 'X'] }];
    expect(transform(setAndEdit, set, 'left')).toEqual(['meta', 't', { es: [1, 'X'] }]);
    // A remove inside the value the replace removes.
    const nested: Op = ['meta', 'o', { r: true, i: 5 }, 'x', { r: true }];
    expect(transform(nested, ['meta', 'o', { r: true, i: 6 }], 'left')).toEqual([
      'meta',
      'o',
      { r: true, i: 5 },
    ]);
  });

  it('gives exactly what json1 gives on random ops of any shape (lists, moves, edits, nested parts)', () => {
    const doc: Json = {
      meta: { k: ['a', 'b', 'c'], o: { x: 1, y: 's' }, t: 'text', n: 3 },
      zones: { z: { text: 'ab😀', label: '', updatedAt: 0, updatedBy: '' } },
    };
    const arbPath = fc.constantFrom(
      ...[
        ['meta', 'k', 0],
        ['meta', 'k', 1],
        ['meta', 'k', 3],
        ['meta', 'o', 'x'],
        ['meta', 'o'],
        ['meta', 't'],
      ],
      ...[
        ['meta', 'q'],
        ['zones', 'z', 'label'],
        ['zones', 'z', 'text'],
        ['zones', 'z'],
        ['zones', 'z', 'updatedAt'],
      ],
    );
    const arbValue = fc.constantFrom<Json>('v', 'w', 1, 'ab');
    const arbPart: fc.Arbitrary<Op> = fc.oneof(
      fc.tuple(arbPath, arbValue).map(([p, v]) => replaceOp(p, true, v)),
      fc.tuple(arbPath, arbValue).map(([p, v]) => insertOp(p, v)),
      arbPath.map((p) => removeOp(p, true)),
      fc
        .tuple(arbPath, fc.constantFrom<TextOp>([1, 'X'], ['Y'], [1, { d: 1 }]))
        .map(([p, e]) => editOp(p, 'text-unicode', e)),
      fc.tuple(arbPath, arbPath).map(([from, to]) => moveOp(from, to)),
    );
    /** A few parts that apply one after another to `doc`, composed. */
    const arbAnyOp = fc.array(arbPart, { minLength: 1, maxLength: 3 }).map((parts) => {
      let d: Json = doc;
      let op: Op = null;
      for (const part of parts) {
        try {
          d = json1.apply(d, part) as Json;
          op = json1.compose(op, part) ?? null;
        } catch {
          // does not fit: left out
        }
      }
      return op;
    });
    fc.assert(
      fc.property(arbAnyOp, arbAnyOp, fc.constantFrom('left' as const, 'right' as const), (a, b, side) => {
        let expected: Op;
        try {
          expected = docType.transform(a, b, side) ?? null;
        } catch {
          return; // json1 refuses the pair (a move into itself, ...)
        }
        expect(transform(a, b, side)).toEqual(expected);
      }),
      { ...FC_PARAMS, numRuns: Number(process.env.FC_RUNS ?? 3000) },
    );
  });

  it('transforms past a history one op at a time', () => {
    const history = [textEdit('a', ['1']), textEdit('a', ['2'])];
    const mine = textEdit('a', [5, '!']);
    const after = transformPast(mine, history, 'left');
    expect(
      apply(
        history.reduce((x, op) => apply(x, op), d),
        after,
      ).zones.a.text,
    ).toBe('21hello!');
  });
});

describe('inversion', () => {
  it('needs the removed content: makeInvertible fills it in from the document', () => {
    const d = docWith(zone('a', 'hello'));
    const del = removeOp(['zones', 'a']);
    expect(() => invert(del)).toThrow();
    expect(apply(apply(d, del), invert(makeInvertible(del, d)))).toEqual(d);
  });

  it('undoes a text delete, and the inverse still lands right after a later insert', () => {
    const d = docWith(zone('a', 'hello world'));
    const del = textEdit('a', [5, { d: 6 }]);
    const inv = invertWithDoc(del, d);
    const after = apply(d, del);
    const remote = textEdit('a', ['>']);
    const inv2 = transform(inv, remote, 'right');
    expect(apply(apply(after, remote), inv2).zones.a.text).toBe('>hello world');
  });

  it('loses the removed content in compose and transform', () => {
    const d = docWith(zone('a', 'hello'));
    const del = makeInvertible(removeOp(['zones', 'a']), d);
    expect(() => invert(compose(del, null))).not.toThrow();
    const moved = transform(del, textEdit('a', ['x']), 'left');
    expect(() => invert(moved)).toThrow();
  });
});

describe('carets', () => {
  it('follow text edits and vanish with their zone', () => {
    expect(transformCaret('a', 3, textEdit('a', ['ab']))).toBe(5);
    expect(transformCaret('a', 3, textEdit('a', [3, 'ab']))).toBe(3);
    expect(transformCaret('a', 3, textEdit('a', [1, { d: 5 }]))).toBe(1);
    expect(transformCaret('a', 3, textEdit('b', ['x']))).toBe(3);
    expect(transformCaret('a', 3, removeOp(['zones', 'a']))).toBeNull();
    expect(transformCaret('a', 3, null)).toBe(3);
  });
});

describe('components', () => {
  it('round-trip an op through its components', () => {
    const op = normalize([
      ['meta', 'k', { i: 1 }],
      ['zones', ['a', ['label', { r: 'x', i: 'y' }], ['text', { es: [1, 'Q'] }]], ['b', { r: true }]],
    ]);
    const entries = opComponents(op);
    expect(entries.map((e) => e.path)).toEqual([
      ['meta', 'k'],
      ['zones', 'a', 'label'],
      ['zones', 'a', 'text'],
      ['zones', 'b'],
    ]);
    expect(opFromComponents(entries.reverse())).toEqual(op);
  });
});

describe('properties', () => {
  it('TP1: two concurrent ops converge whichever is applied first, and do not mutate their inputs', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const a = deepFreeze(genOp(g, doc, 'ann'));
        const b = deepFreeze(genOp(g, doc, 'bob'));
        deepFreeze(doc);
        const viaA = apply(apply(doc, a), transform(b, a, 'right'));
        const viaB = apply(apply(doc, b), transform(a, b, 'left'));
        expect(viaA).toEqual(viaB);
        expect(validateDocument(viaA)).toEqual([]);
      }),
      FC_PARAMS,
    );
  });

  it('TP1 with three users: each op transformed past the others in server order converges', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const a = genOp(g, doc, 'ann');
        const b = genOp(g, doc, 'bob');
        const c = genOp(g, doc, 'cid');
        // Server order a, b, c: b' = T(b, a), c' = T(T(c, a), b') as a sequencer would.
        const b1 = transform(b, a, 'left');
        const c1 = transformPast(c, [a, b1], 'left');
        const server = composeAll([a, b1, c1]);
        // Client c applied c first, then receives a and b1, transformed past its own op.
        const a2 = transform(a, c, 'right');
        const cAfterA = transform(c, a, 'left');
        const b2 = transform(b1, cAfterA, 'right');
        const atC = [c, a2, b2].reduce((x, op) => apply(x, op), doc);
        expect(atC).toEqual(apply(doc, server));
      }),
      FC_PARAMS,
    );
  });

  it('the inverse of an op made invertible against the doc restores it, also for composed ops', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), (doc, g) => {
        const a = genOp(g, doc, 'ann');
        const d1 = apply(doc, a);
        const b = genOp(g, d1, 'bob');
        const d2 = apply(d1, b);
        // Builder ops with `current` are invertible as built.
        expect(apply(d1, invert(a))).toEqual(doc);
        expect(apply(d2, invertWithDoc(b, d1))).toEqual(d1);
        const ab = compose(a, b);
        expect(apply(doc, ab)).toEqual(d2);
        expect(apply(d2, invertWithDoc(ab, doc))).toEqual(doc);
      }),
      FC_PARAMS,
    );
  });
});

describe('zoneEdit ops', () => {
  it('are normalized, so a zero position applies', () => {
    const d = docWith(zone('a', 'hi'));
    expect(apply(d, zoneEdit('a', { pos: 0, ins: 'X' })).zones.a.text).toBe('Xhi');
  });
});
