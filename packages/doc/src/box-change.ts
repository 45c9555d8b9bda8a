import { type Op, type OpEntry, opComponents, opFromComponents } from './ot.js';
import { isStampKey } from './zone.js';

/** Zone keys a move may change besides the box: the page it is on, and the reading order it drops. */
const ALONG_WITH_BOX = new Set(['page', 'order']);

const size = (v: unknown): { w: unknown; h: unknown } | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? { w: (v as { w?: unknown }).w, h: (v as { h?: unknown }).h }
    : null;

/**
 * What an op did to zones' boxes, for the history (`HistoryEntry.box`): `moved` when it changed nothing but boxes
 * (and the page and reading order a move changes) and every box kept its size, `resized` when a box's size changed.
 * `undefined` for any other op, and when it cannot tell: a box replaced without the old one in the op (built without
 * the zone's current state), or changed in a way no builder makes.
 *
 * The builders set a box coordinate by coordinate (`zoneUpdate` with the zone): a move sets `bbox.x`/`bbox.y`, a
 * resize the size (and the coordinates of a moved top or left edge), so the op alone says which it was, also once the
 * server has transformed it (which strips the old values a replaced box would be compared by).
 */
export function boxChange(op: Op): 'moved' | 'resized' | undefined {
  let box = false;
  let resized = false;
  for (const { path, c } of opComponents(op)) {
    const [root, zoneId, key, field] = path;
    if (root !== 'zones' || typeof zoneId !== 'string' || key === undefined) return undefined;
    if (isStampKey(key) || (ALONG_WITH_BOX.has(key as string) && path.length === 3)) continue;
    if (key !== 'bbox' || c.p !== undefined || c.d !== undefined || c.es !== undefined || c.e !== undefined)
      return undefined;
    if (path.length === 3) {
      // The whole box replaced (a builder without the zone, an older client): its size is compared with the old box,
      // when the op holds it (`r`).
      const before = size(c.r);
      const after = size(c.i);
      if (!before || !after) return undefined;
      if (before.w !== after.w || before.h !== after.h) resized = true;
    } else if (path.length === 4 && (field === 'x' || field === 'y')) {
      // A corner's coordinate set: a move, unless the size changed too.
    } else if (path.length === 4 && (field === 'w' || field === 'h')) {
      // A size set (`r` is the old size, or `true` once transformed) or added to (`ena`): resized unless unchanged.
      if (c.ena !== undefined ? c.ena !== 0 : c.r !== c.i) resized = true;
    } else return undefined;
    box = true;
  }
  if (!box) return undefined;
  return resized ? 'resized' : 'moved';
}

const BOX_KEYS = ['x', 'y', 'w', 'h'] as const;

/** `v` as a box (four finite numbers, nothing else), or null. */
function asBox(v: unknown): Record<(typeof BOX_KEYS)[number], number> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== BOX_KEYS.length) return null;
  const box = v as Record<string, unknown>;
  return BOX_KEYS.every((k) => typeof box[k] === 'number')
    ? (box as Record<(typeof BOX_KEYS)[number], number>)
    : null;
}

/**
 * `op` with every zone box it replaces whole, old box and new (`{r: box, i: box}` at `zones/<id>/bbox`), set
 * coordinate by coordinate instead: only the coordinates that differ. The two do the same to the document, but
 * transform differently: a replaced box overwrites a coordinate someone set meanwhile, set coordinates only meet
 * theirs where both set the same one. Undo records its steps so (the inverse of a box replaced whole, by an older
 * client or a resync's diff, would otherwise put back the whole old box over others' later changes).
 */
export function boxesByCoordinate(op: Op): Op {
  if (op === null) return op;
  const entries = opComponents(op);
  let split = false;
  const out: OpEntry[] = [];
  for (const e of entries) {
    const { path, c } = e;
    const before = path.length === 3 && path[0] === 'zones' && path[2] === 'bbox' ? asBox(c.r) : null;
    const after = before && asBox(c.i);
    if (!before || !after || Object.keys(c).length !== 2) {
      out.push(e);
      continue;
    }
    split = true;
    for (const k of BOX_KEYS)
      if (before[k] !== after[k]) out.push({ path: [...path, k], c: { r: before[k], i: after[k] } });
  }
  return split ? opFromComponents(out) : op;
}
