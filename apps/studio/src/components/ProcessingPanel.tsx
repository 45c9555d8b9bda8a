import type { JobView } from '../hooks/use-job.js';

const formatEta = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

/** Processing progress: stage, page N of M, ETA, Cancel; Retry after a failure or a cancel. */
export function ProcessingPanel({ job }: { job: JobView }) {
  if (job.job?.kind !== 'processing') return null;
  const state = job.job.state;
  if (state === 'completed') return null;
  const percent = Math.round(job.progress * 100);
  return (
    <section className={`processing processing-${state}`} aria-label="Processing" data-testid="processing">
      {job.running ? (
        <>
          <div className="processing-line">
            <strong>Processing</strong>
            <span data-testid="processing-stage">{job.stage ?? 'queued'}</span>
            {job.pages ? (
              <span data-testid="processing-pages">
                page {Math.min(job.pages, (job.page ?? 0) + (job.progress < 1 ? 1 : 0))} of {job.pages}
              </span>
            ) : null}
            {job.etaMs != null && <span>about {formatEta(job.etaMs)} left</span>}
            <button type="button" className="small danger" onClick={() => void job.cancel()}>
              Cancel
            </button>
          </div>
          <progress max={100} value={percent} aria-label="Processing progress">
            {percent}%
          </progress>
        </>
      ) : (
        <div className="processing-line">
          <strong data-testid="processing-state">
            {state === 'cancelled' ? 'Processing cancelled' : 'Processing failed'}
            {job.job.page != null && job.job.pages ? ` after page ${job.job.page} of ${job.job.pages}` : ''}
          </strong>
          {job.error && state === 'failed' && <span>{job.error}</span>}
          <button type="button" className="small" onClick={() => void job.retry()}>
            {state === 'cancelled' ? 'Resume' : 'Retry'}
          </button>
        </div>
      )}
    </section>
  );
}
