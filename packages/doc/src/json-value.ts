/**
 * Why `value` is not a plain JSON value, one that every peer reads alike, or `null` when it is: strings, finite
 * numbers, booleans, `null`, arrays and plain objects, nested at most `maxDepth` levels (objects and arrays, counted
 * as `nestsDeeperThan` counts them). What MessagePack carries besides (big integers, binary data, timestamps and
 * other extensions, NaN and the infinities) JSON peers cannot read, or read as something else: a document holding
 * it would differ between the server and its replicas, and their checksums would never agree. Goes at most
 * `maxDepth + 1` levels down, so a value of any depth is safe to check.
 *
 * @example
 * jsonValueProblem({ a: [1, 'x'] }, 32); // null
 * jsonValueProblem({ a: new Date(0) }, 32); // 'a Date is not a JSON value'
 * jsonValueProblem([[1]], 1); // 'nested more than 1 levels deep'
 */
export function jsonValueProblem(value: unknown, maxDepth: number): string | null {
  return problemAt(value, maxDepth, 0);
}

/**
 * Whether `s` is well-formed UTF-16: no lone surrogate (half of a character outside the BMP). MessagePack writes one
 * as three bytes that read back as U+FFFD, so a MessagePack peer's copy would differ from a JSON peer's for good.
 */
export const wellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const LONE_SURROGATE = 'a string with a lone surrogate (half a character) is not text every peer reads alike';

function problemAt(value: unknown, maxDepth: number, depth: number): string | null {
  switch (typeof value) {
    case 'string':
      return wellFormed(value) ? null : LONE_SURROGATE;
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a JSON number`;
    case 'bigint':
      return 'a big integer is not a JSON value (JSON has none)';
    case 'object': {
      if (value === null) return null;
      if (depth >= maxDepth) return `nested more than ${maxDepth} levels deep`;
      if (Array.isArray(value)) {
        for (const v of value) {
          const p = problemAt(v, maxDepth, depth + 1);
          if (p !== null) return p;
        }
        return null;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
        return `a ${typeof name === 'string' && name ? name : 'non-plain object'} is not a JSON value`;
      }
      for (const [k, v] of Object.entries(value)) {
        if (!wellFormed(k)) return `key ${JSON.stringify(k)}: ${LONE_SURROGATE}`;
        // JSON.parse keeps it as an own key; MessagePack (msgpackr) reads it back as `__proto_`.
        if (k === '__proto__') return 'the key "__proto__" is not read alike by every peer';
        const p = problemAt(v, maxDepth, depth + 1);
        if (p !== null) return p;
      }
      return null;
    }
    case 'undefined':
      return 'undefined is not a JSON value';
    default:
      return `a ${typeof value} is not a JSON value`;
  }
}
