import type { OpConflict } from './conflicts.js';
import { type Op, opComponents } from './ot.js';
import { DEFAULT_LIMITS } from './zone.js';
import { zoneExcerpt, zoneName } from './zone-name.js';

/** The longest zone type a notice carries (the `conflict` event's limit). */
const MAX_TYPE_LENGTH = 64;

/** What a conflict sentence is made of; every part but `kind` and `origin` may be unknown. */
export interface ConflictWords {
  /** `edit_on_deleted`, `delete_of_edited`, `same_attribute`, `locked`, `other`. */
  kind: string;
  /**
   * `server`: the server's notice to the user who lost something; `client`: found by the reader's own replica
   * while rebasing an edit it had not sent yet (the reader's change is the later one).
   */
  origin: 'server' | 'client';
  /** Who made the change that won (or holds the lock): their name, else their id. */
  by?: string | null;
  /** The zone concerned, or `null` for the document's `meta`. */
  zoneId: string | null;
  /** The zone's label, when the writer knows it (an empty label is no label). */
  zoneLabel?: string | undefined;
  /** The zone's type (`paragraph`, ...), when the writer knows it. */
  zoneType?: string | undefined;
  /** The zone's page (numbered from 1), when the writer knows it. */
  zonePage?: number | undefined;
  /** The zone's text or its first words (`zoneExcerpt`), when the writer knows it; cut here to a few words. */
  zoneExcerpt?: string | undefined;
  /** `same_attribute`: the attribute (zone) or key (meta) both set. */
  attribute?: string;
  /**
   * Whose change was lost, from the reader's side, where the kind does not say it (`OpConflict.lost`): `theirs` for
   * an `other` that the reader's later change won (both created one zone id, or the reader's replacement of a zone
   * brought back the one they deleted).
   */
  lost?: 'mine' | 'theirs';
}

/**
 * How a zone attribute is named to a user. A conflict about `bbox` is about some coordinates both set (two moves, two
 * resizes by one edge, a move and a resize by the left or top edge, a box replaced whole): the position, the size or
 * both; coordinates only one of the two set merged, and stay.
 */
const ATTRIBUTE_NAMES: Record<string, string> = { bbox: 'position or size' };

/**
 * The attribute (`label`, `bbox`, ...) or meta key a `same_attribute` conflict is about, `undefined` for the
 * other kinds.
 */
export function conflictAttribute(c: OpConflict): string | undefined {
  if (c.kind !== 'same_attribute') return undefined;
  const key = c.path[c.zoneId === null ? 1 : 2];
  return typeof key === 'string' ? key : undefined;
}

/** The parts of `ConflictWords` (and of a `conflict` event) that name a zone, each present only when known. */
export interface ConflictZoneWords {
  zoneLabel?: string;
  zoneType?: string;
  zonePage?: number;
  zoneExcerpt?: string;
}

/**
 * What a conflict notice says about `zone` (as the writer knows it): its label (when it has one), type, page and
 * the first words of its text, never the whole text. Only the known parts are present, and only values that fit
 * the `conflict` event (a zone out of an op's `{r: zone}` is unchecked).
 */
export function conflictZoneWords(zone: Partial<Record<string, unknown>> | undefined): ConflictZoneWords {
  if (zone === undefined) return {};
  const { label, type, page, text } = zone;
  const excerpt = typeof text === 'string' ? zoneExcerpt(text) : '';
  return {
    ...(typeof label === 'string' && label !== '' && label.length <= DEFAULT_LIMITS.maxLabelLength
      ? { zoneLabel: label }
      : {}),
    ...(typeof type === 'string' && type.length <= MAX_TYPE_LENGTH ? { zoneType: type } : {}),
    ...(typeof page === 'number' && Number.isInteger(page) && page >= 0 ? { zonePage: page } : {}),
    ...(excerpt === '' ? {} : { zoneExcerpt: excerpt }),
  };
}

/**
 * The zone `op` removes at `['zones', zoneId]`, when the op carries it (`zoneDelete(id, current)` does, as the
 * SDK builds it; `{r: true}` does not): what is left to name a zone already deleted. Only an object: its fields
 * are unchecked (`conflictZoneWords` takes what fits).
 */
export function removedZone(op: Op, zoneId: string): Record<string, unknown> | undefined {
  for (const { path, c } of opComponents(op)) {
    if (path.length === 2 && path[0] === 'zones' && path[1] === zoneId) {
      const r: unknown = c.r;
      if (typeof r === 'object' && r !== null && !Array.isArray(r)) return r as Record<string, unknown>;
    }
  }
  return undefined;
}

/**
 * The sentence a user reads about a conflict: who, what happened to which zone (`zoneName`: by its label when
 * it tells the zone apart, else by its type, page and first words; never its id), from the reader's side. The
 * server, the SDK and the React bindings all word conflicts with it.
 */
export function describeConflict(w: ConflictWords): string {
  const by = w.by || 'Someone';
  const name =
    w.zoneId === null
      ? undefined
      : zoneName({ label: w.zoneLabel, type: w.zoneType, page: w.zonePage, text: w.zoneExcerpt });
  const zone = w.zoneId === null ? "the document's details" : (name ?? 'a zone');
  switch (w.kind) {
    case 'edit_on_deleted':
      return name
        ? `${by} deleted ${name} while you were editing it; your edit in it was dropped.`
        : `${by} deleted a zone you were editing; your edit in it was dropped.`;
    case 'delete_of_edited':
      if (w.origin === 'server') {
        return name
          ? `${by} deleted ${name}, which you had just edited.`
          : `${by} deleted a zone you had just edited.`;
      }
      return name
        ? `You deleted ${name} just after ${by} changed it; their change went with it.`
        : `You deleted a zone ${by} had just changed; their change went with it.`;
    case 'same_attribute': {
      // A meta key is named as it is (`bbox` there is no box).
      const attr =
        w.attribute === undefined || w.zoneId === null
          ? w.attribute
          : (ATTRIBUTE_NAMES[w.attribute] ?? w.attribute);
      const what =
        attr === undefined
          ? w.zoneId === null
            ? "the document's details"
            : `the same setting of ${zone}`
          : w.zoneId === null
            ? `the document's ${attr}`
            : `the ${attr} of ${zone}`;
      // A box keeps what only one of the two changed: only where both did does one win.
      const box = w.zoneId !== null && w.attribute === 'bbox';
      if (w.origin === 'server') {
        return box
          ? `${by} changed ${what} after you; where you both changed it, theirs was kept.`
          : `${by} changed ${what} after you; their value was kept.`;
      }
      return box
        ? `You and ${by} changed ${what} at once; where you both changed it, yours, made later, was kept.`
        : `You and ${by} changed ${what} at once; yours, made later, was kept.`;
    }
    case 'locked':
      return `${by} has locked ${zone}; your change was not saved.`;
    default:
      return w.lost === 'theirs'
        ? `${by} changed ${zone} at the same time as you; your version, made later, was kept.`
        : `Your change to ${zone} collided with ${by}'s.`;
  }
}
