import { z } from 'zod';

/**
 * Jobs on the wire: long operations (processing an uploaded PDF, exporting a document) that the server
 * runs in the background and streams to everyone watching the document. Commands are `request`s with
 * these methods; progress arrives as room events of `doc:<documentId>` and of the owner's `user:<id>`
 * room (`processing_*`, `export_*`). Uploads and downloads are HTTP (see PROTOCOL.md).
 */
export const JOB_METHODS = {
  /** `{documentId, kind?}` -> `{job: JobInfo | null}`: the document's current job (of that kind), or its latest one. */
  get: 'job.get',
  /** `{jobId}` -> `{job: JobInfo}`: the job's owner, the document's owner or an admin; else `forbidden`. */
  cancel: 'job.cancel',
  /** `{jobId}` -> `{job: JobInfo}`: re-queues a failed or cancelled job (it resumes where it stopped). */
  retry: 'job.retry',
  /** `{documentId, format}` -> `{exportId, jobId}`; `export_completed` carries the download URL. */
  exportStart: 'export.start',
} as const;

export const JOB_KINDS = ['processing', 'export'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** `queued -> running -> completed | failed | cancelled`; a retry puts a failed or cancelled job back to `queued`. */
export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const EXPORT_FORMATS = ['rag', 'markdown', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Why a job failed. `recoverable` says whether trying again (`job.retry`) can help. */
export interface JobErrorInfo {
  code: string;
  message: string;
  recoverable: boolean;
}

/**
 * What the user who asked may do with a job (the server's rule: the job's owner, the document's owner, or an admin).
 * Computed for that user, so it is in replies (`job.get`, `job.cancel`, `job.retry`), never in room events (which
 * every subscriber gets alike).
 */
export interface JobPermissions {
  /** `job.cancel` is allowed. */
  cancel: boolean;
  /**
   * This user may retry the job (`job.retry`): whoever may cancel it. Not whether a retry would be accepted now, which
   * also needs the job `failed` or `cancelled` with a recoverable error (`job.retry` answers `invalid` otherwise).
   */
  retry: boolean;
}

/** A job as the server reports it. Times are ms since the epoch. */
export interface JobInfo {
  jobId: string;
  kind: JobKind;
  state: JobState;
  documentId: string;
  ownerId: string;
  /** 0..1 */
  progress: number;
  stage: string | null;
  /** Pages finished (processing) and the page count, once known. */
  page: number | null;
  pages: number | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: JobErrorInfo | null;
  /** Kind-specific: for an export `{exportId, downloadUrl, format, ...}`. */
  result: unknown;
  /** What the user who asked may do with it. */
  permissions: JobPermissions;
}

/**
 * `POST /api/exports/:exportId/link` and `POST /api/documents/:id/file/link`: a URL that downloads that one file
 * without other credentials, for a short time (a link cannot send `Authorization`; a token in a URL would end up in
 * histories and logs).
 */
export interface DownloadLink {
  /** Path and query, relative to the server (`/api/exports/<id>?ticket=…`). */
  url: string;
  /** When the link stops working, ms since the epoch. */
  expiresAt: number;
}

/**
 * A document of the server's catalogue, as `GET /api/documents` lists it: an uploaded PDF, or a blank document (made
 * with `POST /api/documents` and a JSON body: no file, `size` 0, `pages` and `jobId` null, `status` `blank`).
 */
export interface UploadedDocumentInfo {
  documentId: string;
  name: string;
  ownerId: string;
  /** The PDF's size in bytes (0 for a blank document). */
  size: number;
  createdAt: number;
  updatedAt: number;
  /** `uploaded`, `processing`, `processed`, `failed` or `cancelled`; `blank` for a document without a PDF. */
  status: string;
  pages: number | null;
  jobId: string | null;
}

/** The JSON body of `POST /api/documents` that makes a blank document (no PDF). */
export interface BlankDocumentRequest {
  /** 1-256 characters (control characters are dropped). */
  name: string;
  /** 1-128 characters of `[A-Za-z0-9_.@~|+=:-]`, not taken; default: a new `blank-<uuid>`. */
  documentId?: string;
}

const id = z.string().min(1).max(128);

export const jobGetSchema = z.object({ documentId: id, kind: z.enum(JOB_KINDS).optional() });
export const jobCancelSchema = z.object({ jobId: id });
export const jobRetrySchema = z.object({ jobId: id });
export const exportStartSchema = z.object({ documentId: id, format: z.enum(EXPORT_FORMATS) });

export type JobGetRequest = z.infer<typeof jobGetSchema>;
export type JobCancelRequest = z.infer<typeof jobCancelSchema>;
export type JobRetryRequest = z.infer<typeof jobRetrySchema>;
export type ExportStartRequest = z.infer<typeof exportStartSchema>;
