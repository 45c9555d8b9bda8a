import { randomUUID } from 'node:crypto';
import { type Json, metaSet, type Op, type ZoneDocument } from '@syncline/doc';
import {
  docRoom,
  ErrorCode,
  exportStartSchema,
  JOB_METHODS,
  type JobInfo,
  type JobPermissions,
  jobCancelSchema,
  jobGetSchema,
  jobRetrySchema,
  type UploadedDocumentInfo,
} from '@syncline/protocol';
import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { SynclineError } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import { type Identity, isAdmin } from '../core/identity.js';
import { authorizeRoom } from '../core/membership.js';
import type { Session } from '../core/session.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import { createBlankDocument } from './blank-document.js';
import { CatalogueTouch } from './catalogue-touch.js';
import { type CanAccessDocument, DocumentAccess } from './document-access.js';
import { DocumentDeletion } from './document-deletion.js';
import { uploadName } from './document-name.js';
import { documentOwner, missingDocument } from './document-owner.js';
import { ExportJob, type ExportResult } from './export-job.js';
import type { FileStore } from './file-store.js';
import { type Job, jobInfo } from './job.js';
import { JobEvents } from './job-events.js';
import { jobPermissions } from './job-permissions.js';
import { type JobEvent, JobRunner, type JobRunnerOptions } from './job-runner.js';
import type { JobStore } from './job-store.js';
import { PageRate } from './page-rate.js';
import type { PdfPipeline } from './pdf-pipeline.js';
import { PIPELINE_NAME, PIPELINE_USER, PROCESSING_META, ProcessingJob, pdfKey } from './processing-job.js';
import type { UploadedDocument } from './uploaded-document.js';

export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The broker topic of a cancel made on one node for a job another node runs. */
const CANCEL_TOPIC = 'job.cancel';
const DOC_ROOM_PREFIX = docRoom('');

export interface JobServiceOptions extends JobRunnerOptions {
  store: JobStore;
  files: FileStore;
  pipeline: PdfPipeline;
  /** Largest accepted upload. Default 50 MiB. */
  maxUploadBytes?: number;
  /** Who may read a document's files and jobs (see `DocumentAccess`). */
  canAccess?: CanAccessDocument;
  /** Minimum time between two progress events of one job. Default 100 ms (10/s). */
  progressIntervalMs?: number;
  /** Most pages one processing job hands over per second (see `PagePacer`). Default: no limit. */
  maxPagesPerSecond?: number;
  /** Finished exports whose files are kept per document (older ones are deleted). Default 10. */
  keepExports?: number;
}

const parse = <S extends z.ZodType>(schema: S, data: unknown): z.infer<S> => {
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SynclineError(
      ErrorCode.Invalid,
      `${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return r.data;
};

const isPdf = (bytes: Uint8Array): boolean => {
  // The header may follow a little garbage (up to 1024 bytes, as readers allow).
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  return head.includes('%PDF-');
};

/** A catalogue entry as `GET /api/documents` lists it. */
const catalogueEntry = (d: UploadedDocument): UploadedDocumentInfo => ({
  documentId: d.documentId,
  name: d.name,
  ownerId: d.ownerId,
  size: d.size,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  status: d.status,
  pages: d.pages,
  jobId: d.jobId,
});

/**
 * Jobs in the server: uploads start `processing` jobs, `export.start` starts `export` jobs; a
 * `JobRunner` runs them; `JobEvents` streams them to `doc:<id>` and the owner's `user:` room; the
 * socket methods `job.get`, `job.cancel`, `job.retry`, `export.start` are registered on the hub, and a
 * session entering a document's room mid-job gets its current progress at once.
 */
export class JobService {
  readonly runner: JobRunner;
  readonly events: JobEvents;
  readonly access: DocumentAccess;
  readonly deletion: DocumentDeletion;
  /** Moves the catalogue's `updatedAt` of the documents edited here. */
  readonly touch: CatalogueTouch;
  readonly store: JobStore;
  readonly files: FileStore;
  readonly maxUploadBytes: number;
  /** Pages analyzed since start (metrics). */
  pagesProcessed = 0;
  private readonly clock: Clock;
  private stopListening: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly documents: DocumentSequencer,
    opts: JobServiceOptions,
  ) {
    this.clock = hub.clock;
    // The pipeline is named in documents it processed before it was remembered in them by name.
    documents.nameAuthor(PIPELINE_USER, PIPELINE_NAME);
    this.store = opts.store;
    this.files = opts.files;
    this.maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.events = new JobEvents(hub, hub.clock, opts.progressIntervalMs ?? 100);
    this.access = new DocumentAccess(hub, opts.canAccess);
    this.runner = new JobRunner(opts.store, hub.clock, hub.log, opts);
    this.deletion = new DocumentDeletion({
      hub,
      documents,
      store: opts.store,
      files: opts.files,
      runner: this.runner,
    });
    this.touch = new CatalogueTouch(hub, opts.store);
    this.runner.register(
      'processing',
      new ProcessingJob({
        store: opts.store,
        files: opts.files,
        documents,
        pipeline: opts.pipeline,
        events: this.events,
        rate: new PageRate(),
        clock: hub.clock,
        log: hub.log,
        maxBytes: opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        maxPagesPerSecond: opts.maxPagesPerSecond,
        sharedFiles: hub.broker.distributed,
        onPages: (n) => {
          this.pagesProcessed += n;
        },
      }),
    );
    this.runner.register(
      'export',
      new ExportJob({
        files: opts.files,
        store: opts.store,
        documents,
        pipeline: opts.pipeline,
        events: this.events,
        keepExports: opts.keepExports,
      }),
    );
    this.runner.on((job, event) => this.announce(job, event));
    hub.onEntered.push((session, room) => {
      this.events.sendCurrent(session, room);
      if (hub.broker.distributed) void this.sendStoredProgress(session, room);
    });
    const m = hub.methods;
    m.set(JOB_METHODS.get, (data, ctx) => this.get(ctx.user, data));
    m.set(JOB_METHODS.cancel, (data, ctx) => this.cancel(ctx.user, data));
    m.set(JOB_METHODS.retry, (data, ctx) => this.retry(ctx.user, data));
    m.set(JOB_METHODS.exportStart, (data, ctx) => this.startExport(ctx.user, data));
  }

  /** Starts the runner, listening first to cancels of jobs it runs made on other nodes. */
  async start(): Promise<void> {
    if (this.stopListening === null && !this.closed) {
      const stop = await this.hub.broker.onBroadcast((topic, data) => this.heard(topic, data));
      if (this.closed) stop();
      else this.stopListening = stop;
    }
    if (!this.closed) await this.runner.start();
  }

  /** Stops the runner (running jobs go back to the queue) and closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopListening?.();
    this.stopListening = null;
    await this.runner.stop();
    this.events.close();
    await this.touch.close();
    await this.store.close();
  }

  // ---- uploads and files (HTTP) ------------------------------------------------------------------

  /** Stores an uploaded PDF, catalogues it, creates its document and queues its processing. */
  async upload(
    user: Identity,
    name: string,
    bytes: Uint8Array,
  ): Promise<{ documentId: string; jobId: string }> {
    if (bytes.byteLength > this.maxUploadBytes) {
      throw new SynclineError(ErrorCode.TooLarge, `the file is larger than ${this.maxUploadBytes} bytes`);
    }
    if (!isPdf(bytes)) throw new SynclineError(ErrorCode.UnsupportedMediaType, 'the file is not a PDF');
    const documentId = `pdf-${randomUUID()}`;
    const jobId = `job-${randomUUID()}`;
    const now = this.clock.now();
    const cleanName = uploadName(name);
    await this.files.put(pdfKey(documentId), bytes);
    try {
      await this.store.addDocument({
        documentId,
        name: cleanName,
        ownerId: user.userId,
        size: bytes.byteLength,
        createdAt: now,
        updatedAt: now,
        status: 'uploaded',
        pages: null,
        jobId,
      });
      // The document exists (owned by the uploader) with its name and state before any zone arrives.
      for (const [key, value] of [
        ['name', cleanName],
        [PROCESSING_META, { status: 'queued', jobId, pages: null, pagesDone: 0, updatedAt: now }],
      ] as [string, Json][]) {
        await this.documents.applyServerOp(
          documentId,
          (doc: ZoneDocument): Op => metaSet(key, value, doc.meta),
          { userId: PIPELINE_USER, opId: `${jobId}:init:${key}`, ownerId: user.userId },
        );
      }
      await this.runner.enqueue({ id: jobId, kind: 'processing', ownerId: user.userId, documentId });
    } catch (err) {
      // The upload failed (the caller gets an error, not a document id): nothing of it may stay behind, neither the
      // file nor a catalogue entry `uploaded` whose job was never made (it would be listed forever, never processed).
      await this.discardUpload(documentId);
      throw err;
    }
    this.hub.log.info(
      { documentId, jobId, userId: user.userId, size: bytes.byteLength },
      'document uploaded',
    );
    return { documentId, jobId };
  }

  /**
   * Undoes what a failed upload stored, as far as the stores let it (they may be what failed): its file, its zone
   * document (the `queued` one it was given), its job and its catalogue entry (`DocumentDeletion.discard`). Also for
   * an upload whose writes were lost (the group commit failed after `upload` resolved).
   */
  async discardUpload(documentId: string): Promise<void> {
    await this.deletion.discard(documentId);
  }

  /** Deletes a document for good, for its owner or an admin (`DocumentDeletion.delete`). */
  async deleteDocument(user: Identity, documentId: string): Promise<void> {
    await this.deletion.delete(user, documentId);
  }

  /**
   * Makes a blank document (no PDF) owned by `user` and catalogues it (`createBlankDocument`): `invalid`, `conflict`.
   * Resolves its entry as the list shows it.
   */
  async createBlank(user: Identity, body: unknown): Promise<UploadedDocumentInfo> {
    const deps = {
      authorize: (who: Identity, room: string) => authorizeRoom(this.hub, who, room, 'join'),
      store: this.store,
      documents: this.documents,
      clock: this.clock,
      log: this.hub.log,
    };
    return catalogueEntry(await createBlankDocument(deps, user, body));
  }

  /** The documents a user may list: their own (an admin: everyone's), uploaded or blank, newest first. */
  async listDocuments(user: Identity, limit?: number): Promise<UploadedDocumentInfo[]> {
    const docs = await this.store.listDocuments({ ownerId: isAdmin(user) ? undefined : user.userId, limit });
    return docs.map(catalogueEntry);
  }

  /**
   * An uploaded document's PDF, for a user allowed to read it; `null` for a download link's holder, whom the link's
   * issuer checked (`checkDocumentFile`).
   */
  async documentFile(
    user: Identity | null,
    documentId: string,
  ): Promise<{ doc: UploadedDocument; bytes: Uint8Array }> {
    const doc = await this.checkDocumentFile(user, documentId);
    const bytes = await this.files.get(pdfKey(documentId));
    if (!bytes) throw new SynclineError(ErrorCode.NotFound, 'the file is no longer stored');
    return { doc, bytes };
  }

  /**
   * The uploaded document, if it exists and `user` (unless null) may read its PDF: `not_found` (also for a blank
   * document, which has none), `forbidden`.
   */
  async checkDocumentFile(user: Identity | null, documentId: string): Promise<UploadedDocument> {
    const doc = await this.store.getDocument(documentId);
    if (!doc) throw new SynclineError(ErrorCode.NotFound, 'no such document');
    if (user && !(await this.access.allows(user, documentId, doc.ownerId))) {
      throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
    }
    if (doc.status === 'blank') throw new SynclineError(ErrorCode.NotFound, 'a blank document has no PDF');
    return doc;
  }

  /**
   * A finished export's file, for a user allowed to read its document (or who made it), and the name to download it
   * under: the document's (`Q3 report.pdf` exported as RAG is `Q3 report.jsonl`), or the export id when the document
   * is gone from the catalogue. `user` is `null` for a download link's holder, whom the link's issuer checked
   * (`checkExport`).
   */
  async exportFile(
    user: Identity | null,
    exportId: string,
  ): Promise<{ result: ExportResult; bytes: Uint8Array; fileName: string }> {
    const { result, documentName } = await this.checkExport(user, exportId);
    const bytes = await this.files.get(result.fileKey);
    if (!bytes) throw new SynclineError(ErrorCode.NotFound, 'the export file is no longer stored');
    const base = documentName?.replace(/\.pdf$/i, '') || exportId;
    return { result, bytes, fileName: `${base}.${result.fileExtension}` };
  }

  /**
   * A finished export, if `user` (unless null) may download it: `not_found` (unknown, not finished), `forbidden`. Its
   * file may still be gone (an older export than the newest `keepExports`): the download says so.
   */
  async checkExport(
    user: Identity | null,
    exportId: string,
  ): Promise<{ result: ExportResult; documentName: string | undefined }> {
    const job = await this.store.getJob(exportId);
    if (job?.kind !== 'export') throw new SynclineError(ErrorCode.NotFound, 'no such export');
    const doc = await this.store.getDocument(job.documentId);
    const owner = doc ? doc.ownerId : await this.ownerOf(job.documentId);
    if (user && user.userId !== job.ownerId && !(await this.access.allows(user, job.documentId, owner))) {
      throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
    }
    if (job.state !== 'completed') throw new SynclineError(ErrorCode.NotFound, `the export is ${job.state}`);
    return { result: job.result as unknown as ExportResult, documentName: doc?.name };
  }

  // ---- socket methods -----------------------------------------------------------------------------

  async get(user: Identity, data: unknown): Promise<{ job: JobInfo | null }> {
    const { documentId, kind } = parse(jobGetSchema, data);
    const owner = await this.ownerOf(documentId);
    if (!(await this.access.allows(user, documentId, owner))) {
      throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
    }
    const jobs = await this.store.listJobs({ documentId, kind, limit: 20 });
    const current = jobs.find((j) => j.state === 'running' || j.state === 'queued') ?? jobs[0];
    return { job: current ? this.info(current, jobPermissions(user, current, owner)) : null };
  }

  async cancel(user: Identity, data: unknown): Promise<{ job: JobInfo }> {
    const { jobId } = parse(jobCancelSchema, data);
    const { permissions } = await this.controllable(user, jobId);
    const job = await this.runner.cancel(jobId);
    if (!job) throw new SynclineError(ErrorCode.NotFound, 'no such job');
    return { job: this.info(job, permissions) };
  }

  async retry(user: Identity, data: unknown): Promise<{ job: JobInfo }> {
    const { jobId } = parse(jobRetrySchema, data);
    const { job: before, permissions } = await this.controllable(user, jobId);
    if (before.state !== 'failed' && before.state !== 'cancelled') {
      throw new SynclineError(
        ErrorCode.Invalid,
        `only a failed or cancelled job can be retried (it is ${before.state})`,
      );
    }
    if (before.error && !before.error.recoverable) {
      throw new SynclineError(ErrorCode.Invalid, `retrying cannot help: ${before.error.message}`);
    }
    const job = await this.runner.retry(jobId);
    if (!job) throw new SynclineError(ErrorCode.Invalid, 'the job changed state; look again');
    if (job.kind === 'processing') {
      await this.store.updateDocument(job.documentId, { now: this.clock.now(), status: 'processing', jobId });
    }
    return { job: this.info(job, permissions) };
  }

  async startExport(user: Identity, data: unknown): Promise<{ exportId: string; jobId: string }> {
    const { documentId, format } = parse(exportStartSchema, data);
    const found = await documentOwner(this.store, this.documents, documentId);
    if (!(await this.access.allows(user, documentId, found?.ownerId))) {
      throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
    }
    // A deleted document (or one never made) has nothing to export: said now, rather than by a job failing three
    // times as `internal`, and reading an unknown id must not make it (a document owned by nobody who could delete it).
    if (found === null) throw await missingDocument(this.documents, documentId);
    const jobId = `export-${randomUUID()}`;
    await this.runner.enqueue({
      id: jobId,
      kind: 'export',
      ownerId: user.userId,
      documentId,
      params: { format },
    });
    return { exportId: jobId, jobId };
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** A broadcast from another node: a cancel of a job that may run here. */
  private heard(topic: string, data: unknown): void {
    if (this.deletion.heard(topic, data) || topic !== CANCEL_TOPIC) return;
    const jobId = (data as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== 'string' || !this.runner.live(jobId)) return;
    this.runner
      .abortCancelled(jobId)
      .then((stopping) => {
        if (stopping) this.hub.log.info({ jobId }, 'job cancelled on another node; stopping it here');
      })
      .catch((err) => this.hub.log.warn({ err, jobId }, 'could not check a cancel from another node'));
  }

  /**
   * A session entered a document's room: jobs of that document running on other nodes send their stored
   * progress (the last committed page) at once; their live ticks follow through the broker.
   */
  private async sendStoredProgress(session: Session, room: string): Promise<void> {
    if (!room.startsWith(DOC_ROOM_PREFIX)) return;
    const documentId = room.slice(DOC_ROOM_PREFIX.length);
    try {
      const jobs = await this.store.listJobs({ documentId, states: ['running'], limit: 10 });
      // Still in the room (it may have left while the store answered).
      if (session.subs.get(room)) this.events.sendStored(session, room, jobs);
    } catch (err) {
      this.hub.log.warn({ err, documentId }, 'could not read the progress of running jobs');
    }
  }

  /** The job, if this user may cancel or retry it (`jobPermissions`: its owner, the document's owner, or an admin). */
  private async controllable(
    user: Identity,
    jobId: string,
  ): Promise<{ job: Job; permissions: JobPermissions }> {
    const job = await this.store.getJob(jobId);
    if (!job) throw new SynclineError(ErrorCode.NotFound, 'no such job');
    // The document is read only when the job's owner and the user's roles do not decide it.
    let permissions = jobPermissions(user, job, undefined);
    if (!permissions.cancel) {
      permissions = jobPermissions(user, job, await this.ownerOf(job.documentId));
    }
    if (permissions.cancel) return { job, permissions };
    throw new SynclineError(
      ErrorCode.Forbidden,
      'only the job owner, the document owner or an admin can do this',
    );
  }

  /** The document's owner (`documentOwner`: the catalogue's, else a blank document's creator), if it has one. */
  private async ownerOf(documentId: string): Promise<string | undefined> {
    return (await documentOwner(this.store, this.documents, documentId))?.ownerId;
  }

  /** The wire view for one user, with live progress when this node runs the job. */
  private info(job: Job, permissions: JobPermissions): JobInfo {
    return jobInfo(this.runner.live(job.id) ?? job, permissions);
  }

  private announce(job: Job, event: JobEvent): void {
    // Cancelled in the shared store while another node runs it: that node stops it when this arrives,
    // or at its next heartbeat or commit if the message is lost.
    if (event === 'cancelling') {
      if (this.hub.broker.distributed) this.hub.broker.broadcast(CANCEL_TOPIC, { jobId: job.id });
      return;
    }
    // The run stopped without a final state: its last progress must not be sent to sessions entering the room while
    // the job waits out its backoff, sits in the queue, or runs on another node (which reports its own).
    if (event === 'retrying' || event === 'requeued' || event === 'superseded') {
      this.events.forget(job.id, job.run);
      return;
    }
    if (event !== 'settled') return;
    void this.events.flush(job.id).then(() => this.publishFinal(job));
  }

  /** The final event of a job: completed, error, or cancelled (as `processing_error`). */
  private publishFinal(job: Job): void {
    const base = { documentId: job.documentId, jobId: job.id };
    const r = (job.result ?? {}) as Record<string, unknown>;
    const error = job.error ?? { code: 'cancelled', message: 'cancelled', recoverable: true };
    if (job.kind === 'processing') {
      if (job.state === 'completed') {
        void this.events.critical(job, 'processing_completed', {
          ...base,
          zones: (r.zones as number) ?? 0,
          confidence: (r.confidence as number) ?? 0,
          pages: r.pages as number,
          skippedPages: r.skippedPages as number[],
          warnings: r.warnings as string[],
        });
      } else if (job.state === 'cancelled') {
        void this.events.critical(job, 'processing_error', {
          ...base,
          error: 'cancelled',
          code: 'cancelled',
          recoverable: true,
          cancelledAtPage: job.page ?? 0,
          pages: job.pages,
        });
      } else if (job.state === 'failed') {
        void this.events.critical(job, 'processing_error', {
          ...base,
          error: error.message,
          code: error.code,
          recoverable: error.recoverable,
        });
      }
      return;
    }
    if (job.state === 'completed') {
      const res = r as unknown as ExportResult;
      void this.events.critical(job, 'export_completed', {
        ...base,
        exportId: job.id,
        downloadUrl: res.downloadUrl,
        format: res.format,
        size: res.size,
        chunks: res.chunks,
      });
    } else {
      void this.events.critical(job, 'processing_error', {
        ...base,
        kind: 'export',
        exportId: job.id,
        error: job.state === 'cancelled' ? 'cancelled' : error.message,
        code: job.state === 'cancelled' ? 'cancelled' : error.code,
        recoverable: job.state === 'cancelled' ? true : error.recoverable,
      });
    }
  }
}
