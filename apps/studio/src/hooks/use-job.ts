import type { EventData, JobInfo } from '@syncline/protocol';
import { useCallback, useEffect, useState } from 'react';
import { useStudio } from './studio-context.js';
import { notify } from './use-notifications.js';

export interface JobView {
  job: JobInfo | null;
  /** The latest progress tick (fresher than `job`). */
  progress: number;
  stage: string | null;
  page: number | null;
  pages: number | null;
  etaMs: number | null;
  running: boolean;
  error: string | null;
  cancel: () => Promise<void>;
  retry: () => Promise<void>;
}

interface Live {
  progress: number;
  stage: string | null;
  page: number | null;
  pages: number | null;
  etaMs: number | null;
}

const IDLE: Live = { progress: 0, stage: null, page: null, pages: null, etaMs: null };

/**
 * The document's processing job: fetched with `job.get`, kept live by `processing_*` events, and fetched
 * again when `processingStatus` (the document's `meta.processing.status`) changes.
 */
export function useJob(documentId: string, processingStatus?: string): JobView {
  const { client } = useStudio();
  const [job, setJob] = useState<JobInfo | null>(null);
  const [live, setLive] = useState<Live>(IDLE);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const reply = await client.request<{ job: JobInfo | null }>('job.get', { documentId });
      setJob(reply.job);
      if (reply.job)
        setLive({
          progress: reply.job.progress,
          stage: reply.job.stage,
          page: reply.job.page,
          pages: reply.job.pages,
          etaMs: null,
        });
    } catch {
      // jobs not available on this server, or offline: nothing to show
    }
  }, [client, documentId]);

  useEffect(() => {
    void refresh();
    const mine = (d: { documentId?: string }) => d.documentId === documentId;
    const offs = [
      client.subscribe('processing_started', (d) => {
        if (!mine(d)) return;
        setError(null);
        void refresh();
      }),
      client.subscribe('processing_progress', (d: EventData<'processing_progress'>) => {
        if (!mine(d)) return;
        setLive({
          progress: d.progress,
          stage: d.stage ?? null,
          page: d.page ?? null,
          pages: d.pages ?? null,
          etaMs: d.etaMs ?? null,
        });
      }),
      client.subscribe('processing_completed', (d) => mine(d) && void refresh()),
      client.subscribe('processing_error', (d) => {
        if (!mine(d)) return;
        setError(d.error);
        void refresh();
      }),
      client.on('welcome', () => void refresh()),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, documentId, refresh]);

  useEffect(() => {
    if (processingStatus !== undefined) void refresh();
  }, [processingStatus, refresh]);

  const cancel = useCallback(async () => {
    if (!job) return;
    try {
      const reply = await client.request<{ job: JobInfo }>('job.cancel', { jobId: job.jobId });
      setJob(reply.job);
    } catch (e) {
      notify('error', `Could not cancel: ${(e as Error).message}`);
    }
  }, [client, job]);

  const retry = useCallback(async () => {
    if (!job) return;
    try {
      const reply = await client.request<{ job: JobInfo }>('job.retry', { jobId: job.jobId });
      setError(null);
      setJob(reply.job);
    } catch (e) {
      notify('error', `Could not retry: ${(e as Error).message}`);
    }
  }, [client, job]);

  const running = job?.state === 'running' || job?.state === 'queued';
  return {
    job,
    ...live,
    running,
    error: job?.state === 'failed' ? (job.error?.message ?? error) : error,
    cancel,
    retry,
  };
}
