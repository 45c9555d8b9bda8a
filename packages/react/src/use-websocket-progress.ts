'use client';
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
   * Whether this user may cancel / retry the job, as the server said in its reply to `job.get` (the job's owner, the
   * document's owner, admins). False until it has: offer Cancel and Retry only when true.
   */
  canCancel: boolean;
  canRetry: boolean;
  jobId: string | null;
  /** The whole state as one immutable snapshot. */
  state: ProcessingState;
  /** Cancels the job (`job.cancel`). */
  cancel: () => Promise<void>;
  /** Re-queues a failed or cancelled job (`job.retry`). */
  retry: () => Promise<void>;
}

const idle = () => IDLE_PROCESSING;

/**
 * A document's processing progress, live: `processing_started/progress/completed/error` events of the
 * document's room, and the server's view of the job (`job.get`) on mount and after every reconnect.
 */
export function useWebSocketProgress(documentId: string | null | undefined): WebSocketProgress {
  const { tracker: live, state } = useDocumentTracker(ProcessingTracker, documentId, idle);
  const cancel = useCallback(() => (live ? live.cancel() : Promise.resolve()), [live]);
  const retry = useCallback(() => (live ? live.retry() : Promise.resolve()), [live]);
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
