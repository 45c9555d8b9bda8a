'use client';
import { type FocusEvent, type ReactNode, useRef, useState } from 'react';
import { type ProcessingStatus, processingActions } from '../processing-state.js';
import { useBrowserLayoutEffect } from '../use-browser-layout-effect.js';
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

/** A Cancel or Retry that failed, with the job's state it was about. */
interface ActionFailure {
  message: string;
  jobId: string | null;
  status: ProcessingStatus;
}

/**
 * Processing of a document: stage, page N of M, a progress bar, ETA, Cancel (and Retry after a failure), the buttons
 * only to users the server lets cancel and retry the job. A Cancel or Retry the server refuses (or that fails) says
 * why beside the buttons (`syncline-progress__action-error`, an alert), until the job moves on or the next click.
 * A button that goes while it has the focus (Cancel once the job is cancelled, Retry once it runs again) passes it to
 * the button now there (Retry, Cancel), else to the section: not to the page's body, which would send a keyboard user
 * back to the top of the page.
 */
export function ProcessingProgress({
  documentId,
  className,
  hideWhenDone = false,
}: ProcessingProgressProps): ReactNode {
  const p = useWebSocketProgress(documentId);
  const [failure, setFailure] = useState<ActionFailure | null>(null);
  const section = useRef<HTMLElement>(null);
  // What had the focus in the section: when it is gone from the page, the focus went with it.
  const had = useRef<Element | null>(null);
  useBrowserLayoutEffect(() => {
    const lost = had.current;
    if (!lost || lost.isConnected) return;
    had.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return; // it went somewhere already
    const here = section.current;
    (here?.querySelector<HTMLElement>('button') ?? here)?.focus();
  });
  if (p.processingStatus === 'idle' || (hideWhenDone && p.processingStatus === 'completed')) return null;
  const percent = Math.round(p.progress * 100);
  const offer = processingActions(p);
  const run = (action: 'cancel' | 'retry') => {
    setFailure(null);
    const about = { jobId: p.jobId, status: p.processingStatus };
    (action === 'cancel' ? p.cancel() : p.retry()).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      setFailure({ ...about, message: `Could not ${action}: ${reason}` });
    });
  };
  // Shown while the job is where it was when the action failed: once it moved on, the failure is old news.
  const shownFailure =
    failure && failure.jobId === p.jobId && failure.status === p.processingStatus ? failure.message : null;
  return (
    <section
      className={['syncline-progress', className].filter(Boolean).join(' ')}
      data-status={p.processingStatus}
      aria-label="Processing progress"
      ref={section}
      tabIndex={-1}
      onFocus={(e: FocusEvent<HTMLElement>) => {
        had.current = e.target;
      }}
      onBlur={(e: FocusEvent<HTMLElement>) => {
        // Gone elsewhere in the page (none: the window lost the focus, or the element went, for the effect above).
        if (e.relatedTarget instanceof Node && !e.currentTarget.contains(e.relatedTarget)) had.current = null;
      }}
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
      {offer.cancel && (
        <button type="button" className="syncline-progress__cancel" onClick={() => run('cancel')}>
          Cancel
        </button>
      )}
      {offer.retry ? (
        <button type="button" className="syncline-progress__retry" onClick={() => run('retry')}>
          Retry
        </button>
      ) : null}
      {shownFailure ? (
        <p className="syncline-progress__action-error" role="alert">
          {shownFailure}
        </p>
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
