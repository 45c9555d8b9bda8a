import { type Json, type Op, opComponents } from './ot.js';

/** Whether `op` (a json1 op) holds a component with `ena`, found without reading the values it inserts or removes. */
function hasNumberAdd(op: unknown): boolean {
  if (!Array.isArray(op)) return false;
  for (const part of op) {
    if (Array.isArray(part)) {
      if (hasNumberAdd(part)) return true;
    } else if (typeof part === 'object' && part !== null && Object.hasOwn(part, 'ena')) return true;
  }
  return false;
}

/**
 * The first number add (`ena`) of `op` that does not land on a number of `doc`, as a message; `null` when there is
 * none. json1 applies `ena` with `+`, so on a string (a zone's text or label) it would append the number, and a text
 * edit of someone else's could then no longer be transformed past it: every later edit of that text refused. `doc` is
 * the document the op applies to (after it was transformed); an `ena` on a value the op inserts is checked on that.
 */
export function numberAddProblem(doc: Json, op: Op): string | null {
  if (op === null || !hasNumberAdd(op)) return null;
  for (const { path, c } of opComponents(op)) {
    if (c.ena === undefined) continue;
    const target = c.i !== undefined ? c.i : valueAt(doc, path);
    if (typeof target !== 'number')
      return `ena at ${JSON.stringify(path)}: adds to ${kindOf(target)}, not a number`;
  }
  return null;
}

const kindOf = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'a list'
        : typeof v === 'object'
          ? 'an object'
          : `a ${typeof v}`;

function valueAt(doc: Json, path: readonly (string | number)[]): unknown {
  let v: unknown = doc;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}
