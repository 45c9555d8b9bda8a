import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import type { JobStore } from './job-store.js';

/**
 * Who owns a document, the one rule for deleting it, cancelling or retrying its jobs, and reading its files: the
 * uploader its catalogue entry names, else (a blank document opened by name, never uploaded) the creator its zone
 * document remembers. Resolves `null` for a document neither knows, `{}` (no `ownerId`) for one without an owner.
 */
export async function documentOwner(
  store: Pick<JobStore, 'getDocument'>,
  documents: Pick<DocumentSequencer, 'info'>,
  documentId: string,
): Promise<{ ownerId?: string } | null> {
  const uploaded = await store.getDocument(documentId);
  if (uploaded) return { ownerId: uploaded.ownerId };
  const info = await documents.info(documentId);
  if (!info) return null;
  return info.ownerId === undefined ? {} : { ownerId: info.ownerId };
}

/**
 * The `not_found` of a document `documentOwner` does not know (nothing to export, nothing to read): deleted, or never
 * made.
 */
export async function missingDocument(
  documents: Pick<DocumentSequencer, 'deleted'>,
  documentId: string,
): Promise<SynclineError> {
  const deleted = await documents.deleted(documentId);
  return new SynclineError(ErrorCode.NotFound, deleted ? 'the document was deleted' : 'no such document');
}
