import { type Conflict, type JSONOp, type JSONOpComponent, type as json1, type Path } from 'ot-json1';
import type { TextOp } from 'ot-text-unicode';
import { applyByBranches } from './apply-branches.js';
import { jsonValueProblem } from './json-value.js';
import { nestsDeeperThan } from './nesting.js';
import { isTextComponent, textUnicodeType } from './text-type.js';
import {
  applyZoneLocal,
  composeZoneLocal,
  copyObject,
  invertZoneLocal,
  normalizeZoneLocal,
  transformZoneLocal,
  zoneLocalFromParts,
  zoneLocalStep,
} from './zone-local.js';

/**
 * The OT layer: ot-json1 with the ot-text-unicode subtype, wrapped so that both ends (the server's
 * sequencer and the client's optimistic document) use the same non-throwing variant.
 *
 * NOTE: plain json1 `transform` throws when two ops conflict (both set the same key, an edit inside a
 * removed subtree, ...). A sequencer cannot afford a throw on a legal concurrent edit, so `transform`
 * here resolves every conflict deterministically (remove beats edit, the left side wins a collision)
 * and `tryTransform` is what reports the conflict, for telling the user.
 */

// json1 registers the shipped text-unicode for `es` components; ours (same type, a faster string walk, see
// text-type.ts) takes its name, so both ends apply text edits with it.
json1.registerSubtype(textUnicodeType);

/** A JSON value as json1 sees it (round-trips through JSON.stringify/parse). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A json1 operation; `null` is the no-op. */
export type Op = JSONOp;
/** One component of a json1 op: `{r}` remove, `{i}` insert, `{p}`/`{d}` pick/drop, `{es}` text edit. */
export type OpComponent = JSONOpComponent;
export type { Conflict, Path, TextOp };
export type Side = 'left' | 'right';

/** json1's conflict codes, as reported by `tryTransform`. */
export const CONFLICT = {
  /** An op edits or removes content that the other op removed. */
  RM_UNEXPECTED_CONTENT: json1.RM_UNEXPECTED_CONTENT,
  /** Both ops insert (or move) something at the same place; the left one wins. */
  DROP_COLLISION: json1.DROP_COLLISION,
  /** A move of an item into itself ("blackhole"); the content is dropped. */
  BLACKHOLE: json1.BLACKHOLE,
} as const;

/**
 * The json1 type whose `transform` never throws (every conflict allowed and resolved). Register this
 * one anywhere a type registry is needed (e.g. ShareDB's `types.register`), on server and client alike.
 */
export const docType = json1.typeAllowingConflictsPred(() => true);

/**
 * Apply `op` to `doc` and return the new document. `doc` is not mutated: json1 shallow-copies along the
 * edited paths, so the previous snapshot stays valid (and shares untouched subtrees).
 * Throws if the op does not fit the document (e.g. removes a missing key, skips past the end of a text).
 */
export function apply<T extends Json = Json>(doc: T, op: Op): T {
  if (op !== null) {
    const local = applyZoneLocal(doc, op);
    if (local !== undefined) return local;
    // Many changes in one op (zones deleted at once, many keys set): each object written copied once.
    const branched = applyByBranches(doc, op);
    if (branched !== undefined) return branched as T;
  }
  return json1.apply(doc, op) as T;
}

/**
 * Applies `ops` in order, as `apply` would one after the other, but a run of single-zone ops copies the zones object
 * once, not once per op: replaying many ops on a big document costs the ops, not the ops times the zone count (200
 * text edits on 10,000 zones: one copy of the zones instead of 200). `doc` is not mutated. An op that does not fit
 * stops the replay (`stop`, default: `failed` holds its index, `doc` is the document before it) or is passed over
 * (`skip`: every such index in `failed`).
 */
export function applyOps<T extends Json = Json>(
  doc: T,
  ops: readonly Op[],
  onError: 'stop' | 'skip' = 'stop',
): { doc: T; failed: number[] } {
  let current: unknown = doc;
  // The zones being written (a copy of `current.zones`, once per run of single-zone ops), or null.
  let zones: Record<string, unknown> | null = null;
  const settle = () => {
    if (zones !== null) current = { ...(current as Record<string, unknown>), zones };
    zones = null;
  };
  const failed: number[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === null) continue;
    const base: Record<string, unknown> | null = zones ?? zonesOf(current);
    let step: ReturnType<typeof zoneLocalStep>;
    try {
      step = base === null ? undefined : zoneLocalStep(base as never, op);
    } catch {
      // A text edit that does not fit its text (the same error `apply` throws).
      failed.push(i);
      if (onError === 'stop') break;
      continue;
    }
    if (step !== undefined) {
      zones ??= copyObject(base ?? {});
      zones[step.id] = step.zone;
      continue;
    }
    settle();
    try {
      current = apply(current as Json, op);
    } catch {
      failed.push(i);
      if (onError === 'stop') break;
    }
  }
  settle();
  return { doc: current as T, failed };
}

/** A document's `zones` object (a plain object), or null. */
function zonesOf(doc: unknown): Record<string, unknown> | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const zones = (doc as { zones?: unknown }).zones;
  return typeof zones === 'object' && zones !== null && !Array.isArray(zones)
    ? (zones as Record<string, unknown>)
    : null;
}

/** `compose(a, b)` is one op equivalent to applying `a` then `b`. Drops inversion info. */
export function compose(a: Op, b: Op): Op {
  if (a !== null && b !== null) {
    const local = composeZoneLocal(a, b);
    if (local !== undefined) return local;
  }
  return json1.compose(a, b) ?? null;
}

/** Compose a list of ops, applied left to right. */
export function composeAll(ops: readonly Op[]): Op {
  let out: Op = null;
  for (const op of ops) out = compose(out, op);
  return out;
}

/**
 * Transform `op` so that it applies after `other` (both made against the same document). `side` breaks
 * ties: the `'left'` op wins a collision (both set the same key) and its text inserts go first.
 * Never throws on conflicts; use `tryTransform` to learn about them. Drops inversion info.
 */
export function transform(op: Op, other: Op, side: Side): Op {
  if (op === null || other === null) return op;
  const local = transformZoneLocal(op, other, side);
  if (local !== undefined) return local;
  const [a, b] = settleReplaceCollisions(op, other, side);
  return docType.transform(a, b, side) ?? null;
}

const isScalar = (x: unknown) => x === null || typeof x !== 'object';
/**
 * A component that replaces a value by a scalar (`{r, i}` and nothing else), such as a zone's `updatedAt` stamp.
 * Not one that also edits what it inserts (`{r, i, es}`): json1 keeps that edit when both insert the same value.
 */
const isScalarReplace = (c: OpComponent) =>
  c.r !== undefined &&
  c.i !== undefined &&
  isScalar(c.i) &&
  c.p === undefined &&
  c.d === undefined &&
  c.es === undefined &&
  c.e === undefined &&
  c.ena === undefined;
/**
 * Only keys of objects, no list index: in a json1 op a list index is read before the op's own inserts and
 * removes for `r` and after them for `i`, so two ops' `{r, i}` at one index need not be one element.
 */
const isKeyPath = (path: Path) => path.every((seg) => typeof seg === 'string');

/** Components and their scalar replaces (keyed by path) per op: ops are values, and one op meets many. */
const analysed = new WeakMap<object, { all: OpEntry[]; replaces: Map<string, unknown> }>();
function analyse(op: Op & object): { all: OpEntry[]; replaces: Map<string, unknown> } {
  let a = analysed.get(op);
  if (a === undefined) {
    const all = opComponents(op);
    const replaces = new Map<string, unknown>();
    for (const e of all)
      if (isScalarReplace(e.c) && isKeyPath(e.path)) replaces.set(JSON.stringify(e.path), e.c.i);
    a = { all, replaces };
    analysed.set(op, a);
  }
  return a;
}

/**
 * Resolve, before json1 sees them, collisions where both ops replace the same scalar (every zone edit
 * re-stamps `updatedBy`/`updatedAt`, so any two concurrent edits of one zone collide there), exactly as json1
 * would: the left side's replace wins and the right side's is dropped; when both set the same value, neither
 * needs its replace after the other. json1 gets there through its conflict loop (a tryTransform, a
 * resolution and another transform per collision, ~5x a plain transform); this keeps transforming concurrent
 * typing cheap on both ends.
 */
function settleReplaceCollisions(op: Op, other: Op, side: Side): [Op, Op] {
  if (op === null || other === null) return [op, other];
  const mineA = analyse(op);
  if (mineA.replaces.size === 0) return [op, other];
  const theirA = analyse(other);
  if (theirA.replaces.size === 0) return [op, other];
  const key = (path: Path) => JSON.stringify(path);
  const theirValue = theirA.replaces;
  /** Both set the same value: neither needs its replace after the other (json1's rule too). */
  const same = new Set<string>();
  /** Both set different values: the left one's replace wins, the right one's disappears. */
  const differ = new Set<string>();
  for (const [k, i] of mineA.replaces) {
    if (!theirValue.has(k)) continue;
    (theirValue.get(k) === i ? same : differ).add(k);
  }
  if (same.size === 0 && differ.size === 0) return [op, other];
  // A component above a colliding path (a zone replaced or inserted whole, as undo can make) changes what the
  // path refers to, and one below it (a pick or remove inside the value the replace removes) is tied to that
  // replace: leave those to json1.
  const colliding = [...same, ...differ].map((k) => JSON.parse(k) as Path);
  const nested = (e: OpEntry) => colliding.some((p) => e.path.length !== p.length && onOneBranch(e.path, p));
  if (mineA.all.some(nested) || theirA.all.some(nested)) return [op, other];
  const drop = (o: Op, keys: Set<string>) =>
    keys.size === 0 || o === null
      ? o
      : opFromComponents(analyse(o).all.filter((e) => !keys.has(key(e.path))));
  const loser = new Set([...same, ...differ]);
  return side === 'left' ? [drop(op, same), drop(other, loser)] : [drop(op, loser), drop(other, same)];
}

/** Whether one of two paths is a prefix of the other. */
function onOneBranch(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Both sides at once, ShareDB-style: returns `[a', b']` with `a' = transform(a, b, 'left')` and
 * `b' = transform(b, a, 'right')`, so that `apply(apply(d, a), b') = apply(apply(d, b), a')`.
 */
export function transformX(a: Op, b: Op): [Op, Op] {
  return [transform(a, b, 'left'), transform(b, a, 'right')];
}

/** Transform `op` past a history of ops, one at a time (text-unicode compose is not closed under transform). */
export function transformPast(op: Op, history: readonly Op[], side: Side): Op {
  let out = op;
  for (const other of history) {
    if (out === null) break;
    out = transform(out, other, side);
  }
  return out;
}

export type TryTransformResult = { ok: true; result: Op } | { ok: false; conflict: Conflict };

/** Like `transform`, but reports the first conflict instead of resolving it. */
export function tryTransform(op: Op, other: Op, side: Side): TryTransformResult {
  const r = json1.tryTransform(op, other, side);
  return r.ok ? { ok: true, result: r.result ?? null } : r;
}

/**
 * Invert an op that carries its removed content (see `makeInvertible`). Throws on a `{r: true}` remove
 * or a `{d: N}` text delete, which lack it.
 *
 * NOTE: json1's own `invert` turns `{r: true}` into `{i: true}` without complaint (it cannot tell "content
 * unknown" from a removed literal `true`), which would silently write `true` where a zone was. Hence the
 * check here; to invert the removal of a literal `true`, use `invertWithDoc`.
 */
export function invert(op: Op): Op {
  const blind = opComponents(op).find((e) => e.c.r === true);
  if (blind) {
    throw new Error(
      `op is not invertible: the remove at ${JSON.stringify(blind.path)} lacks its content (use makeInvertible)`,
    );
  }
  return json1.invert(op) ?? null;
}

/**
 * Fill in the removed content (`{r: value}`, text `{d: "str"}`) from `doc`, the document the op is about
 * to be applied to. Do it at apply time: compose and transform strip this information.
 */
export function makeInvertible(op: Op, doc: Json): Op {
  return json1.makeInvertible(op, doc) ?? null;
}

/** `invert(makeInvertible(op, doc))`: the op that undoes `op` applied to `doc`. */
export function invertWithDoc(op: Op, doc: Json): Op {
  if (op !== null) {
    const local = invertZoneLocal(op, doc);
    if (local !== undefined) return local;
  }
  return json1.invertWithDoc(op, doc) ?? null;
}

/**
 * Canonical form: merged paths, renumbered pick/drop slots, and normalized text ops (a zero skip such as
 * `[0, 'x']` or an empty text op, which json1 would reject at apply time, is cleaned up here).
 */
export function normalize(op: Op): Op {
  if (op === null) return null;
  const local = normalizeZoneLocal(op);
  if (local !== undefined) return local;
  return json1.normalize(op) ?? null;
}

export function isNoop(op: Op): boolean {
  return op === null;
}

/**
 * How deep an op may nest (objects and arrays, as `nestsDeeperThan` counts them): room for a value as deep as a
 * document may hold (`MAX_META_DEPTH`) under a long path, far below where json1's recursive walks overflow the stack.
 */
export const MAX_OP_DEPTH = 100;

/**
 * Problems with an op's structure (not whether it fits a document), or `null` when it is well formed: then
 * `normalize(op)` is an op that `transform`, `compose` and `findConflicts` take without throwing. json1's own
 * check does not look into text edits (text-unicode has no `checkValidOp`), and `normalize` only drops their
 * zero skips, empty inserts and deletes: a negative or fractional count would throw later (or apply nonsense).
 * What the op writes (`i`), says it removed (`r`) or adds (`ena`) must be plain JSON (`jsonValueProblem`), and the
 * op nest at most `MAX_OP_DEPTH` levels.
 */
export function checkOp(op: unknown): string | null {
  // json1's walks recurse: an op nested thousands of levels deep would overflow the stack in them.
  if (nestsDeeperThan(op, MAX_OP_DEPTH)) return `op nests more than ${MAX_OP_DEPTH} levels deep`;
  try {
    json1.checkValidOp(op as Op);
  } catch (e) {
    return e instanceof Error && e.message ? e.message : 'malformed op';
  }
  for (const { path, c } of opComponents(op as Op)) {
    // The path as the message names it, written only for a problem (every op of every client passes here).
    const at = () => JSON.stringify(path);
    // What an op writes (or says it removed) is plain JSON, read alike by every replica and encoder.
    for (const key of ['i', 'r', 'ena'] as const) {
      const p = c[key] === undefined ? null : jsonValueProblem(c[key], MAX_OP_DEPTH);
      if (p !== null) return `${key} at ${at()}: ${p}`;
    }
    if (c.ena !== undefined && typeof c.ena !== 'number') return `ena at ${at()}: not a number`;
    const text = c.es !== undefined ? c.es : isTextType(c.et) ? c.e : undefined;
    if (text === undefined) continue;
    if (!Array.isArray(text)) return `text edit at ${at()}: not a list of components`;
    const bad = (text as unknown[]).find((part) => !isTextComponent(part));
    if (bad !== undefined) return `text edit at ${at()}: invalid component ${brief(bad)}`;
  }
  return null;
}

const isTextType = (name: unknown) => name === textUnicodeType.name || name === textUnicodeType.uri;
/** A value for a message, cut short (a malformed component may be large). */
function brief(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * Where a JSON path ends up after `op`, or `null` if the op removed it. A path ending in a text position
 * (e.g. `['zones', id, 'text', 12]`) is moved by the text edit too: that is a caret.
 */
export function transformPosition(path: Path, op: Op): Path | null {
  return op === null ? path.slice() : json1.transformPosition(path, op);
}

/**
 * Where a caret in a zone's text ends up after `op` (positions in Unicode code points), or `null` if the
 * zone or its text was removed. An insert at the caret lands after it (the caret stays put).
 */
export function transformCaret(zoneId: string, pos: number, op: Op): number | null {
  const p = transformPosition(['zones', zoneId, 'text', pos], op);
  if (p === null || p.length !== 4 || p[0] !== 'zones' || p[1] !== zoneId || p[2] !== 'text') return null;
  return typeof p[3] === 'number' ? p[3] : null;
}

/** One component of an op with the path it applies at. */
export type OpEntry = { path: Path; c: OpComponent };

/**
 * Flatten an op into its components, each with its full path, in op order. Components below a removed
 * path are listed too (json1 emits e.g. `['zones', 'z', {r: true}, 'text', {r: true}]` when a remove is
 * transformed past an edit inside the removed zone).
 */
export function opComponents(op: Op): OpEntry[] {
  const out: OpEntry[] = [];
  const walk = (list: readonly unknown[], base: Path) => {
    const path = base.slice();
    for (const el of list) {
      if (Array.isArray(el)) walk(el, path);
      else if (typeof el === 'object' && el !== null) out.push({ path: path.slice(), c: el as OpComponent });
      else path.push(el as string | number);
    }
  };
  if (op !== null) walk(op, []);
  return out;
}

/** The inverse of `opComponents`: one normalized op from components (paths may come in any order). */
export function opFromComponents(entries: Iterable<OpEntry>): Op {
  const list = Array.isArray(entries) ? (entries as OpEntry[]) : [...entries];
  const local = oneZoneParts(list);
  if (local !== undefined) return local;
  const w = json1.writeCursor();
  for (const { path, c } of entries) w.mergeTree([...path, { ...c }]);
  return normalize(w.get());
}

/** `opFromComponents` for components on keys of one zone (a text edit, attribute sets), without json1's cursor. */
function oneZoneParts(entries: OpEntry[]): Op | undefined {
  const first = entries[0];
  if (first === undefined || first.path.length !== 3 || first.path[0] !== 'zones') return undefined;
  const zone = first.path[1];
  if (typeof zone !== 'string') return undefined;
  const keys: string[] = [];
  const comps: unknown[] = [];
  for (const { path, c } of entries) {
    if (path.length !== 3 || path[0] !== 'zones' || path[1] !== zone || typeof path[2] !== 'string')
      return undefined;
    keys.push(path[2]);
    comps.push(c);
  }
  return zoneLocalFromParts(zone, keys, comps);
}

/** The text-unicode type, for callers that work on bare text ops. */
export const textType = textUnicodeType;
