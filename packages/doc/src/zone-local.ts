import type { JSONOp, JSONOpComponent } from 'ot-json1';
import type { TextOp } from 'ot-text-unicode';
import { textUnicodeType } from './text-type.js';

/**
 * The shape nearly every op of collaborative editing has: changes to the keys of one zone and nothing else,
 * each key either a text edit (`{es}`) or a scalar set (`{r, i}`, such as the `updatedBy`/`updatedAt` stamps
 * every edit writes). In normalized json1 form:
 *
 *     ['zones', id, key, c]                      one key
 *     ['zones', id, [key1, c1], [key2, c2], ...]  several, keys in ascending order
 *
 * Two such ops transform by json1's own rules, key by key, without json1's cursor machinery or its conflict
 * loop: a text edit against a text edit of the same key is text-unicode's `transform` (the subtype json1 calls
 * too), two sets of one key go to the left side unless both set the same value (then neither needs its set
 * after the other), everything else passes unchanged, and removed values lose their content (`r: true`),
 * as json1's `transform` strips inversion data. The result equals json1's, component for component
 * (zone-local.test.ts checks this against json1 on random ops); any other shape returns `undefined` and is
 * left to json1.
 */

type Scalar = null | boolean | number | string;
/** A zone-local op taken apart: its zone, its keys (ascending) and each key's component. */
export type ZoneLocalOp = { zone: string; keys: string[]; comps: JSONOpComponent[] };

const isScalar = (x: unknown): x is Scalar => x === null || typeof x !== 'object';

function isLocalComponent(c: unknown): c is JSONOpComponent {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
  let n = 0;
  for (const k in c) {
    n++;
    if (k !== 'es' && k !== 'r' && k !== 'i') return false;
  }
  const x = c as JSONOpComponent;
  if (n === 1) return Array.isArray(x.es);
  return n === 2 && x.r !== undefined && x.i !== undefined && isScalar(x.i);
}

/** The op as one zone's keys and their components, or `null` when it has another shape. */
export function zoneLocal(op: JSONOp): ZoneLocalOp | null {
  if (!Array.isArray(op) || op.length < 3 || op[0] !== 'zones' || typeof op[1] !== 'string') return null;
  const zone = op[1];
  if (op.length === 4 && typeof op[2] === 'string') {
    return isLocalComponent(op[3]) ? { zone, keys: [op[2]], comps: [op[3]] } : null;
  }
  const keys: string[] = [];
  const comps: JSONOpComponent[] = [];
  for (let i = 2; i < op.length; i++) {
    const el = op[i];
    if (!Array.isArray(el) || el.length !== 2 || typeof el[0] !== 'string' || !isLocalComponent(el[1]))
      return null;
    if (keys.length > 0 && !(keys[keys.length - 1] < el[0])) return null; // not normalized
    keys.push(el[0]);
    comps.push(el[1] as JSONOpComponent);
  }
  return keys.length >= 2 ? { zone, keys, comps } : null;
}

/** A component as json1's transform writes it: a removed value's content dropped. */
const stripped = (c: JSONOpComponent): JSONOpComponent => (c.es !== undefined ? c : { r: true, i: c.i });
/**
 * An empty text edit (`{es: []}`, which only a non-normalized op holds): json1 never writes one into what its
 * transform, compose or invert return (its `writeEdit` drops a subtype no-op), even on a key the other op does
 * not touch, so neither may the fast paths.
 */
const isEmptyEdit = (c: JSONOpComponent): boolean => c.es !== undefined && c.es.length === 0;

/** The normalized op for one zone's keys (ascending) and their components; `null` for none. */
export function buildZoneLocal(zone: string, keys: string[], comps: JSONOpComponent[]): JSONOp {
  if (keys.length === 0) return null;
  if (keys.length === 1) return ['zones', zone, keys[0], comps[0]];
  const out: JSONOp = ['zones', zone];
  for (let i = 0; i < keys.length; i++) out.push([keys[i], comps[i]]);
  return out;
}

/**
 * `transform(op, other, side)` for two ops of the shape above, or `undefined` when either has another shape
 * (or the two meet in a way only json1 resolves: a text edit against a set of the same key).
 */
export function transformZoneLocal(op: JSONOp, other: JSONOp, side: 'left' | 'right'): JSONOp | undefined {
  const a = zoneLocal(op);
  if (a === null) return undefined;
  const b = zoneLocal(other);
  if (b === null) return undefined;
  const keys: string[] = [];
  const comps: JSONOpComponent[] = [];
  const sameZone = a.zone === b.zone;
  // json1 settles a collision (both set one key to different values: the stamps of any two edits of one zone)
  // in its conflict loop, which normalizes both ops before transforming them again: from then on their text
  // edits count as normalized (no-op parts dropped, parts merged), which changes what a text edit that was not
  // (`[{d: ''}]`, `['a', 'b']`, ...) becomes, and whether text-unicode refuses it.
  let normal = false;
  if (sameZone) {
    const meet = meeting(a, b);
    // A text edit against a set of one key: json1's (settled before any text is transformed, so neither may
    // the fast path transform one that text-unicode would refuse).
    if (meet === 'mixed') return undefined;
    normal = meet === 'collide';
  }
  for (let i = 0; i < a.keys.length; i++) {
    const key = a.keys[i];
    const c = a.comps[i];
    const j = sameZone ? b.keys.indexOf(key) : -1;
    if (j < 0) {
      if (c.es !== undefined && normal) {
        const es = normalText(c.es);
        if (es.length > 0) {
          keys.push(key);
          comps.push(es === c.es ? c : { es });
        }
        continue;
      }
      if (isEmptyEdit(c)) continue;
      keys.push(key);
      comps.push(stripped(c));
      continue;
    }
    const d = b.comps[j];
    if (c.es !== undefined && d.es !== undefined) {
      // json1's first pass transforms them as they are (and throws what text-unicode refuses), its second
      // (after a collision) the normalized ones.
      let es = textUnicodeType.transform(c.es as never, d.es as never, side);
      if (normal && !(isNormalText(c.es) && isNormalText(d.es))) {
        es = textUnicodeType.transform(normalText(c.es) as never, normalText(d.es) as never, side);
      }
      if (es.length > 0) {
        keys.push(key);
        comps.push({ es });
      }
    } else if (c.i !== d.i && side === 'left') {
      // Both sets (`meeting` ruled out a set against a text edit).
      keys.push(key);
      comps.push(stripped(c));
    }
  }
  return buildZoneLocal(a.zone, keys, comps);
}

/**
 * How two ops of one zone meet: `'mixed'` when one sets a key the other edits as text, else `'collide'` when
 * both set a key to different values (json1's `DROP_COLLISION`), else `'apart'`.
 */
function meeting(a: ZoneLocalOp, b: ZoneLocalOp): 'mixed' | 'collide' | 'apart' {
  let out: 'collide' | 'apart' = 'apart';
  for (let i = 0; i < a.keys.length; i++) {
    const j = b.keys.indexOf(a.keys[i]);
    if (j < 0) continue;
    const c = a.comps[i];
    const d = b.comps[j];
    if ((c.es === undefined) !== (d.es === undefined)) return 'mixed';
    if (c.es === undefined && c.i !== d.i) out = 'collide';
  }
  return out;
}

/**
 * Whether text-unicode's `normalize` leaves `es` as it is (no empty or zero part, no two parts of one kind in a
 * row, no trailing skip): what the builders and `normalize` make, so the common case allocates nothing.
 * Conservative: `false` only costs a normalize.
 */
function isNormalText(es: readonly unknown[]): boolean {
  let last = '';
  for (const c of es) {
    const kind = typeof c;
    if (kind === last) return false;
    if (kind === 'number') {
      if (!((c as number) > 0)) return false;
    } else if (kind === 'string') {
      if ((c as string).length === 0) return false;
    } else if (kind === 'object' && c !== null) {
      const d = (c as { d?: unknown }).d;
      if (!(typeof d === 'number' ? d > 0 : typeof d === 'string' && d.length > 0)) return false;
    } else return false;
    last = kind;
  }
  return last !== 'number';
}

/**
 * `es`, or a copy of it where text-unicode could write into it: its `normalize`, `makeInvertible` and `invert`
 * merge two deletes in a row into the first one's object, which is the caller's (json1 does that to its input
 * op; the fast paths leave theirs alone).
 */
const ownText = (es: TextOp): TextOp =>
  isNormalText(es) ? es : es.map((c) => (typeof c === 'object' && c !== null ? { ...c } : c));

/** `es` normalized by text-unicode, without touching it. */
const normalText = (es: TextOp): TextOp => (isNormalText(es) ? es : textUnicodeType.normalize(ownText(es)));

/**
 * Where two ops of the shape above collide, as json1's `tryTransform` would find it key by key: the keys of
 * one zone both set to different values (a text edit never conflicts with a text edit). `undefined` when
 * either op has another shape, or they meet in a way only json1 judges (a text edit against a set).
 * Throws, as json1 does, when two text edits of one key meet and either is not a valid text-unicode op (a zero,
 * negative or trailing skip, an empty insert or delete: what `normalize` has not cleaned up).
 */
export function collidingSets(mine: JSONOp, theirs: JSONOp): { zoneId: string; key: string }[] | undefined {
  const a = zoneLocal(mine);
  if (a === null) return undefined;
  const b = zoneLocal(theirs);
  if (b === null) return undefined;
  if (a.zone !== b.zone) return [];
  const out: { zoneId: string; key: string }[] = [];
  for (let i = 0; i < a.keys.length; i++) {
    const j = b.keys.indexOf(a.keys[i]);
    if (j < 0) continue;
    const c = a.comps[i];
    const d = b.comps[j];
    if (c.es !== undefined && d.es !== undefined) {
      // json1 hands the two edits to text-unicode's transform, which checks both first.
      textUnicodeType.checkOp(c.es as TextOp);
      textUnicodeType.checkOp(d.es as TextOp);
      continue;
    }
    if (c.es !== undefined || d.es !== undefined) return undefined;
    if (c.i !== d.i) out.push({ zoneId: a.zone, key: a.keys[i] });
  }
  return out;
}

/**
 * `compose(op, next)` for two ops of the shape above (`next` applies after `op`), as json1 composes them:
 * per key, text edits compose with text-unicode's `compose`, a set followed by a set keeps the first one's
 * removed value and the second one's new value, and a key only one of them touches keeps its component.
 * `undefined` when either has another shape, the zones differ, or a key is set by one and edited by the other.
 */
export function composeZoneLocal(op: JSONOp, next: JSONOp): JSONOp | undefined {
  const a = zoneLocal(op);
  if (a === null) return undefined;
  const b = zoneLocal(next);
  if (b === null || a.zone !== b.zone) return undefined;
  const keys: string[] = [];
  const comps: JSONOpComponent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const ka = a.keys[i];
    const kb = b.keys[j];
    if (j >= b.keys.length || (i < a.keys.length && ka < kb)) {
      const c = a.comps[i++];
      if (isEmptyEdit(c)) continue;
      keys.push(ka);
      comps.push(c);
    } else if (i >= a.keys.length || kb < ka) {
      const d = b.comps[j++];
      if (isEmptyEdit(d)) continue;
      keys.push(kb);
      comps.push(d);
    } else {
      const c = a.comps[i++];
      const d = b.comps[j++];
      if (c.es !== undefined && d.es !== undefined) {
        const es = textUnicodeType.compose(c.es as never, d.es as never);
        if (es.length > 0) {
          keys.push(ka);
          comps.push({ es });
        }
      } else if (c.es === undefined && d.es === undefined) {
        keys.push(ka);
        comps.push({ r: c.r, i: d.i });
      } else {
        return undefined;
      }
    }
  }
  return buildZoneLocal(a.zone, keys, comps);
}

type JsonObject = { [key: string]: unknown };
/** text-unicode's `makeInvertible` and `invert` (every type `makeType` builds has them; they use no `this`). */
const makeInvertible = textUnicodeType.makeInvertible as NonNullable<typeof textUnicodeType.makeInvertible>;
const invertText = textUnicodeType.invert as NonNullable<typeof textUnicodeType.invert>;
const isObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `apply(doc, op)` for an op of the shape above, as json1 applies it: the document, its `zones` and the zone
 * shallow-copied (the previous snapshot stays valid), each text edit applied with the registered text type,
 * each set written. `undefined` whenever json1 has to decide (the zone or a set key missing, a text that is
 * not a string, ...): json1 then applies the op or throws its own error.
 */
export function applyZoneLocal<T>(doc: T, op: JSONOp): T | undefined {
  if (!isObject(doc) || !isObject(doc.zones)) return undefined;
  const step = zoneLocalStep(doc.zones, op);
  if (step === undefined) return undefined;
  const zones = copyObject(doc.zones);
  zones[step.id] = step.zone;
  return { ...doc, zones } as T;
}

/**
 * A shallow copy of `o` (own enumerable keys, in order), as `{ ...o }` makes it but about twice as fast for a big
 * `zones` object (10,000 zones: ~2 ms instead of ~4 on every op applied to such a document): its keys are
 * copied by a plain loop. A key `__proto__` is defined, not assigned (which would set the prototype).
 */
export function copyObject(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: o[k], enumerable: true, writable: true, configurable: true });
    else out[k] = o[k];
  }
  return out;
}

/**
 * The zone an op of the shape above makes of its zone in `zones` (a new object; `zones` is not changed), as
 * `applyZoneLocal` would: `undefined` whenever json1 has to decide.
 */
export function zoneLocalStep(zones: JsonObject, op: JSONOp): { id: string; zone: JsonObject } | undefined {
  const a = zoneLocal(op);
  if (a === null || a.zone === '__proto__') return undefined;
  const zone = zones[a.zone];
  if (!isObject(zone) || !Object.hasOwn(zones, a.zone)) return undefined;
  const next: JsonObject = { ...zone };
  for (let i = 0; i < a.keys.length; i++) {
    const key = a.keys[i];
    const c = a.comps[i];
    if (!Object.hasOwn(zone, key) || key === '__proto__') return undefined;
    if (c.es !== undefined) {
      const text = zone[key];
      if (typeof text !== 'string') return undefined;
      next[key] = textUnicodeType.apply(text, c.es as never);
    } else {
      next[key] = c.i;
    }
  }
  return { id: a.zone, zone: next };
}

/**
 * `invertWithDoc(op, doc)` for an op of the shape above (`doc`: the document it is about to be applied to), as
 * json1 inverts it: per key, a text edit's deleted text is read from the zone's text and inserts become deletes
 * (text-unicode's `makeInvertible` and `invert`), and a set `{r, i}` becomes `{r: i, i: old}` with the value the
 * zone holds now. `undefined` whenever json1 has to decide (the zone or a key missing, a text that is not a string).
 */
export function invertZoneLocal(op: JSONOp, doc: unknown): JSONOp | undefined {
  const a = zoneLocal(op);
  if (a === null || !isObject(doc) || !isObject(doc.zones) || !Object.hasOwn(doc.zones, a.zone))
    return undefined;
  const zone = doc.zones[a.zone];
  if (!isObject(zone)) return undefined;
  const keys: string[] = [];
  const comps: JSONOpComponent[] = [];
  for (let i = 0; i < a.keys.length; i++) {
    const key = a.keys[i];
    const c = a.comps[i];
    if (!Object.hasOwn(zone, key)) return undefined;
    const old = zone[key];
    if (c.es !== undefined) {
      if (typeof old !== 'string') return undefined;
      const es = invertText(makeInvertible(ownText(c.es) as never, old));
      // Nothing to put back (an empty edit, or a delete past the end of the text that deleted nothing): json1
      // drops the no-op inverse, so the key is left out (and `null` returned when nothing else is left).
      if (es.length === 0) continue;
      keys.push(key);
      comps.push({ es });
    } else {
      if (!isScalar(old)) return undefined;
      keys.push(key);
      comps.push({ r: c.i, i: old });
    }
  }
  return buildZoneLocal(a.zone, keys, comps);
}

/**
 * `normalize(op)` for an op of the shape above, as json1 normalizes it: each text edit normalized by
 * text-unicode (and dropped when that leaves nothing), sets kept as they are. `undefined` for any other shape.
 */
export function normalizeZoneLocal(op: JSONOp): JSONOp | undefined {
  const a = zoneLocal(op);
  if (a === null) return undefined;
  return fromLocalParts(a.zone, a.keys, a.comps);
}

/**
 * The normalized op made of one zone's `keys` (any order, no repeats) and their components (`{es}`, or `{r, i}`
 * with a scalar `i`), as json1 would build and normalize it; `undefined` when the parts are not of that shape.
 */
export function zoneLocalFromParts(zone: string, keys: string[], comps: unknown[]): JSONOp | undefined {
  if (keys.length === 0 || keys.length !== comps.length) return undefined;
  for (const c of comps) if (!isLocalComponent(c)) return undefined;
  const order = keys.map((_, i) => i).sort((i, j) => (keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0));
  for (let n = 1; n < order.length; n++) if (keys[order[n]] === keys[order[n - 1]]) return undefined;
  return fromLocalParts(
    zone,
    order.map((i) => keys[i]),
    order.map((i) => comps[i] as JSONOpComponent),
  );
}

function fromLocalParts(zone: string, keys: string[], comps: JSONOpComponent[]): JSONOp {
  const outKeys: string[] = [];
  const outComps: JSONOpComponent[] = [];
  for (let i = 0; i < keys.length; i++) {
    const c = comps[i];
    if (c.es !== undefined) {
      const es = textUnicodeType.normalize(c.es as never);
      if (es.length === 0) continue;
      outKeys.push(keys[i]);
      outComps.push({ es });
    } else {
      outKeys.push(keys[i]);
      outComps.push({ r: c.r, i: c.i });
    }
  }
  return buildZoneLocal(zone, outKeys, outComps);
}
