import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbDoc, FC_PARAMS } from '../test/arbitraries.js';
import { canonicalJson, checksum, checksumSteps, cyrb53 } from './checksum.js';
import { zoneEdit } from './ops.js';
import { apply } from './ot.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined fields, like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":1,"f":2}]},"b":1}',
    );
    expect(canonicalJson([undefined, Number.NaN, 'x'])).toBe('[null,null,"x"]');
    expect(canonicalJson('é😀')).toBe('"é😀"');
  });
});

describe('cyrb53', () => {
  it('is a fixed function of the string and seed', () => {
    // Reference values of bryc's cyrb53: a change here breaks clients that compare with servers.
    expect(cyrb53('')).toBe(3338908027751811);
    expect(cyrb53('a')).toBe(7929297801672961);
    expect(cyrb53('a', 1)).not.toBe(cyrb53('a'));
    expect(cyrb53('a')).toBeLessThan(2 ** 53);
  });
});

describe('checksum', () => {
  it('comes out the same in steps, one stop per zonesPerStep zones', () => {
    fc.assert(
      fc.property(arbDoc, fc.integer({ min: 1, max: 4 }), (doc, every) => {
        const steps = checksumSteps(doc, every);
        let stops = 0;
        let step = steps.next();
        for (; !step.done; step = steps.next()) stops++;
        expect(step.value).toBe(checksum(doc));
        expect(stops).toBe(Math.max(0, Math.ceil(Object.keys(doc.zones).length / every) - 1));
      }),
      FC_PARAMS,
    );
  });

  it('ignores key order and changes with any content', () => {
    expect(checksum({ zones: {}, meta: { a: 1, b: 2 } })).toBe(checksum({ meta: { b: 2, a: 1 }, zones: {} }));
    expect(checksum({ meta: {}, zones: {} })).toMatch(/^[0-9a-f]{14}$/);
  });

  it('is equal for equal documents built in different key orders, and differs after an edit', () => {
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reorder(x)]),
            )
          : v;
    fc.assert(
      fc.property(arbDoc, (doc) => {
        expect(checksum(reorder(doc))).toBe(checksum(doc));
        const id = Object.keys(doc.zones)[0];
        if (id !== undefined)
          expect(checksum(apply(doc, zoneEdit(id, { pos: 0, ins: '.' })))).not.toBe(checksum(doc));
      }),
      FC_PARAMS,
    );
  });

  it('is cyrb53 of the canonical JSON, also for zones seen before (kept per zone object)', () => {
    const plain = (doc: unknown) => cyrb53(canonicalJson(doc)).toString(16).padStart(14, '0');
    fc.assert(
      fc.property(arbDoc, (doc) => {
        expect(checksum(doc)).toBe(plain(doc));
        // Again with the zones cached, then after one zone was replaced by an edit.
        expect(checksum(doc)).toBe(plain(doc));
        const id = Object.keys(doc.zones)[0];
        if (id === undefined) return;
        const edited = apply(doc, zoneEdit(id, { pos: 0, ins: '.' }));
        expect(checksum(edited)).toBe(plain(edited));
      }),
      FC_PARAMS,
    );
    expect(checksum({ zones: { a: 1, b: null }, meta: {} })).toBe(
      plain({ meta: {}, zones: { a: 1, b: null } }),
    );
    expect(checksum([1, { b: 2 }])).toBe(plain([1, { b: 2 }]));
  });
});

describe('PROTOCOL.md §13.10', () => {
  it('has test vectors that are what canonicalJson and checksum make (other clients implement from them)', () => {
    const spec = readFileSync(new URL('../../protocol/PROTOCOL.md', import.meta.url), 'utf8');
    const section = spec.slice(spec.indexOf('### 13.10 Checksums'), spec.indexOf('### 13.11'));
    const table = section.slice(section.indexOf('Test vectors:'));
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| Document') && !line.startsWith('| -'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '').trim()));
    expect(rows.length).toBe(3);
    for (const [document, canonical, sum] of rows) {
      const doc = document === 'a new document' ? { meta: {}, zones: {} } : JSON.parse(document.slice(1, -1));
      expect(canonicalJson(doc), document).toBe(canonical.slice(1, -1));
      expect(checksum(doc), document).toBe(sum.slice(1, -1));
    }
  });
});
