import type { Job, JobKind, JobPatch, JobState, NewJob } from './job.js';
import type { UploadedDocument, UploadedDocumentPatch } from './uploaded-document.js';

export interface ClaimOptions {
  now: number;
  /** Also claim `running` jobs whose heartbeat is older than this (their runner died). */
  staleBefore?: number;
  /** Only these kinds (default: any). */
  kinds?: readonly JobKind[];
}

export interface JobQuery {
  documentId?: string;
  ownerId?: string;
  kind?: JobKind;
  states?: readonly JobState[];
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/**
 * Where jobs and the catalogue of documents (uploaded or blank) live. Every method is async and every state change
 * is one atomic step in the store, so several runners (processes, nodes) can share one store:
 * `claimNext` hands a job to exactly one caller, and `updateJob` with `ifState` is a compare-and-set.
 *
 * Implementations: `MemoryJobStore`, `SqliteJobStore`, `PostgresJobStore`; all pass `job-store.contract.ts`.
 */
export interface JobStore {
  /** Stores a new `queued` job. Rejects when the id is taken. */
  createJob(job: NewJob): Promise<Job>;
  getJob(id: string): Promise<Job | undefined>;
  /**
   * Changes a job. With `ifState`, only when its state is one of those; with `ifRun`, only when its `run` is
   * that number (the claim a runner holds, so a runner that lost its claim, to another node or to a cancel,
   * retry and new claim, cannot overwrite the newer run). Otherwise resolves `undefined` and changes nothing.
   * Resolves the job as stored after the change, or `undefined` for an unknown id.
   */
  updateJob(
    id: string,
    patch: JobPatch,
    ifState?: readonly JobState[],
    ifRun?: number,
  ): Promise<Job | undefined>;
  /**
   * Atomically takes the oldest claimable job — `queued` with `runAfter <= now`, or `running` with a
   * heartbeat before `staleBefore` — and marks it `running` (attempts + 1, run + 1, `startedAt` kept if set,
   * `heartbeatAt` = now). Resolves `undefined` when there is none.
   */
  claimNext(options: ClaimOptions): Promise<Job | undefined>;
  /** Jobs matching the query, newest first. */
  listJobs(query: JobQuery): Promise<Job[]>;
  /**
   * Puts every `running` job back to `queued` (a single node restarting: whatever it ran was interrupted).
   * Resolves how many.
   */
  requeueRunning(now: number): Promise<number>;
  /**
   * Removes every job of a document, whatever its state (the document is being deleted: cancel its running jobs
   * first). Resolves how many.
   */
  deleteJobs(documentId: string): Promise<number>;
  /** Job counts by state (metrics). */
  countByState(): Promise<Record<JobState, number>>;

  /** Adds a document (uploaded, or blank) to the catalogue. Rejects when the id is taken. */
  addDocument(doc: UploadedDocument): Promise<void>;
  getDocument(documentId: string): Promise<UploadedDocument | undefined>;
  updateDocument(documentId: string, patch: UploadedDocumentPatch): Promise<UploadedDocument | undefined>;
  /**
   * Moves a document's `updatedAt` to `at` (it was edited then), unless it is later already: an edit recorded late, or
   * by another node, never dates it back. Nothing else changes; an unknown id is ignored.
   */
  touchDocument(documentId: string, at: number): Promise<void>;
  /**
   * Removes a document from the catalogue (a deleted document, or an upload that failed half-way). Resolves whether
   * there was one. Its jobs, if any, are left alone (`deleteJobs`).
   */
  deleteDocument(documentId: string): Promise<boolean>;
  /** Newest first; `ownerId` filters (absent: everyone's); default limit 100, at most 1000. */
  listDocuments(query?: { ownerId?: string; limit?: number }): Promise<UploadedDocument[]>;

  close(): Promise<void>;
}

export const clampLimit = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) || limit <= 0 ? 100 : Math.min(Math.floor(limit), 1000);
