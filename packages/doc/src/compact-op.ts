import { codePointLength } from './ops.js';
import type { Op } from './ot.js';

/**
 * `op` without what only inverting it needs: a removed value's content (`r: <value>` becomes `r: true`) and a deleted
 * text's characters (`{d: 'text'}` becomes `{d: <its length in code points>}`). It does the same to any document, and
 * transforms the same; json1's `transform` strips the same data. For sending an op whose inversion data would make it
 * too large for one message (the undo of a long paste deletes all of it, and carried every character deleted).
 * `op` is not changed.
 */
export function compactOp(op: Op): Op {
  return op === null ? null : (compactList(op) as Op);
}

function compactList(list: readonly unknown[]): unknown[] {
  return list.map((x) => (Array.isArray(x) ? compactList(x) : isObject(x) ? compactComponent(x) : x));
}

function compactComponent(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  if ('r' in out && out.r !== true) out.r = true;
  if (Array.isArray(out.es)) {
    out.es = out.es.map((e: unknown) =>
      isObject(e) && typeof e.d === 'string' ? { ...e, d: codePointLength(e.d) } : e,
    );
  }
  return out;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
