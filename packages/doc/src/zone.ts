import { jsonValueProblem } from './json-value.js';
import type { Json } from './ot.js';

/**
 * The document model: `{ meta: {...}, zones: { [zoneId]: Zone } }`, a plain JSON value so that json1 ops
 * apply to it directly. Unknown zone fields are kept and allowed (as the wire's `zoneSchema` is open), so
 * a newer peer can add fields without an older server rejecting its ops.
 */

export const ZONE_TYPES = ['heading', 'paragraph', 'list', 'table', 'figure', 'caption', 'other'] as const;
export type ZoneType = (typeof ZONE_TYPES)[number];

/** A box in page units: `x`, `y` of the top-left corner, `w`, `h` >= 0. */
export type BBox = { x: number; y: number; w: number; h: number };

export type Zone = {
  id: string;
  /** Page number, an integer >= 0. */
  page: number;
  bbox: BBox;
  type: ZoneType;
  label: string;
  /** Recognition confidence in [0, 1]. */
  confidence: number;
  /** Edited with text-unicode ops: positions count Unicode code points. */
  text: string;
  /** Who changed the zone last (user id). */
  updatedBy: string;
  /** When it was changed last (ms since the epoch). */
  updatedAt: number;
  /**
   * Where the layout analysis read this zone within its page (an integer >= 0, ascending; the built-in analysis
   * numbers 1, 2, …), when it made the zone: exports follow it (a turned page is not read in the order its boxes sit
   * on the page). Zones people draw have none, and moving a
   * zone (`zoneUpdate` of its `page` or `bbox`) removes it.
   */
  order?: number;
};

/** The attributes `zoneUpdate` sets (text goes through `zoneEdit`). */
export const ZONE_ATTRS = ['page', 'bbox', 'type', 'label', 'confidence'] as const;
export type ZoneAttr = (typeof ZONE_ATTRS)[number];
export type ZoneAttrs = Partial<Pick<Zone, ZoneAttr>>;

/** The fields that say who changed a zone last. */
export const STAMP_FIELDS = ['updatedBy', 'updatedAt'] as const;
/** Whether a zone key is one of the stamps every edit rewrites. */
export const isStampKey = (key: unknown): boolean => (STAMP_FIELDS as readonly unknown[]).includes(key);

export type DocMeta = { [key: string]: Json };
export type ZoneDocument = { meta: DocMeta; zones: { [zoneId: string]: Zone } };

/** Limits that keep one document bounded. The id and label limits match the wire's `zoneSchema`. */
export type DocLimits = {
  maxIdLength: number;
  maxLabelLength: number;
  /** In UTF-16 code units (what `string.length` counts). */
  maxTextLength: number;
  maxZones: number;
  /**
   * How deep `meta` may nest (objects and arrays, measured by `nestsDeeperThan`): `MAX_META_DEPTH`. Each field of a
   * zone, `meta` and every zone field hold plain JSON only (`jsonValueProblem`).
   */
  maxMetaDepth: number;
};

/**
 * How deep a document's `meta` nests at most (objects and arrays, measured by `nestsDeeperThan`). Far below where
 * the encoders and the recursive OT functions overflow the stack (thousands of levels), so a document that was
 * accepted can always be stored and sent. Published data has a limit of its own, measured the same way (the
 * server's `MAX_DATA_DEPTH`, 100).
 */
export const MAX_META_DEPTH = 32;

export const DEFAULT_LIMITS: DocLimits = {
  maxIdLength: 128,
  maxLabelLength: 256,
  maxTextLength: 1_000_000,
  maxZones: 10_000,
  maxMetaDepth: MAX_META_DEPTH,
};

export function emptyDocument(meta: DocMeta = {}): ZoneDocument {
  return { meta, zones: {} };
}

export function isZoneType(x: unknown): x is ZoneType {
  return typeof x === 'string' && (ZONE_TYPES as readonly string[]).includes(x);
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const show = (x: unknown): string => {
  if (x === undefined) return 'missing';
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
};

/** Problems with one attribute value, or `null` if it is fine. Shared by validation and the op builders. */
export function attrProblem(attr: ZoneAttr, v: unknown, limits: DocLimits = DEFAULT_LIMITS): string | null {
  switch (attr) {
    case 'page':
      return Number.isInteger(v) && (v as number) >= 0
        ? null
        : `page must be an integer >= 0, got ${show(v)}`;
    case 'bbox': {
      if (!isObject(v)) return `bbox must be an object {x, y, w, h}, got ${show(v)}`;
      for (const k of ['x', 'y', 'w', 'h'] as const) {
        if (!isFiniteNumber(v[k])) return `bbox.${k} must be a finite number, got ${show(v[k])}`;
      }
      if ((v.w as number) < 0 || (v.h as number) < 0) return `bbox.w and bbox.h must be >= 0, got ${show(v)}`;
      return null;
    }
    case 'type':
      return isZoneType(v) ? null : `type must be one of ${ZONE_TYPES.join(', ')}, got ${show(v)}`;
    case 'label':
      if (typeof v !== 'string') return `label must be a string, got ${show(v)}`;
      return v.length <= limits.maxLabelLength
        ? null
        : `label is ${v.length} characters long, the limit is ${limits.maxLabelLength}`;
    case 'confidence':
      return isFiniteNumber(v) && v >= 0 && v <= 1
        ? null
        : `confidence must be a number in [0, 1], got ${show(v)}`;
  }
}

export type ValidateOptions = {
  limits?: DocLimits;
  /**
   * Check only these zones (plus the document's shape and zone count): what a sequencer needs after an
   * op, with the ids from `describeOp`, instead of re-checking every zone on each keystroke.
   */
  zoneIds?: Iterable<string>;
};

/**
 * The problems with a zone, as readable messages (empty when valid). `key`, when given, is the zone's key
 * in `zones`, which must equal its `id`.
 */
export function validateZone(z: unknown, key?: string, limits: DocLimits = DEFAULT_LIMITS): string[] {
  const where = key === undefined ? 'zone' : `zone ${show(key)}`;
  if (!isObject(z)) return [`${where} must be an object, got ${show(z)}`];
  const problems: string[] = [];
  const add = (p: string | null) => {
    if (p !== null) problems.push(`${where}: ${p}`);
  };
  if (typeof z.id !== 'string' || z.id.length === 0 || z.id.length > limits.maxIdLength) {
    add(`id must be a non-empty string of at most ${limits.maxIdLength} characters, got ${show(z.id)}`);
  } else if (key !== undefined && z.id !== key) {
    add(`id ${show(z.id)} differs from its key in zones`);
  }
  for (const attr of ZONE_ATTRS) add(attrProblem(attr, z[attr], limits));
  if (typeof z.text !== 'string') add(`text must be a string, got ${show(z.text)}`);
  else if (z.text.length > limits.maxTextLength) {
    add(`text is ${z.text.length} characters long, the limit is ${limits.maxTextLength}`);
  }
  if (typeof z.updatedBy !== 'string' || z.updatedBy.length === 0) {
    add(`updatedBy must be a non-empty user id, got ${show(z.updatedBy)}`);
  }
  if (!Number.isSafeInteger(z.updatedAt) || (z.updatedAt as number) < 0) {
    add(`updatedAt must be a time in ms (an integer >= 0), got ${show(z.updatedAt)}`);
  }
  if (z.order !== undefined && !(Number.isSafeInteger(z.order) && (z.order as number) >= 0)) {
    add(`order must be an integer >= 0 when present, got ${show(z.order)}`);
  }
  // Every field plain JSON (the other fields are kept, whatever they are), nested no deeper than `meta` may. Looked
  // at once the fields above are right, which says more of theirs.
  if (problems.length > 0) return problems;
  for (const [field, v] of Object.entries(z)) {
    const p = jsonValueProblem(v, limits.maxMetaDepth);
    if (p !== null) add(`${field}: ${p}`);
  }
  return problems;
}

/** The problems with a whole document (empty when valid). */
export function validateDocument(doc: unknown, options: ValidateOptions = {}): string[] {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (!isObject(doc)) return [`document must be an object {meta, zones}, got ${show(doc)}`];
  const problems: string[] = [];
  if (!isObject(doc.meta)) problems.push(`meta must be an object, got ${show(doc.meta)}`);
  else {
    const p = jsonValueProblem(doc.meta, limits.maxMetaDepth);
    if (p !== null) problems.push(`meta: ${p}`);
  }
  if (!isObject(doc.zones)) {
    problems.push(`zones must be an object keyed by zone id, got ${show(doc.zones)}`);
    return problems;
  }
  const zones = doc.zones;
  // Listing the zones costs as much as the document is big: not done for a check of some zones with no zone limit
  // (the client's check of each local edit).
  const keys =
    options.zoneIds === undefined || Number.isFinite(limits.maxZones) ? Object.keys(zones) : undefined;
  if (keys !== undefined && keys.length > limits.maxZones)
    problems.push(`${keys.length} zones, the limit is ${limits.maxZones}`);
  const check =
    options.zoneIds === undefined
      ? (keys ?? [])
      : [...options.zoneIds].filter((id) => Object.hasOwn(zones, id));
  for (const key of check) problems.push(...validateZone(zones[key], key, limits));
  for (const key of Object.keys(doc)) {
    if (key !== 'meta' && key !== 'zones') problems.push(`unexpected top-level field ${show(key)}`);
  }
  return problems;
}

export function isValidDocument(doc: unknown, options?: ValidateOptions): doc is ZoneDocument {
  return validateDocument(doc, options).length === 0;
}
