import fc from 'fast-check';
import { type as shippedText, type TextOp } from 'ot-text-unicode';
import { metaSet, type Stamp, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '../src/ops.js';
import { type Json, type Op, opComponents, opFromComponents } from '../src/ot.js';
import { type BBox, ZONE_TYPES, type Zone, type ZoneAttrs, type ZoneDocument } from '../src/zone.js';

/** Seeded, so a failure replays; override with FC_SEED / FC_RUNS to fuzz longer. */
export const FC_PARAMS = {
  seed: Number(process.env.FC_SEED ?? 20261125),
  numRuns: Number(process.env.FC_RUNS ?? 300),
};

/** Few ids, so that concurrent ops often hit the same zone. */
export const ZONE_IDS = ['z0', 'z1', 'z2', 'z3'] as const;
export const USERS = ['ann', 'bob', 'cid'] as const;
export type User = (typeof USERS)[number];

/** Each user types its own characters (one astral each, to exercise code-point positions). */
export const ALPHABET: Record<User, string[]> = {
  ann: ['a', 'b', 'c', ' ', '😀'],
  bob: ['X', 'Y', 'Z', '🎉'],
  cid: ['1', '2', '3', '🙂'],
};
const ALL_CHARS = Object.values(ALPHABET).flat();

export const arbText = (chars: string[] = ALL_CHARS, maxLength = 12) =>
  fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));

export const arbBBox: fc.Arbitrary<BBox> = fc.record({
  x: fc.integer({ min: -50, max: 1000 }),
  y: fc.integer({ min: -50, max: 1000 }),
  w: fc.integer({ min: 0, max: 500 }),
  h: fc.integer({ min: 0, max: 500 }),
});

export const arbAttrs: fc.Arbitrary<ZoneAttrs> = fc.record(
  {
    page: fc.integer({ min: 0, max: 3 }),
    bbox: arbBBox,
    type: fc.constantFrom(...ZONE_TYPES),
    label: fc.constantFrom('', 'Title', 'Total', 'Note'),
    confidence: fc.constantFrom(0, 0.25, 0.5, 0.9, 1),
  },
  { requiredKeys: [] },
);

export const arbZone = (id: string, chars: string[] = ALL_CHARS): fc.Arbitrary<Zone> =>
  fc.record({
    id: fc.constant(id),
    page: fc.integer({ min: 0, max: 3 }),
    bbox: arbBBox,
    type: fc.constantFrom(...ZONE_TYPES),
    label: fc.constantFrom('', 'Title', 'Total'),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    text: arbText(chars),
    updatedBy: fc.constantFrom<string>('ocr', ...USERS),
    updatedAt: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  });

export const arbDoc: fc.Arbitrary<ZoneDocument> = fc
  .subarray([...ZONE_IDS])
  .chain((ids) => fc.tuple(...ids.map((id) => arbZone(id))))
  .chain((zones) =>
    fc.record({
      meta: fc.record({ title: fc.constantFrom('Invoice', 'Form') }, { requiredKeys: [] }),
      zones: fc.constant(Object.fromEntries(zones.map((z) => [z.id, z])) as Record<string, Zone>),
    }),
  );

const metaKeys = () => fc.constantFrom('title', 'lang');
const metaValues = () => fc.option(fc.constantFrom<Json>('A', 'B', 3), { nil: undefined });
const attrs = () => arbAttrs;
const nat = (max: number) => fc.integer({ min: 0, max });

/**
 * One op that `user` could make on `doc`, built with the builders (so it is invertible as built and
 * carries the user's stamp); `null` only for an empty edit.
 *
 * NOTE: this draws primitives from `g` rather than being an arbitrary of `doc`: `fc.gen()` caches the
 * arbitrary of every distinct (builder, args) it sees and scans that cache linearly, so passing a fresh
 * document on each call makes a property quadratic in its number of runs.
 */
export function genOp(g: fc.GeneratorValue, doc: ZoneDocument, user: User, at = 1_000): Op {
  const stamp: Stamp = { by: user, at };
  const existing = Object.keys(doc.zones);
  const free = ZONE_IDS.filter((id) => !Object.hasOwn(doc.zones, id));
  type Kind = 'meta' | 'create' | 'delete' | 'update' | 'edit';
  const kinds: Kind[] = ['meta'];
  if (free.length > 0) kinds.push('create');
  // Text edits are the common case: weigh them up.
  if (existing.length > 0) kinds.push('delete', 'update', 'edit', 'edit', 'edit');
  const kind = kinds[g(nat, kinds.length - 1)];
  if (kind === 'meta') return metaSet(g(metaKeys), g(metaValues), doc.meta);
  if (kind === 'create') return zoneCreate(g(arbZone, free[g(nat, free.length - 1)], ALPHABET[user]), stamp);
  const z = doc.zones[existing[g(nat, existing.length - 1)]];
  if (kind === 'delete') return zoneDelete(z.id, z);
  if (kind === 'update') {
    const a = g(attrs);
    // A box moved or resized keeps some of its coordinates (a move its size, a resize the opposite edges): the
    // builder sets only the others, so concurrent changes of one box often meet on different coordinates.
    if (a.bbox === undefined) return zoneUpdate(z.id, a, { current: z, stamp });
    const mask = g(nat, 19);
    if (mask < 16)
      return zoneUpdate(z.id, { ...a, bbox: keepSome(z.bbox, a.bbox, mask) }, { current: z, stamp });
    // One in five replaced as one value, as older clients send a move or a resize (with the old box), so that it meets
    // concurrent changes of single coordinates. `mask - 13`: x and y (a move), w, x and w, or y and w.
    const bbox = keepSome(z.bbox, a.bbox, mask - 13);
    return wholeBox(zoneUpdate(z.id, { ...a, bbox }, { current: z, stamp }), z, bbox);
  }
  const len = Array.from(z.text).length;
  const pos = g(nat, len);
  const del = g(nat, len - pos);
  return zoneEdit(z.id, { pos, del, ins: g(arbText, ALPHABET[user], 4) }, { current: z, stamp });
}

/** `op` (an update of zone `z`) with the box it sets, `bbox`, replaced as one value, not coordinate by coordinate. */
function wholeBox(op: Op, z: Zone, bbox: BBox): Op {
  const entries = opComponents(op);
  const rest = entries.filter((e) => e.path[2] !== 'bbox');
  if (rest.length === entries.length) return op; // the box as it was: left out
  return opFromComponents([...rest, { path: ['zones', z.id, 'bbox'], c: { r: z.bbox, i: bbox } }]);
}

/** `next` with the coordinates whose bit is clear in `mask` (x 1, y 2, w 4, h 8) kept from `box`. */
function keepSome(box: BBox, next: BBox, mask: number): BBox {
  const keys = ['x', 'y', 'w', 'h'] as const;
  return Object.fromEntries(keys.map((k, i) => [k, mask & (1 << i) ? next[k] : box[k]])) as BBox;
}

/** Freeze a JSON value deeply, so that a library mutating its input throws in strict mode. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Count of each character of `chars` in `text`. */
export function countChars(text: string, chars: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const ch of Array.from(text)) if (chars.includes(ch)) out.set(ch, (out.get(ch) ?? 0) + 1);
  return out;
}

/** A valid text-unicode op for `text`: up to three random skips, inserts and deletes, composed into one op. */
export function arbTextOpFor(text: string): fc.Arbitrary<TextOp> {
  const n = Array.from(text).length;
  return fc
    .array(fc.record({ at: fc.nat(n), del: fc.nat(3), ins: fc.constantFrom('', 'x', '😀', 'ü') }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((edits) => {
      // Applied one after another with the shipped type, composed into one op.
      let doc = text;
      let op: TextOp = [];
      for (const e of edits) {
        const len = Array.from(doc).length;
        const at = Math.min(e.at, len);
        const del = Math.min(e.del, len - at);
        const one = shippedText.normalize([at, e.ins, { d: del }]);
        doc = shippedText.apply(doc, one);
        op = shippedText.compose(op, one);
      }
      return op;
    });
}
