import { formatDuration, processingActions, useNotify, type WebSocketProgress } from '@syncline/react';

/**
 * Processing progress, laid out for Studio's document header (the state is `useWebSocketProgress`'s):
 * stage, page N of M, ETA, Cancel; Resume after a cancel, Retry after a failure that a retry can help. The buttons
 * are there only for those the server lets cancel and retry the job (its owner, the document's owner, admins);
 * everyone else in the document follows the progress.
 */
export function ProcessingPanel({ progress: p }: { progress: WebSocketProgress }) {
  const notify = useNotify();
  const status = p.processingStatus;
  if (status === 'idle' || status === 'completed') return null;
  const percent = Math.round(p.progress * 100);
  const offer = processingActions(p); // the same rule as `<ProcessingProgress>`
  const command = (what: 'cancel' | 'retry') => {
    (what === 'cancel' ? p.cancel() : p.retry()).catch((e: Error) =>
      notify({ kind: 'error', title: `Could not ${what}`, message: e.message }),
    );
  };
  return (
    <section className={`processing processing-${status}`} aria-label="Processing" data-testid="processing">
      {p.isProcessing ? (
        <>
          <div className="processing-line">
            <strong>Processing</strong>
            <span data-testid="processing-stage">{p.stage ?? status}</span>
            {p.pages ? (
              <span data-testid="processing-pages">
                page {Math.min(p.pages, (p.page ?? 0) + (p.progress < 1 ? 1 : 0))} of {p.pages}
              </span>
            ) : null}
            {p.etaMs != null && <span>about {formatDuration(p.etaMs)} left</span>}
            {offer.cancel && (
              <button type="button" className="small danger" onClick={() => command('cancel')}>
                Cancel
              </button>
            )}
          </div>
          <progress max={100} value={percent} aria-label="Processing progress">
            {percent}%
          </progress>
        </>
      ) : (
        <div className="processing-line">
          <strong data-testid="processing-state">
            {status === 'cancelled' ? 'Processing cancelled' : 'Processing failed'}
            {p.page != null && p.pages ? ` after page ${p.page} of ${p.pages}` : ''}
          </strong>
          {p.error && status === 'failed' && <span>{p.error}</span>}
          {offer.retry && (
            <button type="button" className="small" onClick={() => command('retry')}>
              {status === 'cancelled' ? 'Resume' : 'Retry'}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
