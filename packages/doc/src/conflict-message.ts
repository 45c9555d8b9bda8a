import type { OpConflict } from './conflicts.js';

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
  zoneLabel?: string;
  /** `same_attribute`: the attribute (zone) or key (meta) both set. */
  attribute?: string;
}

/** How an attribute is named to a user. */
const ATTRIBUTE_NAMES: Record<string, string> = { bbox: 'position' };

/**
 * The attribute (`label`, `bbox`, ...) or meta key a `same_attribute` conflict is about, `undefined` for the
 * other kinds.
 */
export function conflictAttribute(c: OpConflict): string | undefined {
  if (c.kind !== 'same_attribute') return undefined;
  const key = c.path[c.zoneId === null ? 1 : 2];
  return typeof key === 'string' ? key : undefined;
}

/**
 * The sentence a user reads about a conflict: who, what happened to which zone (by its label, never its id),
 * from the reader's side. The server, the SDK and the React bindings all word conflicts with it.
 */
export function describeConflict(w: ConflictWords): string {
  const by = w.by || 'Someone';
  const label = w.zoneLabel ? `zone “${w.zoneLabel}”` : undefined;
  const zone = w.zoneId === null ? "the document's details" : (label ?? 'a zone');
  switch (w.kind) {
    case 'edit_on_deleted':
      return label
        ? `${by} deleted ${label} while you were editing it; your edit in it was dropped.`
        : `${by} deleted a zone you were editing; your edit in it was dropped.`;
    case 'delete_of_edited':
      if (w.origin === 'server') {
        return label
          ? `${by} deleted ${label}, which you had just edited.`
          : `${by} deleted a zone you had just edited.`;
      }
      return label
        ? `You deleted ${label} just after ${by} changed it; their change went with it.`
        : `You deleted a zone ${by} had just changed; their change went with it.`;
    case 'same_attribute': {
      const name = w.attribute === undefined ? undefined : (ATTRIBUTE_NAMES[w.attribute] ?? w.attribute);
      const what =
        name === undefined
          ? w.zoneId === null
            ? "the document's details"
            : `the same setting of ${zone}`
          : w.zoneId === null
            ? `the document's ${name}`
            : `the ${name} of ${zone}`;
      return w.origin === 'server'
        ? `${by} changed ${what} after you; their value was kept.`
        : `You and ${by} changed ${what} at once; yours, made later, was kept.`;
    }
    case 'locked':
      return `${by} has locked ${zone}; your change was not saved.`;
    default:
      return `Your change to ${zone} collided with ${by}'s.`;
  }
}
