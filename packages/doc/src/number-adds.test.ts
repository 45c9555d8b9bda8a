import { describe, expect, it } from 'vitest';
import { testZone } from '../test/fixtures.js';
import { numberAddProblem } from './number-adds.js';
import { apply, type Json } from './ot.js';

const doc = { meta: { count: 1, name: 'x' }, zones: { z1: testZone('z1', 'hello') } } as unknown as Json;

describe('numberAddProblem', () => {
  it('lets a number add land on a number, also one the op inserts', () => {
    expect(numberAddProblem(doc, ['meta', 'count', { ena: 2 }])).toBeNull();
    expect(numberAddProblem(doc, ['zones', 'z1', 'confidence', { ena: -0.5 }])).toBeNull();
    expect(numberAddProblem(doc, ['meta', 'n', { i: 1, ena: 2 }])).toBeNull();
    expect(numberAddProblem(doc, ['zones', 'z1', 'text', { es: [0, 'x'] }])).toBeNull();
    expect(numberAddProblem(doc, null)).toBeNull();
  });

  it('refuses one that json1 would apply to a string (joining them), or to nothing', () => {
    const onText = ['zones', 'z1', 'text', { ena: 1 }] as const;
    // What json1 would do: "hello" + 1.
    expect((apply(doc, onText as never) as { zones: { z1: { text: string } } }).zones.z1.text).toBe('hello1');
    expect(numberAddProblem(doc, onText as never)).toBe(
      'ena at ["zones","z1","text"]: adds to a string, not a number',
    );
    expect(numberAddProblem(doc, ['meta', 'name', { ena: 1 }])).toMatch(/adds to a string/);
    expect(numberAddProblem(doc, ['meta', 'missing', { ena: 1 }])).toMatch(/adds to nothing/);
    expect(numberAddProblem(doc, ['zones', 'z1', 'bbox', { ena: 1 }])).toMatch(/adds to an object/);
    expect(
      numberAddProblem(doc, [
        ['meta', 'count', { ena: 1 }],
        ['zones', 'z1', 'label', { ena: 1 }],
      ]),
    ).toMatch(/zones","z1","label/);
  });
});
