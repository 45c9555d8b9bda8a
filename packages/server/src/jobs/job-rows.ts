import type { Job, JobErrorInfo, JobJson, JobPatch, JobState } from './job.js';
import type { UploadedDocument, UploadedDocumentPatch } from './uploaded-document.js';

/**
 * The rows of the SQL job stores (SQLite and PostgreSQL name their columns alike) and their mapping to `Job`
 * and `UploadedDocument`. `params`, `error` and `result` are stored as JSON text in both databases.
 */
export interface JobRow {
  id: string;
  kind: string;
  state: string;
  owner_id: string;
  document_id: string;
  params: string;
  progress: number;
  stage: string | null;
  page: number | null;
  pages: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempts: number;
  run: number;
  run_after: number;
  heartbeat_at: number | null;
  error: string | null;
  result: string;
}

export interface DocumentRow {
  document_id: string;
  name: string;
  owner_id: string;
  size: number;
  created_at: number;
  updated_at: number;
  status: string;
  pages: number | null;
  job_id: string | null;
}

/** Job fields and their columns (what `updateJob` may write). */
export const JOB_COLUMNS: Record<Exclude<keyof JobPatch, 'now'>, string> = {
  state: 'state',
  progress: 'progress',
  stage: 'stage',
  page: 'page',
  pages: 'pages',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  attempts: 'attempts',
  runAfter: 'run_after',
  heartbeatAt: 'heartbeat_at',
  error: 'error',
  result: 'result',
};
export const DOC_COLUMNS: Record<Exclude<keyof UploadedDocumentPatch, 'now'>, string> = {
  name: 'name',
  status: 'status',
  pages: 'pages',
  jobId: 'job_id',
};

/** The column value of a `JobPatch` field: `error` and `result` as JSON text, the others as they are. */
export function encodeJobValue(key: string, value: unknown): unknown {
  if (key === 'error') return value === null ? null : JSON.stringify(value);
  if (key === 'result') return JSON.stringify(value ?? null);
  return value;
}

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind as Job['kind'],
    state: r.state as JobState,
    ownerId: r.owner_id,
    documentId: r.document_id,
    params: JSON.parse(r.params) as JobJson,
    progress: r.progress,
    stage: r.stage,
    page: r.page,
    pages: r.pages,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: r.attempts,
    run: Number(r.run),
    runAfter: r.run_after,
    heartbeatAt: r.heartbeat_at,
    error: r.error === null ? null : (JSON.parse(r.error) as JobErrorInfo),
    result: JSON.parse(r.result) as JobJson,
  };
}

export function toDocument(r: DocumentRow): UploadedDocument {
  return {
    documentId: r.document_id,
    name: r.name,
    ownerId: r.owner_id,
    size: r.size,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    status: r.status as UploadedDocument['status'],
    pages: r.pages,
    jobId: r.job_id,
  };
}
