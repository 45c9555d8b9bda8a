'use client';
import { SynclineError } from '@syncline/client';
import { useCallback, useMemo } from 'react';
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

/**
 * A document's processing progress, live: `processing_started/progress/completed/error` events of the
 * document's room, and the server's view of the job (`job.get`) on mount and after every reconnect.
 */
export function useWebSocketProgress(documentId: string | null | undefined): WebSocketProgress {
  const { tracker: live, state } = useDocumentTracker(ProcessingTracker, documentId, idle);
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
    [state, cancel, retry],
  );
}
