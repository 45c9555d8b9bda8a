import { type Doc, type JSONOp, type as json1 } from 'ot-json1';
import { copyObject } from './zone-local.js';

/**
 * Ops with at least this many components go through `applyByBranches`; smaller ones through json1 (its copies
 * cost little there, and json1 stays the reference).
 */
export const BRANCHED_APPLY_MIN_COMPONENTS = 8;

type JsonObject = { [key: string]: unknown };
const isPlainObject = (x: unknown): x is JsonObject =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
const isComponent = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * How many components `op` has, and whether one of them picks up or drops (a move): counted without reading the
 * values it inserts or removes. `null` for something that is not a json1 op list.
 */
function survey(op: unknown): { components: number; moves: boolean } | null {
  if (!Array.isArray(op)) return null;
  let components = 0;
  let moves = false;
  const walk = (list: unknown[]) => {
    for (const part of list) {
      if (Array.isArray(part)) walk(part);
      else if (isComponent(part)) {
        components++;
        if (part.p !== undefined || part.d !== undefined) moves = true;
      }
    }
  };
  walk(op);
  return { components, moves };
}

/**
 * `json1.apply(doc, op)` for an op without moves, computed branch by branch: every object the op writes into is
 * copied once, and each child's part of the op is applied to that child alone. json1 copies an object once per child
 * it changes (its `replaceChild`), so an op that deletes 1,500 of 10,000 zones, or sets 3,000 `meta` keys, cost it
 * seconds (children × size); here it costs one copy of each. A node with a component and branches below it, a list
 * (indices), and anything else unusual is left to json1 for that subtree. `undefined` when `op` is small
 * (`BRANCHED_APPLY_MIN_COMPONENTS`), has a move, or is not a list: then json1 applies all of it. Throws as json1 does.
 */
export function applyByBranches(doc: unknown, op: JSONOp): unknown {
  const s = survey(op);
  if (s === null || s.moves || s.components < BRANCHED_APPLY_MIN_COMPONENTS) return undefined;
  return applyList(doc, op as unknown[], 0);
}

/** `list.slice(start)` (a json1 op at this node) applied to `value`. */
function applyList(value: unknown, list: unknown[], start: number): unknown {
  const head = list[start];
  if (typeof head === 'string' || typeof head === 'number') {
    // One key descended into: the rest of the list is that child's op.
    return applyForks(value, [list], start);
  }
  if (isComponent(head)) {
    // A component here, alone or with branches below it (an insert then edited, a removal with its children):
    // json1 decides, on this node only.
    return json1.apply(value as Doc, list.slice(start) as JSONOp);
  }
  return applyForks(value, list.slice(start) as unknown[][], 0);
}

/**
 * `forks` (op lists, each starting at `at` with the key of a child of `value`) applied to `value`'s children: one
 * copy of `value`, then each child's op on the child alone.
 */
function applyForks(value: unknown, forks: unknown[][], at: number): unknown {
  if (!isPlainObject(value) || !forks.every((f) => typeof f[at] === 'string')) {
    // Lists (indices move with inserts and removes), values that are not objects (json1 throws its own error).
    return json1.apply(value as Doc, (forks.length === 1 ? forks[0].slice(at) : forks) as JSONOp);
  }
  const out = copyObject(value);
  for (const fork of forks) {
    const key = fork[at] as string;
    const child = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = applyList(child, fork, at + 1);
    if (next === undefined) delete out[key];
    else if (key === '__proto__')
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
    else out[key] = next;
  }
  return out;
}
