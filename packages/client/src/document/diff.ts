import {
  canonicalJson,
  type Json,
  type Op,
  type OpEntry,
  opFromComponents,
  type Path,
  textType,
} from '@syncline/doc';

/**
 * One op that turns `from` into `to`: what changed between two snapshots of a document when the ops in
 * between are not known (a resync after a checksum mismatch, a reload whose missed ops the server did not
 * send). Objects are compared key by key, a zone's `text` becomes a text edit (one splice, between the
 * common prefix and suffix, in code points) so that concurrent text edits transform past it; anything
 * else that differs is replaced. Removed values are kept in the op, so it is invertible as built.
 */
export function diffDocuments(from: unknown, to: unknown): Op {
  const entries: OpEntry[] = [];
  diffValue([], from as Json, to as Json, entries);
  return entries.length === 0 ? null : opFromComponents(entries);
}

const isPlainObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isZoneText = (path: Path) => path.length === 3 && path[0] === 'zones' && path[2] === 'text';

function diffValue(path: Path, a: Json, b: Json, out: OpEntry[]): void {
  if (a === b || canonicalJson(a) === canonicalJson(b)) return;
  if (typeof a === 'string' && typeof b === 'string' && isZoneText(path)) {
    out.push({ path, c: { es: textDiff(a, b) } });
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) out.push({ path: [...path, key], c: { r: a[key] } });
      else diffValue([...path, key], a[key], b[key], out);
    }
    for (const key of Object.keys(b)) {
      if (!Object.hasOwn(a, key)) out.push({ path: [...path, key], c: { i: b[key] } });
    }
    return;
  }
  out.push({ path, c: { r: a, i: b } });
}

/** A text-unicode op from `a` to `b`: keep the common prefix and suffix, replace what is between. */
export function textDiff(a: string, b: string) {
  const x = Array.from(a);
  const y = Array.from(b);
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length - p && s < y.length - p && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  const deleted = x.slice(p, x.length - s).join('');
  const inserted = y.slice(p, y.length - s).join('');
  return textType.normalize([p, ...(deleted ? [{ d: deleted }] : []), inserted]);
}
