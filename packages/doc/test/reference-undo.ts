import { boxesByCoordinate } from '../src/box-change.js';
import { conflictLoser, findConflicts } from '../src/conflicts.js';
import { describeOp, type Stamp, stampOp, withoutStamps } from '../src/ops.js';
import {
  compose,
  invertWithDoc,
  type Op,
  type OpEntry,
  opComponents,
  opFromComponents,
  transform,
} from '../src/ot.js';
import type { UndoNotice, UndoNoticeReason, UndoResult } from '../src/undo.js';
import type { ZoneDocument } from '../src/zone.js';

/**
 * `UndoManager` without any of its short-cuts, for comparison: every op not mine goes down every step of both
 * stacks at once, one op at a time (no footprints, no queues, no composing of queued ops). The policy (notices,
 * sparing zones others edited, typing runs) is the same.
 */
type Lost = Exclude<UndoNoticeReason, 'nothing_to_undo' | 'nothing_to_redo'>;
type Entry = { op: Op; lost: Map<Lost, Set<string>>; typing?: { zoneId: string; at: number; edits: number } };
const LOST_ORDER: Lost[] = ['zone_deleted', 'edited_by_others', 'overwritten'];

export class ReferenceUndo {
  #undo: Entry[] = [];
  #redo: Entry[] = [];
  constructor(
    readonly depth = 100,
    readonly captureMs = 0,
    readonly maxRunEdits = 64,
  ) {}

  recordOwn(op: Op, before: ZoneDocument, at?: number): void {
    if (op === null) return;
    const inverse = boxesByCoordinate(withoutStamps(invertWithDoc(op, before)));
    this.#redo = [];
    if (inverse === null) {
      rebase(this.#undo, op);
      return;
    }
    const desc = describeOp(op);
    const zoneId = desc.kind === 'zone_edit' && desc.zoneIds.length === 1 ? desc.zoneIds[0] : undefined;
    const typing = zoneId !== undefined && at !== undefined ? { zoneId, at, edits: 1 } : undefined;
    const top = this.#undo[this.#undo.length - 1];
    if (
      this.captureMs > 0 &&
      typing &&
      top?.typing &&
      top.typing.zoneId === typing.zoneId &&
      top.lost.size === 0 &&
      top.typing.edits < this.maxRunEdits &&
      typing.at - top.typing.at <= this.captureMs
    ) {
      top.op = compose(inverse, top.op);
      top.typing.at = typing.at;
      top.typing.edits++;
      return;
    }
    push(this.#undo, { op: inverse, lost: new Map(), typing }, this.depth);
  }

  recordRemote(op: Op): void {
    const queued = withoutStamps(op);
    if (queued === null) return;
    rebase(this.#undo, queued);
    rebase(this.#redo, queued);
  }

  undo(doc: ZoneDocument, stamp?: Stamp): UndoResult {
    return this.closeTyping(step(this.#undo, this.#redo, doc, stamp, this.depth, 'nothing_to_undo'));
  }

  redo(doc: ZoneDocument, stamp?: Stamp): UndoResult {
    return this.closeTyping(step(this.#redo, this.#undo, doc, stamp, this.depth, 'nothing_to_redo'));
  }

  private closeTyping(result: UndoResult): UndoResult {
    const top = this.#undo[this.#undo.length - 1];
    if (top) top.typing = undefined;
    return result;
  }
}

function push(stack: Entry[], entry: Entry, depth: number) {
  stack.push(entry);
  if (stack.length > depth) stack.splice(0, stack.length - depth);
}

/** `op` (applied after every step of `stack`) down the whole stack, now. */
function rebase(stack: Entry[], op: Op) {
  let other = op;
  for (let i = stack.length - 1; i >= 0 && other !== null; i--) other = carry(stack[i], other);
}

function carry(entry: Entry, other: Op): Op {
  if (entry.op === null) return other;
  for (const c of findConflicts(entry.op, other)) {
    if (c.zoneId === null) continue;
    const replaces = opComponents(entry.op).some(
      (e) => isZone(e, c.zoneId as string) && e.c.r !== undefined && e.c.i !== undefined,
    );
    const reason: Lost =
      c.kind === 'delete_of_edited'
        ? 'edited_by_others'
        : c.kind === 'edit_on_deleted' || (c.kind === 'other' && conflictLoser(c) === 'theirs')
          ? 'zone_deleted'
          : c.kind === 'same_attribute' && replaces
            ? 'edited_by_others'
            : 'overwritten';
    const zones = entry.lost.get(reason) ?? new Set<string>();
    entry.lost.set(reason, zones);
    zones.add(c.zoneId);
  }
  const next = transform(other, entry.op, 'left');
  entry.op = transform(entry.op, other, 'right');
  return next;
}

function spareEditedZones(entry: Entry, doc: ZoneDocument): { op: Op; kept: Op } | null {
  const zoneIds = entry.lost.get('edited_by_others');
  if (!zoneIds || entry.op === null) return null;
  const entries = opComponents(entry.op);
  const deletes = (e: OpEntry, z: string) =>
    e.path.length === 2 &&
    e.path[0] === 'zones' &&
    e.path[1] === z &&
    e.c.r !== undefined &&
    e.c.i === undefined;
  const spared = [...zoneIds].filter((z) => doc.zones[z] !== undefined && entries.some((e) => deletes(e, z)));
  if (spared.length === 0) return null;
  const inSpared = (e: OpEntry) => e.path[0] === 'zones' && spared.includes(e.path[1] as string);
  return {
    op: opFromComponents(entries.filter((e) => !inSpared(e))),
    kept: opFromComponents(spared.map((z) => ({ path: ['zones', z], c: { i: doc.zones[z] } }))),
  };
}

const isZone = (e: OpEntry, z: string) => e.path.length === 2 && e.path[0] === 'zones' && e.path[1] === z;

function spareDeletedZones(entry: Entry, doc: ZoneDocument): { op: Op; kept: Op } | null {
  const zoneIds = entry.lost.get('zone_deleted');
  if (!zoneIds || entry.op === null) return null;
  const entries = opComponents(entry.op);
  const inserts = (z: string) =>
    entries.some((e) => isZone(e, z) && e.c.i !== undefined && e.c.r === undefined);
  const gone = [...zoneIds].filter((z) => doc.zones[z] === undefined && inserts(z));
  if (gone.length === 0) return null;
  const inGone = (e: OpEntry) =>
    e.path.length >= 2 && e.path[0] === 'zones' && gone.includes(e.path[1] as string);
  return {
    op: opFromComponents(entries.filter((e) => !inGone(e))),
    kept: opFromComponents(gone.map((z) => ({ path: ['zones', z], c: { r: true } }))),
  };
}

function noticeOf(entry: Entry): UndoNotice | null {
  const reason = LOST_ORDER.find((r) => entry.lost.has(r));
  if (reason === undefined) return null;
  const zoneIds = new Set<string>();
  for (const zones of entry.lost.values()) for (const z of zones) zoneIds.add(z);
  return { reason, zoneIds: [...zoneIds].sort(), partial: entry.op !== null };
}

function step(
  from: Entry[],
  to: Entry[],
  doc: ZoneDocument,
  stamp: Stamp | undefined,
  depth: number,
  empty: 'nothing_to_undo' | 'nothing_to_redo',
): UndoResult {
  for (;;) {
    const entry = from.pop();
    if (entry === undefined) break;
    const spared = spareEditedZones(entry, doc);
    if (spared) {
      entry.op = spared.op;
      rebase(from, spared.kept);
    }
    const gone = spareDeletedZones(entry, doc);
    if (gone) {
      entry.op = gone.op;
      rebase(from, gone.kept);
    }
    const notice = noticeOf(entry);
    if (entry.op === null) {
      if (notice) return { op: null, notice };
      continue;
    }
    const op = stamp ? stampOp(entry.op, stamp, doc) : entry.op;
    const back = boxesByCoordinate(withoutStamps(invertWithDoc(op, doc)));
    if (back !== null) push(to, { op: back, lost: new Map() }, depth);
    else rebase(to, op);
    return { op, notice };
  }
  return { op: null, notice: { reason: empty, zoneIds: [], partial: false } };
}
