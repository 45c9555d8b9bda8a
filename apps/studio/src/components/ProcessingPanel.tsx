import { formatDuration, processingActions, useNotify, type WebSocketProgress } from '@syncline/react';
import { type FocusEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { firstTabbableFrom } from '../lib/focus-rescue.js';
import { processingNotes, stageLabel, timeLeft } from '../lib/processing-notes.js';

/**
 * Processing progress, laid out for Studio's document header (the state is `useWebSocketProgress`'s):
 * stage, page N of M, ETA, Cancel; Resume after a cancel, Retry after a failure that a retry can help. The buttons
 * are there only for those the server lets cancel and retry the job (its owner, the document's owner, admins);
 * everyone else in the document follows the progress. What the processing leaves to say (pages skipped, nothing or no
 * text found: processing-notes.ts) stays after it is done, until dismissed.
 *
 * A button that goes while it has the focus (Cancel, Resume or Retry once the job's state changes, Dismiss) passes it
 * to the panel's button now there (Resume after a cancel, Cancel once resumed), else to the panel; a panel gone with it
 * (Dismiss) to what follows it in the page, as if it had never been there: not to the page's body.
 */
export function ProcessingPanel({
  progress: p,
  zones,
  failureSaid = false,
  failureMessage = null,
}: {
  progress: WebSocketProgress;
  /** The document's zones and how many hold text, once its content is known (null before). */
  zones: { count: number; withText: number } | null;
  /** Why processing failed is said already (the PDF's note, for one protected by a password): a failure is not shown. */
  failureSaid?: boolean;
  /** What to say of a failure instead of the job's own message (its cause, in the user's words: `processingFailure`). */
  failureMessage?: string | null;
}) {
  const notify = useNotify();
  // The job whose notes were dismissed (a new job's come back).
  const [dismissed, setDismissed] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  // What had the focus in the panel, and what followed the panel in the page when it was last shown.
  const had = useRef<Element | null>(null);
  const after = useRef<Element | null>(null);
  useLayoutEffect(() => {
    const here = panel.current;
    if (here) after.current = here.nextElementSibling;
    const lost = had.current;
    if (!lost || lost.isConnected) return;
    had.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return; // it went somewhere already
    (here ? (here.querySelector<HTMLElement>('button') ?? here) : firstTabbableFrom(after.current))?.focus();
  });
  // On the panel (which takes the focus when its button went and no other is there).
  const focusKept = {
    ref: panel,
    tabIndex: -1,
    onFocus: (e: FocusEvent<HTMLElement>) => {
      had.current = e.target;
    },
    onBlur: (e: FocusEvent<HTMLElement>) => {
      // Gone elsewhere in the page (none: the window lost the focus, or the element went, for the effect above).
      if (e.relatedTarget instanceof Node && !e.currentTarget.contains(e.relatedTarget)) had.current = null;
    },
  };
  const status = p.processingStatus;
  if (status === 'idle' || (status === 'failed' && failureSaid)) return null;
  const finished = status === 'completed';
  const { notes, details } = processingNotes({
    finished: finished && zones !== null,
    skippedPages: p.skippedPages,
    warnings: p.warnings,
    zones: zones?.count ?? 0,
    zonesWithText: zones?.withText ?? 0,
  });
  const said =
    (notes.length > 0 || details.length > 0) && dismissed !== p.jobId ? (
      <div className="processing-notes" role="status" data-testid="processing-notes">
        {notes.map((n) => (
          <p key={n}>{n}</p>
        ))}
        {details.length > 0 && (
          <details>
            <summary>
              {details.length === 1 ? '1 warning' : `${details.length} warnings`} from the analysis
            </summary>
            <ul>
              {details.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </details>
        )}
        {finished && (
          <button type="button" className="small" onClick={() => setDismissed(p.jobId)}>
            Dismiss
          </button>
        )}
      </div>
    ) : null;
  if (finished) {
    return said ? (
      <section
        className="processing processing-completed"
        aria-label="Processing"
        data-testid="processing"
        {...focusKept}
      >
        {said}
      </section>
    ) : null;
  }
  const percent = Math.round(p.progress * 100);
  const offer = processingActions(p); // the same rule as `<ProcessingProgress>`
  const command = (what: 'cancel' | 'retry') => {
    (what === 'cancel' ? p.cancel() : p.retry()).catch((e: Error) =>
      notify({ kind: 'error', title: `Could not ${what}`, message: e.message }),
    );
  };
  return (
    <section
      className={`processing processing-${status}`}
      aria-label="Processing"
      data-testid="processing"
      {...focusKept}
    >
      {p.isProcessing ? (
        <>
          <div className="processing-line">
            <strong>Processing:</strong>
            <span data-testid="processing-stage">{stageLabel(p.stage, status)}</span>
            {p.pages ? (
              <span data-testid="processing-pages">
                page {Math.min(p.pages, (p.page ?? 0) + (p.progress < 1 ? 1 : 0))} of {p.pages}
              </span>
            ) : null}
            {p.etaMs != null && <span>{timeLeft(p.etaMs, formatDuration)}</span>}
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
          {p.error && status === 'failed' && (
            <span data-testid="processing-error">{failureMessage ?? p.error}</span>
          )}
          {offer.retry && (
            <button type="button" className="small" onClick={() => command('retry')}>
              {status === 'cancelled' ? 'Resume' : 'Retry'}
            </button>
          )}
        </div>
      )}
      {said}
    </section>
  );
}

/** Processing under way (or about to be). */
const running = (status: string) => status === 'queued' || status === 'processing';

/**
 * What a screen reader is told of processing as it ends or starts again while the document is open: done, cancelled
 * (by anyone), failed and why, resumed. The panel's lines show it, but nothing there is a live region (its progress,
 * which changes at every page, must not be one), so it changed silently. A status of its own, always in the page (a
 * live region put in with its text is not reliably read), visually hidden: "Processing failed: the PDF has no pages."
 * Only what changes while the document is open: a document opened on a job that ended before is not announced.
 */
export function ProcessingAnnouncer({
  progress: p,
  failureSaid = false,
  failureMessage = null,
}: {
  progress: WebSocketProgress;
  /** As `ProcessingPanel`'s: the failure is said already (the PDF's note), and how to say it. */
  failureSaid?: boolean;
  failureMessage?: string | null;
}) {
  const [said, setSaid] = useState('');
  const was = useRef(p.processingStatus);
  const status = p.processingStatus;
  useEffect(() => {
    const before = was.current;
    was.current = status;
    if (before === status) return;
    const at = p.page != null && p.pages ? ` after page ${p.page} of ${p.pages}` : '';
    if (running(before)) {
      if (status === 'completed') setSaid('Processing done.');
      else if (status === 'cancelled') setSaid(`Processing cancelled${at}.`);
      else if (status === 'failed' && !failureSaid) {
        const why = failureMessage ?? p.error;
        setSaid(`Processing failed${at}${why ? `: ${why.replace(/\.$/, '')}` : ''}.`);
      }
    } else if ((before === 'cancelled' || before === 'failed') && running(status)) {
      setSaid('Processing resumed.');
    }
  }, [status, p.page, p.pages, p.error, failureSaid, failureMessage]);
  return (
    <p className="visually-hidden" role="status" data-testid="processing-announcement">
      {said}
    </p>
  );
}
