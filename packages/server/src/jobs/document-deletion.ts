import { docRoom, ErrorCode, userRoom } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import { type Identity, isAdmin } from '../core/identity.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import { documentOwner } from './document-owner.js';
import type { ExportResult } from './export-job.js';
import type { FileStore } from './file-store.js';
import type { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';
import { pdfKey } from './processing-job.js';

/** The broker topic that tells every node a document was deleted (each drops its copy and locks of it). */
export const DOCUMENT_DELETED_TOPIC = 'document.deleted';

/** The most jobs of one document looked at (a document has one processing job and its exports). */
const MAX_JOBS = 1000;

export interface DocumentDeletionDeps {
  hub: Hub;
  documents: DocumentSequencer;
  store: JobStore;
  files: FileStore;
  runner: JobRunner;
}

/**
 * Deleting a document (`DELETE /api/documents/:id`), for its owner or an admin: its jobs are cancelled first (the
 * `job.cancel` path: the store and a broadcast; a job running on this node stops within 250 ms, one on another node
 * when the broadcast reaches it, or at its next heartbeat or commit), then the zone document (ops, snapshots, users:
 * gone for good, its id never created again), its files (the PDF, the exports) and its jobs. Its room hears
 * `document_deleted`, every other node drops what it keeps of it, and the room's log is trimmed to that event. The
 * catalogue entry goes last. Every step is idempotent, and a deletion that failed half-way can be asked again until
 * it is done: the catalogue entry is still there, or the zone document's tombstone names its owner (a blank document,
 * never catalogued); a deletion that is done can be asked again too (it tells the room once more).
 */
export class DocumentDeletion {
  constructor(private readonly d: DocumentDeletionDeps) {}

  /**
   * Deletes a document the user may delete, or finishes (repeats) the deletion of one already deleted: `not_found`
   * when neither the catalogue nor the document store knows it, `forbidden` unless the user owns it or is an admin.
   */
  async delete(user: Identity, documentId: string): Promise<void> {
    const ownerId = await this.ownerOf(documentId);
    if (ownerId === null) throw new SynclineError(ErrorCode.NotFound, 'no such document');
    if (!isAdmin(user) && ownerId !== user.userId) {
      throw new SynclineError(ErrorCode.Forbidden, 'only the document’s owner or an admin can delete it');
    }
    await this.purge(documentId, false);
    await this.announce(user, documentId, ownerId);
    // Last: until the clients were told and the log trimmed, the entry lets the owner (and the listing) see it.
    await this.d.store.deleteDocument(documentId);
    this.d.hub.log.info({ documentId, userId: user.userId }, 'document deleted');
  }

  /**
   * Removes whatever a failed upload left (its file, its zone document, its job, its catalogue entry), as far as
   * the stores let it (they may be what failed): each failure is logged, none is thrown.
   */
  async discard(documentId: string): Promise<void> {
    await this.purge(documentId, true);
  }

  /** A broadcast from another node: a document deleted there. */
  heard(topic: string, data: unknown): boolean {
    if (topic !== DOCUMENT_DELETED_TOPIC) return false;
    const documentId = (data as { documentId?: unknown } | null)?.documentId;
    if (typeof documentId === 'string') this.d.documents.forget(documentId);
    return true;
  }

  /**
   * The owner (`''` for a document without one: admins only), or `null` for an unknown document: `documentOwner`, or,
   * for a document whose zone document is already deleted (its catalogue entry gone or never made), the owner its
   * tombstone remembers.
   */
  private async ownerOf(documentId: string): Promise<string | null> {
    const owner =
      (await documentOwner(this.d.store, this.d.documents, documentId)) ??
      (await this.d.documents.deleted(documentId));
    return owner ? (owner.ownerId ?? '') : null;
  }

  /**
   * Tells the room (its watchers close it; the owner's other tabs, in their `user:` room, take it off their list) and
   * every other node, then trims the room's log, which held the document's content (every op, zone texts): only the
   * deletion stays, so a client resuming from before it is told to reset, re-opens, and hears `not_found`. A failure
   * is thrown: the deletion is asked again.
   */
  private async announce(user: Identity, documentId: string, ownerId: string): Promise<void> {
    const data: Record<string, string> = { documentId, deletedBy: user.userId };
    if (user.name !== undefined) data.deletedByName = user.name.slice(0, 128);
    const { hub } = this.d;
    const room = docRoom(documentId);
    const [{ seq }] = await Promise.all([
      hub.publish(room, 'document_deleted', data),
      ownerId ? hub.publish(userRoom(ownerId), 'document_deleted', data) : undefined,
    ]);
    if (hub.broker.distributed) hub.broker.broadcast(DOCUMENT_DELETED_TOPIC, { documentId });
    if (seq !== undefined) await hub.store.trimBefore(room, seq);
  }

  private async purge(documentId: string, bestEffort: boolean): Promise<void> {
    const { store, files, runner, documents, hub } = this.d;
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!bestEffort) throw err;
        hub.log.error({ err, documentId }, `could not ${what} of a failed upload`);
      }
    };
    await step('cancel the jobs', async () => {
      const active = await store.listJobs({ documentId, states: ['queued', 'running'], limit: MAX_JOBS });
      for (const job of active) await runner.cancel(job.id);
    });
    await step('delete the document', () => documents.deleteDocument(documentId));
    await step('delete the files', async () => {
      const exports = await store.listJobs({ documentId, kind: 'export', limit: MAX_JOBS });
      const keys = [pdfKey(documentId)];
      for (const job of exports) {
        const fileKey = (job.result as Partial<ExportResult> | null)?.fileKey;
        if (typeof fileKey === 'string') keys.push(fileKey);
      }
      await Promise.all(keys.map((key) => files.delete(key)));
    });
    await step('delete the jobs', () => store.deleteJobs(documentId));
    // A deletion removes the entry itself, once its room was told (`delete`).
    if (bestEffort) await step('remove the catalogue entry', () => store.deleteDocument(documentId));
  }
}
