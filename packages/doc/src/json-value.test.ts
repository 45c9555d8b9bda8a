import { describe, expect, it } from 'vitest';
import { jsonValueProblem } from './json-value.js';
import { nestsDeeperThan } from './nesting.js';
import { checkOp } from './ot.js';

describe('jsonValueProblem', () => {
  it('accepts plain JSON values', () => {
    for (const v of [null, true, 0, -1.5, '', 'x', [], {}, { a: [1, { b: null }] }, Object.create(null)])
      expect(jsonValueProblem(v, 32)).toBeNull();
    // What JSON.parse makes is a plain object (its `__proto__` key, an own key there, is refused below).
    expect(jsonValueProblem(JSON.parse('{"a":{"a":1},"b":[2]}'), 32)).toBeNull();
  });

  it('names what JSON cannot carry, or carries as something else', () => {
    expect(jsonValueProblem(Number.NaN, 32)).toBe('NaN is not a JSON number');
    expect(jsonValueProblem([Number.POSITIVE_INFINITY], 32)).toBe('Infinity is not a JSON number');
    expect(jsonValueProblem({ a: 10n }, 32)).toBe('a big integer is not a JSON value (JSON has none)');
    expect(jsonValueProblem({ a: new Date(0) }, 32)).toBe('a Date is not a JSON value');
    expect(jsonValueProblem([new Uint8Array(2)], 32)).toBe('a Uint8Array is not a JSON value');
    expect(jsonValueProblem(new Map(), 32)).toBe('a Map is not a JSON value');
    expect(jsonValueProblem({ a: undefined }, 32)).toBe('undefined is not a JSON value');
    expect(jsonValueProblem(() => 1, 32)).toBe('a function is not a JSON value');
  });

  it('counts depth as nestsDeeperThan does, and stops at the limit on a value of any depth', () => {
    const values: unknown[] = ['x', [], {}, [[]], { a: { b: [1] } }, [{ a: [[{}]] }]];
    for (const v of values)
      for (let max = 0; max <= 5; max++)
        expect(jsonValueProblem(v, max) !== null).toBe(nestsDeeperThan(v, max));
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonValueProblem(deep, 32)).toBe('nested more than 32 levels deep');
  });

  it('refuses half a character (a lone surrogate), in a value or a key; whole ones pass', () => {
    expect(jsonValueProblem({ a: 'emoji 😀 and 中' }, 32)).toBeNull();
    expect(jsonValueProblem({ a: ['x', 'a\ud800b'] }, 32)).toMatch(/lone surrogate/);
    expect(jsonValueProblem({ 'k\udc00': 1 }, 32)).toMatch(/^key "k\\udc00": a string with a lone surrogate/);
    expect(checkOp(['zones', 'z1', 'text', { es: [0, '\ud83d'] }])).toMatch(/invalid component/);
    expect(checkOp(['zones', 'z1', 'text', { es: [{ d: '\ud83d' }] }])).toMatch(/invalid component/);
    expect(checkOp(['zones', 'z1', 'label', { r: true, i: 'x\udfff' }])).toMatch(/lone surrogate/);
    expect(checkOp(['zones', 'z1', 'text', { es: [0, '😀'] }])).toBeNull();
  });

  it('refuses an own "__proto__" key (JSON peers read it as a key, MessagePack ones as "__proto_")', () => {
    expect(jsonValueProblem(JSON.parse('{"payload":{"__proto__":{"admin":true},"n":1}}'), 32)).toMatch(
      /"__proto__" is not read alike/,
    );
    expect(jsonValueProblem({ proto: 1, __proto_: 2 }, 32)).toBeNull();
  });
});
