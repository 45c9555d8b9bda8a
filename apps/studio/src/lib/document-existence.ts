/** What Studio knows of a document it opened by its address (`/documents/:id`). */
export interface ExistenceClues {
  /** This browser has it on record: the user's documents list as last fetched (kept-documents.ts) or a blank
   * document made here, offline too (blank-documents.ts). */
  onRecord: boolean;
  /** The document as the server opened it: its owner, version, zones and meta. */
  ownerId: string | null;
  selfId: string;
  version: number;
  zones: number;
  metaKeys: number;
}

/**
 * Whether a document opened by its address was there before (`known`), or may have just been made by opening it
 * (`ask`: the server makes an empty document, owned by whoever opens it, for any id it has not seen). A document on
 * record here, someone else's, or one with any content or history is known; an empty one of the user's, version 0,
 * that this browser never heard of, is a mistyped or made-up address unless the server lists it (made on another
 * device): the caller asks the documents list, and says "Document not found" when it is not there.
 */
export function existenceOf(c: ExistenceClues): 'known' | 'ask' {
  if (c.onRecord) return 'known';
  if (c.ownerId !== null && c.ownerId !== c.selfId) return 'known';
  if (c.version > 0 || c.zones > 0 || c.metaKeys > 0) return 'known';
  return 'ask';
}

/** What a record this browser kept of a document holds (the client's `PersistedDoc`, as much as is read here). */
export interface KeptRecord {
  version: number;
  snapshot: { zones?: object; meta?: object } | null;
  opIds?: readonly string[];
}

/**
 * Whether the records this browser kept of a document (its client's, per user in IndexedDB) show that it exists: one
 * the server confirmed at a version past 0 or with content, or edits of the user's waiting to be sent. An empty copy
 * at version 0 is what opening any address leaves (the server makes an empty document for an id it has not seen):
 * it proves nothing.
 */
export function keptShowsDocument(records: readonly KeptRecord[]): boolean {
  return records.some(
    (r) =>
      r.version > 0 ||
      Object.keys(r.snapshot?.zones ?? {}).length > 0 ||
      Object.keys(r.snapshot?.meta ?? {}).length > 0 ||
      (r.opIds?.length ?? 0) > 0,
  );
}

/** What the document page shows for an address. */
export type DocumentShown = 'document' | 'not-found' | 'unverifiable' | 'checking' | 'failed';

export interface ShownClues {
  /** What the server said (`existenceOf`, then its documents list), or null while it has not. */
  existence: 'known' | 'missing' | null;
  /** On this browser's record (see `ExistenceClues.onRecord`): a blank document made here opens offline too. */
  onRecord: boolean;
  /** This browser's copy shows it exists (`keptShowsDocument`); null until looked at. */
  kept: boolean | null;
  /** The document failed (deleted, refused). */
  failed: boolean;
  /**
   * The document was open on this page before it failed (someone deleted it while it was shown): it stays, read-only,
   * under the failure's banner. One that fails on opening (deleted since this browser last had it) gets a page of its
   * own, even if this browser has it on record or a copy of it.
   */
  opened?: boolean;
  /** The server can be asked now (not offline, reconnecting or given up on). */
  reachable: boolean;
}

/**
 * What the page at a document's address shows: the `document` once it is known to exist (the server said so, or this
 * browser has it on record or a copy of it, offline too), with the failure's banner if it failed after it was open;
 * `not-found` when the server has no such document; `failed` when it failed before it was open (deleted since);
 * `unverifiable` offline for an address this browser knows nothing of: not an empty document to edit, since nothing
 * can tell whether it exists (the client opens it once the connection is back, and it is known or not found then);
 * `checking` meanwhile.
 */
export function documentShown(c: ShownClues): DocumentShown {
  if (c.existence === 'missing') return 'not-found';
  if (c.failed && !c.opened) return 'failed';
  if (c.existence === 'known' || c.onRecord || c.kept === true) return 'document';
  if (c.kept === null) return 'checking';
  return c.reachable ? 'checking' : 'unverifiable';
}
