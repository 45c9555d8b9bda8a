import { type Op, opComponents } from './ot.js';

/**
 * The first key on `op`'s paths that every JavaScript object already has (`constructor`, `toString`, `__proto__`,
 * …), or `null`. json1 reads such a key of a zone or `meta` object as present (inherited), so an op that creates it
 * is refused as overwriting, and one that removes it commits and changes nothing: these names cannot be zone ids or
 * `meta` keys, and an op that uses one is refused up front with a message that says why.
 */
export function reservedKey(op: Op): string | null {
  if (op === null) return null;
  for (const { path } of opComponents(op)) {
    for (const key of path) if (typeof key === 'string' && key in Object.prototype) return key;
  }
  return null;
}
