import { randomUUID } from 'node:crypto';
import { metaSet } from '@syncline/doc';
import { docRoom, ErrorCode } from '@syncline/protocol';
import type { Clock } from '../core/clock.js';
import { SynclineError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { Logger } from '../core/logger.js';
import { DOC_ID, type DocumentSequencer } from '../docs/doc-sequencer.js';
import { DocumentIdTaken } from './document-id-taken.js';
import { MAX_DOCUMENT_NAME, printable } from './document-name.js';
import type { JobStore } from './job-store.js';
import type { UploadedDocument } from './uploaded-document.js';

export interface BlankDocumentDeps {
  /**
   * May `user` join `room` (the document's `doc:` room)? The room policy and the app's `onJoin` hooks, as for a
   * socket opening the document: throws `forbidden` when not.
   */
  authorize(user: Identity, room: string): Promise<void>;
  store: JobStore;
  documents: DocumentSequencer;
  clock: Clock;
  log: Logger;
}

const invalid = (message: string) => new SynclineError(ErrorCode.Invalid, message);
const exists = (documentId: string) =>
  new DocumentIdTaken('exists', `the document ${documentId} exists already`);

/** The request's `name` and `documentId` (a new `blank-<uuid>` when none is given), or `invalid`. */
function parseRequest(body: unknown): { name: string; documentId: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the body must be a JSON object {name, documentId?}');
  }
  const { name: rawName, documentId: rawId } = body as { name?: unknown; documentId?: unknown };
  const name = typeof rawName === 'string' ? printable(rawName).trim() : '';
  if (name.length === 0 || [...name].length > MAX_DOCUMENT_NAME) {
    throw invalid(`name: 1-${MAX_DOCUMENT_NAME} characters`);
  }
  if (rawId === undefined) return { name, documentId: `blank-${randomUUID()}` };
  if (typeof rawId !== 'string' || !DOC_ID.test(rawId)) {
    throw invalid('documentId: 1-128 characters of [A-Za-z0-9_.@~|+=:-]');
  }
  // A URL path cannot name them (`/api/documents/..` is `/api`): the document could never be deleted.
  if (/^\.+$/.test(rawId)) throw invalid('documentId: not dots alone (a URL cannot name it)');
  return { name, documentId: rawId };
}

/**
 * Makes a blank document (no PDF) in the catalogue for `user` (`POST /api/documents` with a JSON body), so it is
 * listed like an upload on every device of its owner and deleted the same way. Its zone document is created with
 * `user` as its owner and `meta.name` set, unless it exists already: a document opened by name before (created on
 * demand by `doc.open`) whose owner is `user` is catalogued as it is (named only if it was never edited), which is how
 * blank documents made before the catalogue knew them get listed. Refused `conflict` (`DocumentIdTaken`) when the id
 * is catalogued already or names someone else's document (reason `exists`), or was deleted (`deleted`: ids are never
 * used again); `invalid` for a bad name or id. Resolves the catalogue entry.
 */
export async function createBlankDocument(
  d: BlankDocumentDeps,
  user: Identity,
  body: unknown,
): Promise<UploadedDocument> {
  const { name, documentId } = parseRequest(body);
  // Whoever could not open the document over a socket must not make it theirs here (an app's onJoin refusing the id).
  await d.authorize(user, docRoom(documentId));
  // Deleted first: a deletion marks the document deleted before it takes its catalogue entry away (last), so during
  // one, or after one that failed half-way, the entry is still there.
  const deleted = () =>
    new DocumentIdTaken('deleted', `the document ${documentId} was deleted, and its id is not used again`);
  if (await d.documents.deleted(documentId)) throw deleted();
  if (await d.store.getDocument(documentId)) throw exists(documentId);
  // Creates it (owned by the caller) unless it exists, atomically in the store: the owner read here is the one it has.
  const existing = await d.documents.read(documentId, user.userId);
  if (existing.ownerId !== user.userId) throw exists(documentId);
  // A new (or never edited) document is named, as an upload is; one with content is catalogued as it is, unchanged
  // (no op in its history, nothing sent to whoever has it open).
  if (existing.version === 0) {
    await d.documents.applyServerOp(documentId, (doc) => metaSet('name', name, doc.meta), {
      userId: user.userId,
      opId: 'blank:name',
      ownerId: user.userId,
      name: user.name,
    });
  }
  const now = d.clock.now();
  const entry: UploadedDocument = {
    documentId,
    name,
    ownerId: user.userId,
    size: 0,
    createdAt: now,
    updatedAt: now,
    status: 'blank',
    pages: null,
    jobId: null,
  };
  try {
    await d.store.addDocument(entry);
  } catch (err) {
    // The same id asked twice at once: one of them catalogued it (or it was deleted meanwhile).
    if (await d.documents.deleted(documentId)) throw deleted();
    if (await d.store.getDocument(documentId)) throw exists(documentId);
    throw err;
  }
  d.log.info({ documentId, userId: user.userId }, 'blank document created');
  return entry;
}
