import { apply, invertWithDoc, transform } from '@syncline/doc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffDocuments, textDiff } from './diff.js';
import { docOf, zone } from './fake-doc-server.js';

const FC_PARAMS = { seed: Number(process.env.FC_SEED ?? 20261126), numRuns: 200 };

const arbText = fc.array(fc.constantFrom('a', 'b', ' ', '😀'), { maxLength: 8 }).map((a) => a.join(''));
const arbDoc = fc
  .record({
    z0: fc.option(fc.record({ text: arbText, label: fc.constantFrom('', 'A', 'B'), page: fc.nat(3) }), {
      nil: undefined,
    }),
    z1: fc.option(fc.record({ text: arbText, label: fc.constantFrom('', 'A'), page: fc.nat(3) }), {
      nil: undefined,
    }),
    title: fc.option(fc.constantFrom('T', 'U'), { nil: undefined }),
  })
  .map(({ z0, z1, title }) => {
    const doc = docOf(...(z0 ? [zone('z0', z0.text, z0)] : []), ...(z1 ? [zone('z1', z1.text, z1)] : []));
    if (title !== undefined) doc.meta.title = title;
    return doc;
  });

describe('diffDocuments', () => {
  it('is one op from the first document to the second, invertible, null when they are equal', () => {
    fc.assert(
      fc.property(arbDoc, arbDoc, (a, b) => {
        const op = diffDocuments(a, b);
        expect(apply(a, op)).toEqual(b);
        expect(apply(b, invertWithDoc(op, a))).toEqual(a);
        expect(diffDocuments(a, a)).toBeNull();
      }),
      FC_PARAMS,
    );
  });

  it('turns a text change into a splice, so a concurrent text edit keeps its place', () => {
    const a = docOf(zone('z1', 'hello world'));
    const b = docOf(zone('z1', 'hello brave world'));
    const op = diffDocuments(a, b);
    expect(op).toEqual(['zones', 'z1', 'text', { es: [6, 'brave '] }]);
    const mine = ['zones', 'z1', 'text', { es: [11, '!'] }];
    expect(apply(b, transform(mine, op, 'left')).zones.z1.text).toBe('hello brave world!');
    expect(textDiff('a😀b', 'a😀cb')).toEqual([2, 'c']);
    expect(textDiff('abc', 'ac')).toEqual([1, { d: 'b' }]);
  });
});
