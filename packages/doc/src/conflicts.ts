import { isStampPath, withoutStamps } from './ops.js';
import { CONFLICT, type Op, type OpEntry, opComponents, type Path, tryTransform } from './ot.js';
import { isStampKey } from './zone.js';
import { collidingSets } from './zone-local.js';

/**
 * The conflicts between two concurrent ops that are worth telling a user about, seen from `mine`:
 * - `edit_on_deleted`: my change inside a zone they deleted is lost;
 * - `delete_of_edited`: my deletion of a zone drops their change inside it;
 * - `same_attribute`: we both set the same attribute (or meta key) to different values; one wins. Its `path` is the
 *   attribute's, also when the two set the same coordinate of a box (`bbox.x`): two moves of one box are one
 *   conflict about `bbox`, and changes of different coordinates (one moves a box, the other narrows it) none;
 * - `other`: anything else json1 resolved by dropping a change (both created the same zone id, moves).
 *
 * json1's `tryTransform` stops at the first conflict, and every builder op writes `updatedBy`/`updatedAt`,
 * which would make any two edits of one zone "collide". So ops are split into components, each pair that
 * touches the same subtree goes through `tryTransform`, and collisions on the stamp fields are ignored.
 *
 * The ops are ones `transform` takes: normalized ops that passed `checkOp` (the sequencer checks and normalizes
 * every submitted op first; the client's own ops are built or normalized, and remote ones come from the server).
 * On anything else it throws where json1's `tryTransform` throws (text edits that text-unicode refuses, such as
 * a zero or negative skip or an empty insert, meeting on one key), as `transform` on the same pair would: it
 * never answers "no conflict" for a pair that cannot be transformed.
 */

export type ConflictKind = 'edit_on_deleted' | 'same_attribute' | 'delete_of_edited' | 'other';
export type OpConflict = {
  kind: ConflictKind;
  /** The zone concerned, or `null` outside zones (meta). */
  zoneId: string | null;
  /** The removed subtree (zone) for the delete kinds, the attribute's path for `same_attribute`. */
  path: Path;
};

const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((k, i) => b[i] === k);
const zoneOf = (p: Path): string | null => (p[0] === 'zones' && typeof p[1] === 'string' ? p[1] : null);
const isRemove = (e: OpEntry) => e.c.r !== undefined && e.c.i === undefined;
const isMove = (e: OpEntry) => e.c.p !== undefined || e.c.d !== undefined;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** The path of the zone attribute `p` is in (`['zones', id, 'bbox']` for a box coordinate), or `p` itself. */
const attributePath = (p: Path): Path => (zoneOf(p) !== null && p.length > 3 ? p.slice(0, 3) : p);

/** Components not inside a subtree the same op removes (json1 nests `{r}` below a removed zone). */
function topComponents(op: Op): OpEntry[] {
  const all = opComponents(op);
  const removed = all.filter((e) => e.c.r !== undefined).map((e) => e.path);
  return all.filter((e) => !removed.some((r) => r.length < e.path.length && isPrefix(r, e.path)));
}

export function findConflicts(mine: Op, theirs: Op): OpConflict[] {
  if (mine === null || theirs === null) return [];
  // Edits of one zone's text and attributes (nearly every op): compared key by key, as json1 would.
  const sets = collidingSets(mine, theirs);
  if (sets !== undefined) {
    return sets
      .filter(({ key }) => !isStampKey(key))
      .map(({ zoneId, key }) => ({ kind: 'same_attribute', zoneId, path: ['zones', zoneId, key] }));
  }
  return findConflictsWithJson1(mine, theirs);
}

/** `findConflicts` for any two ops, through json1's `tryTransform` (exported for the equivalence test). */
export function findConflictsWithJson1(mine: Op, theirs: Op): OpConflict[] {
  if (mine === null || theirs === null) return [];
  // The common case, two edits of one zone, collides only on the stamps (never reported): check the rest
  // at once instead of pair by pair.
  const quick = tryTransform(withoutStamps(mine), withoutStamps(theirs), 'left');
  if (quick.ok) return [];
  const whole = tryTransform(mine, theirs, 'left');
  if (whole.ok) return [];
  const mineC = topComponents(mine);
  const theirsC = topComponents(theirs);
  if (mineC.some(isMove) || theirsC.some(isMove)) {
    // Moves span paths, so one component alone is not an op: report what json1 found for the whole op.
    // Their side of the conflict names the place: the removal or the collision's destination.
    const path = (opComponents(whole.conflict.op2)[0] ?? opComponents(whole.conflict.op1)[0])?.path ?? [];
    return [{ kind: 'other', zoneId: zoneOf(path), path }];
  }
  const found = new Map<string, OpConflict>();
  const add = (c: OpConflict) => found.set(`${c.kind}\u0000${JSON.stringify(c.path)}`, c);
  for (const m of mineC) {
    for (const t of theirsC) {
      if (!isPrefix(m.path, t.path) && !isPrefix(t.path, m.path)) continue;
      const r = tryTransform([...m.path, m.c], [...t.path, t.c], 'left');
      if (r.ok) continue;
      const conflict = classify(m, t, r.conflict.type);
      if (conflict) add(conflict);
    }
  }
  return [...found.values()];
}

function classify(m: OpEntry, t: OpEntry, type: number): OpConflict | null {
  if (type === CONFLICT.RM_UNEXPECTED_CONTENT) {
    // One side removed a subtree the other changes inside (or replaces).
    const theyRemoved = isRemove(t) && isPrefix(t.path, m.path);
    const removed = theyRemoved ? t.path : m.path;
    const zoneId = zoneOf(removed);
    if (zoneId !== null && removed.length === 2) {
      return { kind: theyRemoved ? 'edit_on_deleted' : 'delete_of_edited', zoneId, path: removed };
    }
    return { kind: 'same_attribute', zoneId: zoneOf(removed), path: attributePath(removed) };
  }
  if (type === CONFLICT.DROP_COLLISION) {
    if (isStampPath(m.path) || sameJson(m.c.i, t.c.i)) return null;
    const zoneId = zoneOf(m.path);
    if (zoneId !== null && m.path.length === 2) return { kind: 'other', zoneId, path: m.path };
    return { kind: 'same_attribute', zoneId, path: attributePath(m.path) };
  }
  return { kind: 'other', zoneId: zoneOf(m.path), path: m.path };
}
