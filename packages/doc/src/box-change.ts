import { type Op, opComponents } from './ot.js';
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
