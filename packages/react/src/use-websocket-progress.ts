'use client';
import { SynclineError } from '@syncline/client';
import { JOB_METHODS, type JobInfo } from '@syncline/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSynclineContext } from './context.js';
import {
  IDLE_PROCESSING,
  isProcessing,
  type ProcessingState,
  type ProcessingStatus,
} from './processing-state.js';
import { ProcessingTracker } from './processing-tracker.js';
import { useDocumentTracker } from './use-document-tracker.js';

export interface WebSocketProgress {
  /** 0..1 */
  progress: number;
  isProcessing: boolean;
  processingStatus: ProcessingStatus;
  stage: string | null;
  page: number | null;
  pages: number | null;
  etaMs: number | null;
  error: string | null;
  /**
   * Why the job failed, as a code a UI can match (`error` is a message for people): the job's `error.code`, e.g.
   * `encrypted_pdf`, `corrupt_pdf`, `not_pdf`, `empty_pdf`, `too_large`. Null unless the job failed, and while its code
   * is not known yet (it comes with the `processing_error` event, or, for a job that failed before, from `job.get`).
   */
  errorCode: string | null;
  recoverable: boolean;
  /**
   * The pages the analysis could not read and skipped, and the pages' warnings (`page N: …`), so far or in the end:
   * a job can complete with pages missing, and a UI should say so.
   */
  skippedPages: readonly number[];
  warnings: readonly string[];
  /**
   * Whether this user may cancel / retry the job, as the server said in its reply to `job.get` (the job's owner, the
   * document's owner, admins). False until it has: offer Cancel and Retry only when true.
   */
  canCancel: boolean;
  canRetry: boolean;
  jobId: string | null;
  /** The whole state as one immutable snapshot. */
  state: ProcessingState;
  /**
   * Cancels the job (`job.cancel`). Rejects with the server's error (`forbidden`, `not_found`, ...), with `not_found`
   * when no job is known, and with `unavailable` before the provider's client exists or without a `documentId`
   * (as `useExport`'s `start` does): nothing is queued for later.
   */
  cancel: () => Promise<void>;
  /** Re-queues a failed or cancelled job (`job.retry`); rejects as `cancel` does. */
  retry: () => Promise<void>;
}

const idle = () => IDLE_PROCESSING;

/**
 * Nothing to act on yet: no client (the first render, server rendering) or no document. Rejected rather than queued:
 * a Cancel clicked now is about a job this hook does not know, and a button should not seem to work when it did not.
 */
const notYet = (documentId: string | null | undefined) =>
  Promise.reject(new SynclineError('unavailable', documentId ? 'not connected yet' : 'no document'));

/** A failed job's error code, as `processing_error` or `job.get` said it (null: it said none). */
interface FailureCode {
  documentId: string;
  jobId: string | null;
  code: string | null;
}

const codeOf = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/**
 * The error code of the failed job `jobId` of `documentId` (null while unknown, or until it fails): from the
 * `processing_error` event of the document (the tracker's state keeps its message, not its code), or, for a job that had
 * failed before (a page opened after it), asked once of `job.get`.
 */
function useFailureCode(documentId: string | null | undefined, jobId: string | null, failed: boolean) {
  const { runtime } = useSynclineContext();
  const client = runtime?.client ?? null;
  const [known, setKnown] = useState<FailureCode | null>(null);
  useEffect(() => {
    if (!client || !documentId) return;
    return client.subscribe('processing_error', (data) => {
      // An export's failure travels as `processing_error` too: not the processing job's.
      if (
        data.documentId !== documentId ||
        (data as { kind?: unknown }).kind === 'export' ||
        'exportId' in data
      )
        return;
      const d = data as { jobId?: unknown; code?: unknown };
      setKnown({ documentId, jobId: codeOf(d.jobId), code: codeOf(d.code) });
    });
  }, [client, documentId]);
  const isKnown = known !== null && known.documentId === documentId && known.jobId === jobId;
  useEffect(() => {
    if (!client || !documentId || !failed || isKnown) return;
    let live = true;
    client
      .request<{ job?: Partial<JobInfo> | null } | undefined>(JOB_METHODS.get, {
        documentId,
        kind: 'processing',
      })
      .then(
        (reply) => {
          const job = reply?.job;
          if (!live || !job || job.jobId !== jobId) return;
          // The event's code, if it came meanwhile, stands.
          setKnown((was) =>
            was?.documentId === documentId && was.jobId === jobId
              ? was
              : { documentId, jobId, code: codeOf(job.error?.code) },
          );
        },
        () => {}, // offline, or a server without job methods: unknown, as before
      );
    return () => {
      live = false;
    };
  }, [client, documentId, jobId, failed, isKnown]);
  return failed && isKnown ? known.code : null;
}

/**
 * A document's processing progress, live: `processing_started/progress/completed/error` events of the
 * document's room, and the server's view of the job (`job.get`) on mount and after every reconnect.
 */
export function useWebSocketProgress(documentId: string | null | undefined): WebSocketProgress {
  const { tracker: live, state } = useDocumentTracker(ProcessingTracker, documentId, idle);
  const errorCode = useFailureCode(documentId, state.jobId, state.processingStatus === 'failed');
  const cancel = useCallback(() => (live ? live.cancel() : notYet(documentId)), [live, documentId]);
  const retry = useCallback(() => (live ? live.retry() : notYet(documentId)), [live, documentId]);
  return useMemo(
    () => ({
      progress: state.progress,
      isProcessing: isProcessing(state.processingStatus),
      processingStatus: state.processingStatus,
      stage: state.stage,
      page: state.page,
      pages: state.pages,
      etaMs: state.etaMs,
      error: state.error,
      errorCode,
      recoverable: state.recoverable,
      skippedPages: state.skippedPages,
      warnings: state.warnings,
      canCancel: state.canCancel,
      canRetry: state.canRetry,
      jobId: state.jobId,
      state,
      cancel,
      retry,
    }),
    [state, errorCode, cancel, retry],
  );
}
