import type { JobErrorInfo, JobInfo, JobKind, JobPermissions, JobState } from '@syncline/protocol';

export type { JobErrorInfo, JobKind, JobState };

/** States a job never leaves (except through an explicit retry of a failed or cancelled one). */
export const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];
export const isFinal = (s: JobState): boolean => FINAL_STATES.includes(s);

/** JSON a store keeps as is (job params and results). */
export type JobJson = string | number | boolean | null | JobJson[] | { [key: string]: JobJson };

/** A job as stored. Times are ms since the epoch. */
export interface Job {
  id: string;
  kind: JobKind;
  state: JobState;
  ownerId: string;
  documentId: string;
  /** What the job was asked to do (an export's format, ...). */
  params: JobJson;
  /** 0..1 */
  progress: number;
  stage: string | null;
  /** Units done (pages, for processing: the last committed page) and the total, once known. */
  page: number | null;
  pages: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Runs started, retries included (reset by an explicit retry). */
  attempts: number;
  /**
   * Claims of this job, ever: +1 on every claim and never reset (unlike `attempts`), so it names one run for
   * good. A runner's writes are fenced by it: a runner that stalled past its heartbeat, while the job was taken
   * over, or cancelled, retried and claimed again, cannot write into the newer run.
   */
  run: number;
  /** A queued job is not claimed before this time (retry backoff). */
  runAfter: number;
  /** While running: when its runner last said it is alive (a stale one is claimed again). */
  heartbeatAt: number | null;
  error: JobErrorInfo | null;
  result: JobJson;
}

export interface NewJob {
  id: string;
  kind: JobKind;
  ownerId: string;
  documentId: string;
  params?: JobJson;
  now: number;
}

/** Fields `updateJob` may change. */
export type JobPatch = Partial<
  Pick<
    Job,
    | 'state'
    | 'progress'
    | 'stage'
    | 'page'
    | 'pages'
    | 'startedAt'
    | 'finishedAt'
    | 'attempts'
    | 'runAfter'
    | 'heartbeatAt'
    | 'error'
    | 'result'
  >
> & { now: number };

export function newJobRecord(n: NewJob): Job {
  return {
    id: n.id,
    kind: n.kind,
    state: 'queued',
    ownerId: n.ownerId,
    documentId: n.documentId,
    params: n.params ?? null,
    progress: 0,
    stage: null,
    page: null,
    pages: null,
    createdAt: n.now,
    updatedAt: n.now,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    run: 0,
    runAfter: n.now,
    heartbeatAt: null,
    error: null,
    result: null,
  };
}

/** The wire view of a job (`job.get`, `job.cancel`, `job.retry`), with what the user who asked may do with it. */
export function jobInfo(job: Job, permissions: JobPermissions): JobInfo {
  return {
    jobId: job.id,
    kind: job.kind,
    state: job.state,
    documentId: job.documentId,
    ownerId: job.ownerId,
    progress: job.progress,
    stage: job.stage,
    page: job.page,
    pages: job.pages,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    result: job.result,
    permissions,
  };
}

/**
 * A failure a job handler reports: a code for programs, a message for people, and whether the same
 * work may succeed later (`recoverable`: retried with backoff, then offered to the user as a retry).
 * `retryAutomatically: false` marks a recoverable failure that only a change made by someone can fix (the
 * document is full: delete zones, or raise the limit): the job fails at once, and `job.retry` is offered.
 */
export class JobFailure extends Error {
  readonly retryAutomatically: boolean;
  constructor(
    readonly code: string,
    message: string,
    readonly recoverable: boolean,
    options: { retryAutomatically?: boolean } = {},
  ) {
    super(message);
    this.name = 'JobFailure';
    this.retryAutomatically = recoverable && (options.retryAutomatically ?? true);
  }
}

/** Whether the runner may run a job again by itself after it failed with `err` (when `err` is recoverable). */
export const retriesAutomatically = (err: unknown): boolean =>
  !(err instanceof JobFailure) || err.retryAutomatically;

/** The error a job ends with, from whatever its handler threw. */
export function toJobError(err: unknown): JobErrorInfo {
  const e = err as { code?: unknown; message?: unknown; recoverable?: unknown } | null;
  if (e && typeof e.code === 'string' && typeof e.recoverable === 'boolean') {
    return { code: e.code, message: String(e.message ?? e.code).slice(0, 2000), recoverable: e.recoverable };
  }
  // Anything unexpected (a bug, a storage hiccup) is worth another try.
  return { code: 'internal', message: String(e?.message ?? err).slice(0, 2000), recoverable: true };
}
