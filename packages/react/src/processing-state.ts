import type { EventData, JobInfo, JobPermissions } from '@syncline/protocol';

/** `idle` (no job known), `queued`, `processing`, `completed`, `failed`, `cancelled`. */
export type ProcessingStatus = 'idle' | 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** A document's processing job, as events and `job.get` describe it. Immutable; replaced on change. */
export interface ProcessingState {
  readonly jobId: string | null;
  readonly processingStatus: ProcessingStatus;
  /** 0..1 */
  readonly progress: number;
  readonly stage: string | null;
  /** Pages finished, and the page count once known. */
  readonly page: number | null;
  readonly pages: number | null;
  /** Estimated time left in ms, when known. */
  readonly etaMs: number | null;
  readonly error: string | null;
  /** Whether `retry()` may help after a failure. */
  readonly recoverable: boolean;
  /** `processing_completed`: zones found and the mean confidence. */
  readonly zones: number | null;
  readonly confidence: number | null;
  /**
   * The pages the analysis could not read and skipped, and the pages' warnings (each `page N: …`; the first 100), as
   * `processing_progress` (warnings only), `processing_completed` and a `job.get` reply's `result` say: kept across a
   * resumed run of the same job.
   */
  readonly skippedPages: readonly number[];
  readonly warnings: readonly string[];
  /**
   * Whether this user may cancel / retry the job (`JobInfo.permissions` of a `job.*` reply: the job's owner, the
   * document's owner, admins). False until the server said so: room events are the same for everyone and carry no
   * per-user flag.
   */
  readonly canCancel: boolean;
  readonly canRetry: boolean;
}

export const IDLE_PROCESSING: ProcessingState = Object.freeze({
  jobId: null,
  processingStatus: 'idle',
  progress: 0,
  stage: null,
  page: null,
  pages: null,
  etaMs: null,
  error: null,
  recoverable: false,
  zones: null,
  confidence: null,
  skippedPages: Object.freeze([]),
  warnings: Object.freeze([]),
  canCancel: false,
  canRetry: false,
});

/** As many warnings as the server keeps of a job. */
const MAX_WARNINGS = 100;

export type ProcessingEvent =
  | { type: 'processing_started'; data: EventData<'processing_started'> }
  | { type: 'processing_progress'; data: EventData<'processing_progress'> }
  | { type: 'processing_completed'; data: EventData<'processing_completed'> }
  | { type: 'processing_error'; data: EventData<'processing_error'> };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pageList = (v: unknown): readonly number[] | null =>
  Array.isArray(v) ? Object.freeze(v.filter((p): p is number => num(p) !== null)) : null;
const stringList = (v: unknown): readonly string[] | null =>
  Array.isArray(v)
    ? Object.freeze(v.filter((w): w is string => typeof w === 'string').slice(0, MAX_WARNINGS))
    : null;
/** `known` and the new warnings not in it, in order (a progress tick names only its own pages'). */
const withWarnings = (known: readonly string[], more: readonly string[] | null): readonly string[] => {
  const fresh = (more ?? []).filter((w) => !known.includes(w));
  return fresh.length === 0 ? known : Object.freeze([...known, ...fresh].slice(0, MAX_WARNINGS));
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The state after a `processing_*` event. */
export function reduceProcessing(state: ProcessingState, event: ProcessingEvent): ProcessingState {
  const d = event.data as Record<string, unknown>;
  const jobId = str(d.jobId) ?? state.jobId;
  // A new job replaces the state of the previous one.
  const base = jobId !== state.jobId && state.jobId !== null ? IDLE_PROCESSING : state;
  switch (event.type) {
    case 'processing_started': {
      const pages = num(d.pages) ?? base.pages;
      const startPage = num(d.startPage);
      const page = startPage !== null ? Math.max(0, startPage - 1) : 0;
      // A resumed run of the same job keeps what the earlier runs found.
      const same = base.jobId === jobId;
      return freeze({
        ...IDLE_PROCESSING,
        skippedPages: same ? base.skippedPages : IDLE_PROCESSING.skippedPages,
        warnings: same ? base.warnings : IDLE_PROCESSING.warnings,
        jobId,
        processingStatus: 'processing',
        progress: pages ? page / pages : 0,
        stage: 'starting',
        page,
        pages,
        etaMs: num(d.estimatedTime),
      });
    }
    case 'processing_progress': {
      if (isFinal(base.processingStatus) && base.jobId === jobId) return base; // a late tick
      return freeze({
        ...base,
        jobId,
        processingStatus: 'processing',
        progress: clamp(num(d.progress) ?? base.progress),
        stage: str(d.stage) ?? base.stage,
        page: num(d.page) ?? base.page,
        pages: num(d.pages) ?? base.pages,
        etaMs: d.etaMs === null ? null : (num(d.etaMs) ?? base.etaMs),
        error: null,
        warnings: withWarnings(base.warnings, stringList(d.warnings)),
      });
    }
    case 'processing_completed': {
      const zones = Array.isArray(d.zones) ? d.zones.length : num(d.zones);
      return freeze({
        ...base,
        jobId,
        processingStatus: 'completed',
        progress: 1,
        stage: 'completed',
        page: base.pages ?? base.page,
        etaMs: 0,
        error: null,
        recoverable: false,
        zones,
        confidence: num(d.confidence),
        skippedPages: pageList(d.skippedPages) ?? base.skippedPages,
        warnings: stringList(d.warnings) ?? base.warnings,
      });
    }
    case 'processing_error': {
      const cancelled = d.code === 'cancelled' || d.error === 'cancelled';
      return freeze({
        ...base,
        jobId,
        processingStatus: cancelled ? 'cancelled' : 'failed',
        stage: cancelled ? 'cancelled' : 'failed',
        etaMs: null,
        error: cancelled ? null : (str(d.error) ?? 'processing failed'),
        recoverable: d.recoverable === true,
      });
    }
  }
}

/**
 * The state with what this user may do with its job: `permissions` as a `job.*` reply gave them for the state's job,
 * none while unknown.
 */
export function withPermissions(
  state: ProcessingState,
  permissions: JobPermissions | null | undefined,
): ProcessingState {
  const canCancel = permissions?.cancel === true;
  const canRetry = permissions?.retry === true;
  if (state.canCancel === canCancel && state.canRetry === canRetry) return state;
  return freeze({ ...state, canCancel, canRetry });
}

/**
 * What a `job.*` reply says this user may do with the job. A server older than `JobInfo.permissions` gives none: then
 * everything is offered, as before, and the server refuses what it must.
 */
export function permissionsOf(job: Partial<JobInfo>): JobPermissions {
  const p = job.permissions as Partial<JobPermissions> | undefined;
  if (typeof p !== 'object' || p === null) return { cancel: true, retry: true };
  return { cancel: p.cancel === true, retry: p.retry === true };
}

/** The state from a `job.get` / `job.cancel` / `job.retry` reply (`null`: no job). */
export function fromJob(job: (Partial<JobInfo> & { etaMs?: number | null }) | null): ProcessingState {
  if (!job || (job.kind !== undefined && job.kind !== 'processing')) return IDLE_PROCESSING;
  const status: ProcessingStatus =
    job.state === 'running'
      ? 'processing'
      : job.state === 'queued' ||
          job.state === 'completed' ||
          job.state === 'failed' ||
          job.state === 'cancelled'
        ? job.state
        : 'idle';
  const error = job.error as unknown;
  const message =
    typeof error === 'string'
      ? error
      : typeof error === 'object' && error !== null
        ? str((error as { message?: unknown }).message)
        : null;
  const recoverable =
    typeof error === 'object' && error !== null
      ? (error as { recoverable?: unknown }).recoverable === true
      : false;
  const permissions = permissionsOf(job);
  const result = (typeof job.result === 'object' && job.result !== null ? job.result : {}) as Record<
    string,
    unknown
  >;
  return freeze({
    ...IDLE_PROCESSING,
    skippedPages: pageList(result.skippedPages) ?? IDLE_PROCESSING.skippedPages,
    warnings: stringList(result.warnings) ?? IDLE_PROCESSING.warnings,
    zones: status === 'completed' ? num(result.zones) : null,
    confidence: status === 'completed' ? num(result.confidence) : null,
    canCancel: permissions.cancel,
    canRetry: permissions.retry,
    jobId: str(job.jobId),
    processingStatus: status,
    progress: status === 'completed' ? 1 : clamp(num(job.progress) ?? 0),
    stage: str(job.stage) ?? (status === 'processing' ? null : status === 'idle' ? null : status),
    page: num(job.page),
    pages: num(job.pages),
    etaMs: num(job.etaMs),
    error: status === 'failed' ? (message ?? 'processing failed') : null,
    recoverable: status === 'cancelled' ? true : recoverable,
  });
}

/**
 * The buttons to offer this user now, the same in every UI: Cancel while the job is queued or runs, Retry (Resume after
 * a cancel, which keeps the pages done) after a cancel or after a failure a retry can help (`recoverable`); each only
 * when the server lets this user (`canCancel`, `canRetry`).
 */
export function processingActions(
  state: Pick<ProcessingState, 'processingStatus' | 'recoverable' | 'canCancel' | 'canRetry'>,
): { cancel: boolean; retry: boolean } {
  const status = state.processingStatus;
  return {
    cancel: state.canCancel && isProcessing(status),
    retry: state.canRetry && (status === 'cancelled' || (status === 'failed' && state.recoverable)),
  };
}

export function isProcessing(status: ProcessingStatus): boolean {
  return status === 'queued' || status === 'processing';
}

function isFinal(status: ProcessingStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function freeze(s: ProcessingState): ProcessingState {
  return Object.freeze(s);
}
