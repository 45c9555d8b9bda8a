import { expect } from 'vitest';
import { type Stamp, zoneUpdate } from '../src/ops.js';
import { type Op, opFromComponents } from '../src/ot.js';
import type { BBox, Zone, ZoneDocument } from '../src/zone.js';

/**
 * Box edits for the convergence properties (the client's, with a fake server, and the end-to-end one): who set a
 * coordinate, the gestures Studio makes, boxes replaced whole as older clients do, and the check that an undo puts
 * back only the undoer's coordinates.
 */

/**
 * The last digit of every box coordinate a user sets, so whose a coordinate is can be told from it (as a character
 * tells whose text it is). The first document's boxes end in 0 (someone else's for every user).
 */
export const BOX_DIGITS: Record<string, number> = { ann: 1, bob: 2, cid: 3, dan: 4, eve: 5 };

const BOX_KEYS = ['x', 'y', 'w', 'h'] as const;

/**
 * The coordinates a gesture in Studio sets: a move its corner (or one of them, dragged straight across or down), a
 * resize those of the edges it drags (the right edge `w`, the left one `x` and `w`, a corner two edges).
 */
export const GESTURES: (keyof BBox)[][] = [
  ['x', 'y'],
  ['x', 'y'],
  ['x'],
  ['y'],
  ['w'],
  ['x', 'w'],
  ['h'],
  ['y', 'h'],
  ['w', 'h'],
  ['x', 'y', 'w', 'h'],
  ['x', 'w', 'h'],
  ['y', 'w', 'h'],
];

/** The box coordinates of each zone that `user` did not set (by their last digit), as `zone.key` → value. */
export function othersBoxes(doc: ZoneDocument, user: string): Map<string, number> {
  const coords = new Map<string, number>();
  for (const z of Object.values(doc.zones)) {
    for (const k of BOX_KEYS) if (z.bbox[k] % 10 !== BOX_DIGITS[user]) coords.set(`${z.id}.${k}`, z.bbox[k]);
  }
  return coords;
}

/** Fails unless every coordinate of `before` (`othersBoxes` before `user`'s undo) is still in `doc`, unchanged. */
export function expectOthersBoxesKept(before: Map<string, number>, doc: ZoneDocument, user: string): void {
  for (const [key, value] of before) {
    const [zoneId, k] = key.split('.') as [string, keyof BBox];
    expect(
      doc.zones[zoneId]?.bbox[k],
      `${user}'s undo changed a box coordinate someone else set (${key})`,
    ).toBe(value);
  }
}

/**
 * A box replaced as one value, as older clients send it: their `zoneUpdate` with the zone (the old box in the op),
 * or the builder without it.
 */
export function replacedBox(z: Zone, bbox: BBox, stamp: Stamp, withOld: boolean): Op {
  if (!withOld) return zoneUpdate(z.id, { bbox }, { stamp });
  const path = ['zones', z.id];
  return opFromComponents([
    { path: [...path, 'bbox'], c: { r: z.bbox, i: bbox } },
    { path: [...path, 'updatedAt'], c: { r: z.updatedAt, i: stamp.at } },
    { path: [...path, 'updatedBy'], c: { r: z.updatedBy, i: stamp.by } },
  ]);
}
