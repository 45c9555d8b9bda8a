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

function problemAt(value: unknown, maxDepth: number, depth: number): string | null {
  switch (typeof value) {
    case 'string':
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
      for (const v of Object.values(value)) {
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
