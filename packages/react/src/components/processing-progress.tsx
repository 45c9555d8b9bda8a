'use client';
import type { ReactNode } from 'react';
import { useWebSocketProgress } from '../use-websocket-progress.js';

export interface ProcessingProgressProps {
  documentId: string;
  className?: string;
  /** Hide once completed. Default false. */
  hideWhenDone?: boolean;
}

const STATUS_LABELS: Record<string, string> = {
  idle: 'Not processed',
  queued: 'Queued',
  processing: 'Processing',
  completed: 'Processed',
  failed: 'Processing failed',
  cancelled: 'Cancelled',
};

/**
 * Processing of a document: stage, page N of M, a progress bar, ETA, Cancel (and Retry after a failure), the buttons
 * only to users the server lets cancel and retry the job.
 */
export function ProcessingProgress({
  documentId,
  className,
  hideWhenDone = false,
}: ProcessingProgressProps): ReactNode {
  const p = useWebSocketProgress(documentId);
  if (p.processingStatus === 'idle' || (hideWhenDone && p.processingStatus === 'completed')) return null;
  const percent = Math.round(p.progress * 100);
  return (
    <section
      className={['syncline-progress', className].filter(Boolean).join(' ')}
      data-status={p.processingStatus}
      aria-label="Processing progress"
    >
      <div className="syncline-progress__status" role="status" aria-live="polite">
        {STATUS_LABELS[p.processingStatus]}
        {p.isProcessing && p.stage ? <span className="syncline-progress__stage"> · {p.stage}</span> : null}
        {p.pages ? (
          <span className="syncline-progress__pages">
            {' '}
            · page {Math.min(p.pages, (p.page ?? 0) + (p.isProcessing ? 1 : 0))} of {p.pages}
          </span>
        ) : null}
        {p.isProcessing && p.etaMs !== null ? (
          <span className="syncline-progress__eta"> · about {formatDuration(p.etaMs)} left</span>
        ) : null}
      </div>
      <progress
        className="syncline-progress__bar"
        max={100}
        value={percent}
        aria-label={`${percent}% processed`}
      >
        {percent}%
      </progress>
      {p.error ? (
        <p className="syncline-progress__error" role="alert">
          {p.error}
        </p>
      ) : null}
      {p.isProcessing && p.canCancel && (
        <button
          type="button"
          className="syncline-progress__cancel"
          onClick={() => void p.cancel().catch(() => {})}
        >
          Cancel
        </button>
      )}
      {p.canRetry &&
      ((p.processingStatus === 'failed' && p.recoverable) || p.processingStatus === 'cancelled') ? (
        <button
          type="button"
          className="syncline-progress__retry"
          onClick={() => void p.retry().catch(() => {})}
        >
          Retry
        </button>
      ) : null}
    </section>
  );
}

/** `42 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
