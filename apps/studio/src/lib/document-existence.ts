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
