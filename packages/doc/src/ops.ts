import { wellFormed } from './json-value.js';
import {
  apply,
  compose,
  type Json,
  normalize,
  type Op,
  type OpComponent,
  type OpEntry,
  opComponents,
  opFromComponents,
  type Path,
  type TextOp,
  textType,
} from './ot.js';
import { hasSurrogates, isCount, isTextComponent } from './text-type.js';
import {
  attrProblem,
  isStampKey,
  STAMP_FIELDS,
  validateZone,
  ZONE_ATTRS,
  type Zone,
  type ZoneAttrs,
  type ZoneDocument,
} from './zone.js';
import { buildZoneLocal, zoneLocal } from './zone-local.js';

/**
 * Typed builders for the seed's operations on zones. Each returns a normalized json1 op (or `null` when
 * there is nothing to do) and throws a `RangeError` on input that could only produce an invalid document.
 *
 * With `current` (the zone as the caller sees it now), a builder writes replace-or-insert per attribute
 * and puts the old values in the op, so the op is invertible as built. Without it, attributes are
 * replaced (`{r: true, i: value}`), which fits any valid zone.
 */

/** Who makes a change, and when (ms). Builders write it to the zone's `updatedBy`/`updatedAt`. */
export type Stamp = { by: string; at: number };
export type BuildOptions = { current?: Zone; stamp?: Stamp };

/**
 * A text edit: a raw text-unicode op (`[skip, 'insert', {d: count | 'deleted'}]`), or a splice at `pos`
 * deleting `del` (a count, or the deleted text itself) then inserting `ins`. Positions and counts are in
 * Unicode code points, as text-unicode counts them.
 */
export type TextEdit = TextOp | { pos: number; del?: number | string; ins?: string };

export type OpKind = 'zone_create' | 'zone_update' | 'zone_edit' | 'zone_delete' | 'meta' | 'mixed' | 'noop';
export type OpDescription = {
  /** The seed's event name for this change; `'mixed'` when it spans kinds, `'noop'` for `null`. */
  kind: OpKind;
  /** Every zone the op creates, changes, moves or deletes (sorted): what lock checks look at. */
  zoneIds: string[];
  /** The op writes the root or the `zones` map itself: treat it as touching every zone. */
  touchesAllZones: boolean;
};

export const zonePath = (zoneId: string): Path => ['zones', zoneId];

const cloneJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function stampProblem(stamp: Stamp): string | null {
  if (typeof stamp.by !== 'string' || stamp.by.length === 0) return 'stamp.by must be a non-empty user id';
  if (!Number.isSafeInteger(stamp.at) || stamp.at < 0)
    return 'stamp.at must be a time in ms (an integer >= 0)';
  return null;
}

/** Replace-or-insert components for `value` at `path`, given what is there now (`undefined` = unknown). */
function setEntry(
  path: Path,
  value: Json,
  current: Record<string, unknown> | undefined,
  key: string,
): OpEntry {
  if (current === undefined) return { path, c: { r: true, i: value } };
  if (Object.hasOwn(current, key)) return { path, c: { r: cloneJson(current[key] as Json), i: value } };
  return { path, c: { i: value } };
}

function stampEntries(zoneId: string, stamp: Stamp, current: Zone | undefined): OpEntry[] {
  const problem = stampProblem(stamp);
  if (problem) throw new RangeError(problem);
  const values: Record<(typeof STAMP_FIELDS)[number], Json> = { updatedBy: stamp.by, updatedAt: stamp.at };
  return STAMP_FIELDS.map((f) => setEntry([...zonePath(zoneId), f], values[f], current, f));
}

function checkZoneId(zoneId: unknown): asserts zoneId is string {
  if (typeof zoneId !== 'string' || zoneId.length === 0)
    throw new RangeError('zoneId must be a non-empty string');
}

/** Insert a new zone. With a stamp, `updatedBy`/`updatedAt` are set from it. */
export function zoneCreate(zone: Zone, stamp?: Stamp): Op {
  if (stamp) {
    const problem = stampProblem(stamp);
    if (problem) throw new RangeError(problem);
  }
  const z = cloneJson(stamp ? { ...zone, updatedBy: stamp.by, updatedAt: stamp.at } : zone);
  const problems = validateZone(z);
  if (problems.length > 0) throw new RangeError(`zoneCreate: ${problems.join('; ')}`);
  return [...zonePath(z.id), { i: z }];
}

/** Remove a zone. With `current`, the removed zone is kept in the op (invertible as built). */
export function zoneDelete(zoneId: string, current?: Zone): Op {
  checkZoneId(zoneId);
  return [...zonePath(zoneId), { r: current === undefined ? true : cloneJson(current) }];
}

/**
 * Set attributes of a zone (`page`, `bbox`, `type`, `label`, `confidence`). With `current`, attributes
 * that already have the value are left out, and `null` is returned when none is left.
 *
 * With `current`, a `bbox` is set coordinate by coordinate: only the coordinates that differ from the current box
 * (`bbox.x` and `bbox.y` for a move, the edges' coordinates for a resize), each with its old value. Concurrent
 * changes of different coordinates then merge (one user moves a box while another narrows it: both are kept), and
 * undoing a move puts back its `x`/`y` past someone's later change of the size. Without `current` the box is
 * replaced as one value, which fits any valid zone.
 *
 * @example
 * zoneUpdate('z7', { bbox: { x: 60, y: 60, w: 500, h: 30 } }, { current }) // current.bbox = {x: 40, y: 60, w: 500, h: 30}
 * // → ['zones', 'z7', 'bbox', 'x', { r: 40, i: 60 }]
 */
export function zoneUpdate(zoneId: string, attrs: ZoneAttrs, options: BuildOptions = {}): Op {
  checkZoneId(zoneId);
  const { current, stamp } = options;
  for (const key of Object.keys(attrs)) {
    if (!(ZONE_ATTRS as readonly string[]).includes(key)) {
      const hint = key === 'text' ? ' (use zoneEdit for text)' : '';
      throw new RangeError(`zoneUpdate cannot set ${JSON.stringify(key)}${hint}`);
    }
  }
  const entries: OpEntry[] = [];
  for (const attr of ZONE_ATTRS) {
    const value = attrs[attr];
    if (value === undefined) continue;
    const problem = attrProblem(attr, value);
    if (problem) throw new RangeError(`zoneUpdate: ${problem}`);
    if (current !== undefined && sameJson(current[attr], value)) continue;
    const box =
      attr === 'bbox' && current !== undefined ? boxEntries(zoneId, current.bbox, value as Json) : null;
    if (box !== null) entries.push(...box);
    else entries.push(setEntry([...zonePath(zoneId), attr], cloneJson(value), current, attr));
  }
  if (entries.length === 0) return null; // (a box with its keys in another order is the same box)
  // The analysis' reading order was for the zone where the analysis found it: a zone moved (another page, a box
  // drawn anew) is read where it now sits, as a zone someone drew. Only with `current`: without it the op cannot
  // know there is an order to remove.
  const moved = entries.some((e) => e.path[2] === 'page' || e.path[2] === 'bbox');
  if (moved && current !== undefined && Object.hasOwn(current, 'order')) {
    entries.push({ path: [...zonePath(zoneId), 'order'], c: { r: cloneJson(current.order as Json) } });
  }
  if (stamp) entries.push(...stampEntries(zoneId, stamp, current));
  return opFromComponents(entries);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The components that turn the box `before` into `after`, key by key (`x`, `y`, `w`, `h`, and any other key a box
 * may carry): a changed key replaced with its old value in the op, a new one inserted, one `after` lacks removed,
 * so the zone ends with exactly `after`, as replacing the box would leave it. `null` when `before` is no object (a
 * zone that is not valid): the box is then replaced as one value.
 */
function boxEntries(zoneId: string, before: unknown, after: Json): OpEntry[] | null {
  if (!isPlainObject(before) || !isPlainObject(after)) return null;
  const path = [...zonePath(zoneId), 'bbox'];
  const entries: OpEntry[] = [];
  for (const key of Object.keys(after)) {
    if (Object.hasOwn(before, key) && sameJson(before[key], after[key])) continue;
    entries.push(setEntry([...path, key], cloneJson(after[key] as Json), before, key));
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key))
      entries.push({ path: [...path, key], c: { r: cloneJson(before[key] as Json) } });
  }
  return entries;
}

/** Number of Unicode code points in `s` (what text-unicode positions count). */
export function codePointLength(s: string): number {
  // Without surrogates every unit is a code point: no walk over a long text on each keystroke.
  if (!hasSurrogates(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The text-unicode op for a `TextEdit`, normalized; `current` (the text now) checks bounds and fills deletes. */
export function textOp(edit: TextEdit, current?: string): TextOp {
  let op: TextOp;
  if (Array.isArray(edit)) {
    // normalize() would silently drop a negative skip or a malformed delete: refuse those first.
    const bad = (edit as unknown[]).find((c) => !isTextComponent(c));
    if (bad !== undefined) throw new RangeError(`invalid text op component ${JSON.stringify(bad)}`);
    op = textType.normalize(edit.map((c) => (typeof c === 'object' ? { ...c } : c)));
  } else {
    const { pos, del = 0, ins = '' } = edit;
    if (!Number.isSafeInteger(pos) || pos < 0)
      throw new RangeError(`text edit pos must be an integer >= 0, got ${pos}`);
    if (!isCount(del) && typeof del !== 'string') {
      throw new RangeError(`text edit del must be an integer >= 0 or a string, got ${JSON.stringify(del)}`);
    }
    if (typeof ins !== 'string') throw new RangeError('text edit ins must be a string');
    // A lone surrogate would only be refused later (by the server's checkOp, or the local document's validation).
    if (!wellFormed(ins) || (typeof del === 'string' && !wellFormed(del)))
      throw new RangeError('text edit ins and del must be well-formed text (no lone surrogate)');
    op = textType.normalize([pos, { d: del }, ins]);
  }
  try {
    textType.checkOp(op);
  } catch (e) {
    throw new RangeError(`invalid text op: ${(e as Error).message}`);
  }
  if (current === undefined) return op;
  // Check the op fits the text and carry the deleted text, so that the op is invertible as built.
  let at = 0;
  for (const c of op) {
    if (typeof c === 'number') at += c;
    else if (typeof c === 'object') at += typeof c.d === 'number' ? c.d : codePointLength(c.d);
  }
  const length = codePointLength(current);
  if (at > length)
    throw new RangeError(`text edit reaches position ${at}, past the end of the text (${length})`);
  return textType.normalize(makeTextInvertible(op, current));
}

function makeTextInvertible(op: TextOp, text: string): TextOp {
  // Nothing deleted (typing): invertible as it is, without splitting the whole text into code points.
  if (!op.some((c) => typeof c === 'object')) return op;
  // Without surrogates a code point is a unit: a backspace slices, without splitting the whole text into an
  // array of one-character strings.
  const chars = hasSurrogates(text) ? Array.from(text) : null;
  const slice = (from: number, n: number) =>
    chars === null ? text.slice(from, from + n) : chars.slice(from, from + n).join('');
  let at = 0;
  return op.map((c) => {
    if (typeof c === 'number') {
      at += c;
      return c;
    }
    if (typeof c === 'string') return c;
    const n = typeof c.d === 'number' ? c.d : codePointLength(c.d);
    const deleted = slice(at, n);
    if (typeof c.d === 'string' && c.d !== deleted) {
      throw new RangeError(
        `text edit deletes ${JSON.stringify(c.d)} but the text there is ${JSON.stringify(deleted)}`,
      );
    }
    at += n;
    return { d: deleted };
  });
}

/** Edit a zone's text. Returns `null` for an empty edit. */
export function zoneEdit(zoneId: string, edit: TextEdit, options: BuildOptions = {}): Op {
  checkZoneId(zoneId);
  const { current, stamp } = options;
  const op = textOp(edit, current?.text);
  if (op.length === 0) return null;
  const entries: OpEntry[] = [{ path: [...zonePath(zoneId), 'text'], c: { es: op } }];
  if (stamp) entries.push(...stampEntries(zoneId, stamp, current));
  return opFromComponents(entries);
}

/** Set (or, with `value === undefined`, remove) a key of the document's `meta`. */
export function metaSet(key: string, value: Json | undefined, currentMeta?: Record<string, Json>): Op {
  const path: Path = ['meta', key];
  const has = currentMeta === undefined ? undefined : Object.hasOwn(currentMeta, key);
  if (value === undefined) {
    if (has === false) return null;
    return [...path, { r: has ? cloneJson(currentMeta?.[key] as Json) : true }];
  }
  if (has && sameJson(currentMeta?.[key], value)) return null;
  const c: OpComponent =
    has === undefined
      ? { r: true, i: cloneJson(value) }
      : has
        ? { r: cloneJson(currentMeta?.[key] as Json), i: cloneJson(value) }
        : { i: cloneJson(value) };
  return [...path, c];
}

/**
 * Add `stamp` to every zone that `op` leaves in place or creates, as one op to apply to `doc` instead of
 * `op`. For ops made outside the builders, such as an undo.
 */
export function stampOp(op: Op, stamp: Stamp, doc: ZoneDocument): Op {
  if (op === null) return null;
  const after = apply(doc, op);
  const stamps: OpEntry[] = [];
  for (const zoneId of describeOp(op).zoneIds) {
    const zone = after.zones[zoneId];
    if (zone !== undefined) stamps.push(...stampEntries(zoneId, stamp, zone));
  }
  return stamps.length === 0 ? op : normalize(compose(op, opFromComponents(stamps)));
}

/** The path of a zone's `updatedBy` or `updatedAt`. */
export const isStampPath = (path: Path) => path.length === 3 && path[0] === 'zones' && isStampKey(path[2]);

/** `op` without its writes to `updatedBy`/`updatedAt` (inside inserted zones those stay). */
export function withoutStamps(op: Op): Op {
  const local = zoneLocal(op);
  if (local !== null) {
    const keep = local.keys.map((k) => !isStampKey(k));
    if (keep.every(Boolean)) return op;
    return buildZoneLocal(
      local.zone,
      local.keys.filter((_, i) => keep[i]),
      local.comps.filter((_, i) => keep[i]),
    );
  }
  const entries = opComponents(op);
  const kept = entries.filter((e) => !isStampPath(e.path));
  return kept.length === entries.length ? op : opFromComponents(kept);
}

type ZoneChange = 'create' | 'delete' | 'replace' | 'edit' | 'update' | 'stamp' | 'move';

/** What kind of change `op` is, and which zones it touches. */
export function describeOp(op: Op): OpDescription {
  if (op === null) return { kind: 'noop', zoneIds: [], touchesAllZones: false };
  const local = zoneLocal(op);
  if (local !== null) {
    // One zone's keys (nearly every op): a text edit, attribute sets, or both.
    let edit = false;
    let update = false;
    local.keys.forEach((key, i) => {
      if (key === 'text' && local.comps[i].es !== undefined) edit = true;
      else if (!isStampKey(key)) update = true;
    });
    const kind: OpKind = edit ? (update ? 'mixed' : 'zone_edit') : 'zone_update';
    return { kind, zoneIds: [local.zone], touchesAllZones: false };
  }
  const perZone = new Map<string, Set<ZoneChange>>();
  let meta = false;
  let other = false;
  let touchesAllZones = false;
  for (const { path, c } of opComponents(op)) {
    const move = c.p !== undefined || c.d !== undefined;
    if (path.length === 0) {
      touchesAllZones = true;
      other = true;
      continue;
    }
    if (path[0] === 'meta') {
      meta = true;
      if (path.length === 1 || move) other = true;
      continue;
    }
    if (path[0] !== 'zones') {
      other = true;
      continue;
    }
    if (path.length === 1 || typeof path[1] !== 'string') {
      touchesAllZones = true;
      other = true;
      continue;
    }
    const zoneId = path[1];
    const changes = perZone.get(zoneId) ?? new Set<ZoneChange>();
    perZone.set(zoneId, changes);
    if (move) changes.add('move');
    else if (path.length === 2) {
      if (c.r !== undefined && c.i !== undefined) changes.add('replace');
      else if (c.i !== undefined) changes.add('create');
      else if (c.r !== undefined) changes.add('delete');
      else changes.add('move'); // an embedded edit on a whole zone: nothing the builders make
    } else if (path[2] === 'text' && path.length === 3 && (c.es !== undefined || c.et !== undefined)) {
      changes.add('edit');
    } else if (isStampPath(path)) changes.add('stamp');
    else changes.add('update');
  }
  const kinds = new Set<OpKind>();
  for (const changes of perZone.values()) kinds.add(zoneKind(changes));
  if (meta) kinds.add('meta');
  if (other) kinds.add('mixed');
  const kind: OpKind = kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? 'noop' : 'mixed';
  return { kind, zoneIds: [...perZone.keys()].sort(), touchesAllZones };
}

function zoneKind(changes: Set<ZoneChange>): OpKind {
  if (changes.has('move')) return 'mixed';
  // Components below a created or deleted zone belong to that creation or deletion.
  if (changes.has('create')) return 'zone_create';
  if (changes.has('delete')) return 'zone_delete';
  if (changes.has('replace')) return 'zone_update';
  if (changes.has('edit')) return changes.has('update') ? 'mixed' : 'zone_edit';
  return 'zone_update';
}
