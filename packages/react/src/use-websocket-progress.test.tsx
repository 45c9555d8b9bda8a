// @vitest-environment jsdom

import { SynclineError } from '@syncline/server';
import { act, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ProcessingProgress } from './components/processing-progress.js';
import { countListeners, type TestWorld, trackingWebSocket, until, worldPerTest } from './testing/server.js';
import { useWebSocketProgress, type WebSocketProgress } from './use-websocket-progress.js';

type Job = {
  jobId: string;
  kind: 'processing';
  state: string;
  progress: number;
  stage: string | null;
  page: number | null;
  pages: number | null;
  error: { code: string; message: string; recoverable: boolean } | null;
  permissions?: { cancel: boolean; retry: boolean };
};

/**
 * The job methods as the server's contract describes them (`job.get {documentId}`, `job.cancel {jobId}`),
 * over one job the test moves along, publishing the events a processing run publishes.
 */
function installJobs(world: TestWorld, documentId: string, extra: Partial<Job> = {}) {
  const calls: { method: string; data: unknown }[] = [];
  const job: Job = {
    jobId: 'job-1',
    kind: 'processing',
    state: 'running',
    progress: 0.4,
    stage: 'ocr',
    page: 4,
    pages: 10,
    error: null,
    ...extra,
  };
  world.server.handle('job.get', (data) => {
    calls.push({ method: 'job.get', data });
    return { job: { ...job, documentId } };
  });
  world.server.handle('job.cancel', async (data) => {
    calls.push({ method: 'job.cancel', data });
    job.state = 'cancelled';
    await world.server.broadcast(`doc:${documentId}`, 'processing_error', {
      documentId,
      jobId: job.jobId,
      error: 'cancelled',
      code: 'cancelled',
      recoverable: true,
    } as never);
    return { job: { ...job, documentId } };
  });
  const publish = (
    type: 'processing_progress' | 'processing_completed' | 'processing_started',
    data: object,
  ) => world.server.broadcast(`doc:${documentId}`, type, { documentId, jobId: job.jobId, ...data } as never);
  return { job, calls, publish };
}

describe('useWebSocketProgress', () => {
  const setup = worldPerTest();

  it('starts from job.get, follows the events, and asks again after a reconnect', async () => {
    const { world, documentId } = setup;
    const jobs = installJobs(world, documentId);
    const net = trackingWebSocket();
    const client = world.client('ann', { WebSocket: net.WebSocket });
    const { result } = renderHook(() => useWebSocketProgress(documentId), { wrapper: world.wrapper(client) });
    await until(() => result.current.isProcessing);
    expect(result.current).toMatchObject({ progress: 0.4, stage: 'ocr', page: 4, pages: 10, jobId: 'job-1' });
    expect(result.current.processingStatus).toBe('processing');

    await until(() => world.server.hub.sessions.size > 0 && jobs.calls.length === 1);
    await jobs.publish('processing_progress', {
      progress: 0.6,
      stage: 'layout',
      page: 6,
      pages: 10,
      etaMs: 4000,
    });
    await until(() => result.current.progress === 0.6);
    expect(result.current).toMatchObject({ stage: 'layout', page: 6, etaMs: 4000 });

    // Offline while the job moved on: after the reconnect, job.get tells where it is.
    jobs.job.progress = 0.9;
    jobs.job.page = 9;
    jobs.job.stage = 'zones';
    net.sockets[0].terminate();
    await until(() => jobs.calls.length === 2);
    await until(() => result.current.progress === 0.9);
    expect(result.current.page).toBe(9);

    await jobs.publish('processing_completed', { zones: 42, confidence: 0.9 });
    await until(() => result.current.processingStatus === 'completed');
    expect(result.current).toMatchObject({ progress: 1, isProcessing: false });
    expect(result.current.state.zones).toBe(42);
  });

  it('renders stage, page N of M, ETA and a Cancel that calls job.cancel', async () => {
    const { world, documentId } = setup;
    const jobs = installJobs(world, documentId);
    const client = world.client('ann');
    const Wrapper = world.wrapper(client);
    render(
      <Wrapper>
        <ProcessingProgress documentId={documentId} />
      </Wrapper>,
    );
    await until(() => screen.queryByRole('status')?.textContent?.includes('page 5 of 10'));
    await jobs.publish('processing_progress', {
      progress: 0.5,
      stage: 'ocr',
      page: 5,
      pages: 10,
      etaMs: 65_000,
    });
    await until(() => screen.getByRole('status').textContent?.includes('about 1 min left'));
    expect(screen.getByRole('status').textContent).toContain('ocr');
    expect(screen.getByLabelText('50% processed')).toBeTruthy();

    const cancel = screen.getByRole('button', { name: 'Cancel' });
    cancel.focus();
    fireEvent.click(cancel);
    await until(() => screen.getByRole('status').textContent?.startsWith('Cancelled'));
    expect(jobs.calls.find((c) => c.method === 'job.cancel')?.data).toEqual({ jobId: 'job-1' });
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    // The keyboard stays where it was: on the button that took Cancel's place, not on the page's body.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Retry' }));
  });

  it('offers Cancel and Retry only to a user the server lets cancel and retry the job', async () => {
    const { world, documentId } = setup;
    const jobs = installJobs(world, documentId, { permissions: { cancel: false, retry: false } });
    const client = world.client('ben');
    const Wrapper = world.wrapper(client);
    const { result } = renderHook(() => useWebSocketProgress(documentId), { wrapper: Wrapper });
    render(
      <Wrapper>
        <ProcessingProgress documentId={documentId} />
      </Wrapper>,
    );
    await until(() => screen.queryByRole('status')?.textContent?.includes('page 5 of 10'));
    expect(result.current).toMatchObject({ canCancel: false, canRetry: false });
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    await jobs.publish('processing_progress', { progress: 0.5, stage: 'ocr', page: 5, pages: 10 });
    await until(() => result.current.progress === 0.5);
    expect(result.current.canCancel).toBe(false);
    // Cancelled by its owner: Ben follows it, but is not offered Retry either.
    await world.server.broadcast(`doc:${documentId}`, 'processing_error', {
      documentId,
      jobId: 'job-1',
      error: 'cancelled',
      code: 'cancelled',
      recoverable: true,
    } as never);
    await until(() => screen.getByRole('status').textContent?.startsWith('Cancelled'));
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(result.current.canRetry).toBe(false);
  });

  it('asks job.get about a job it first hears of in events, and offers Cancel once the server says so', async () => {
    const { world, documentId } = setup;
    const calls: unknown[] = [];
    let job: object | null = null;
    world.server.handle('job.get', (data) => {
      calls.push(data);
      return { job };
    });
    const client = world.client('ada');
    const { result } = renderHook(() => useWebSocketProgress(documentId), { wrapper: world.wrapper(client) });
    await until(() => calls.length === 1 && world.server.hub.room(`doc:${documentId}`).subs.size > 0);
    expect(calls[0]).toEqual({ documentId, kind: 'processing' });
    // A job started after the page opened (Ada is an admin: nothing in the event says she may cancel it).
    job = {
      jobId: 'j2',
      kind: 'processing',
      state: 'running',
      progress: 0,
      documentId,
      permissions: { cancel: true, retry: true },
    };
    await world.server.broadcast(`doc:${documentId}`, 'processing_started', {
      documentId,
      jobId: 'j2',
      estimatedTime: 1000,
      pages: 3,
    } as never);
    await until(() => result.current.isProcessing);
    await until(() => result.current.canCancel);
    expect(result.current).toMatchObject({ jobId: 'j2', canRetry: true });
    expect(calls).toHaveLength(2);
    // Known from then on: more events of the job ask nothing.
    await world.server.broadcast(`doc:${documentId}`, 'processing_progress', {
      documentId,
      jobId: 'j2',
      progress: 0.5,
    } as never);
    await until(() => result.current.progress === 0.5);
    expect(result.current.canCancel).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('asks again, on the next event, about a job whose job.get failed', async () => {
    const { world, documentId } = setup;
    const calls: unknown[] = [];
    let fail = false;
    let job: object | null = null;
    world.server.handle('job.get', (data) => {
      calls.push(data);
      if (fail) throw new SynclineError('unavailable', 'the job store is busy');
      return { job };
    });
    const client = world.client('ada');
    const { result } = renderHook(() => useWebSocketProgress(documentId), { wrapper: world.wrapper(client) });
    await until(() => calls.length === 1 && world.server.hub.room(`doc:${documentId}`).subs.size > 0);
    job = {
      jobId: 'j2',
      kind: 'processing',
      state: 'running',
      progress: 0,
      documentId,
      permissions: { cancel: true, retry: true },
    };
    fail = true;
    await world.server.broadcast(`doc:${documentId}`, 'processing_started', {
      documentId,
      jobId: 'j2',
      estimatedTime: 1000,
      pages: 3,
    } as never);
    await until(() => result.current.isProcessing && calls.length === 2);
    // Let the failed answer come back (the in-process server answers within a turn or two).
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)));
    expect(result.current.canCancel).toBe(false);
    fail = false;
    // No reconnect: the job's next event asks again.
    await world.server.broadcast(`doc:${documentId}`, 'processing_progress', {
      documentId,
      jobId: 'j2',
      progress: 0.5,
    } as never);
    await until(() => result.current.canCancel);
    expect(result.current).toMatchObject({ progress: 0.5, canRetry: true });
    expect(calls).toHaveLength(3);
  });

  it('shows why a Cancel failed, beside the buttons, until the job moves on', async () => {
    const { world, documentId } = setup;
    const jobs = installJobs(world, documentId);
    world.server.handle('job.cancel', () => {
      throw new SynclineError('forbidden', 'only the owner may cancel this job');
    });
    const Wrapper = world.wrapper(world.client('ann'));
    render(
      <Wrapper>
        <ProcessingProgress documentId={documentId} />
      </Wrapper>,
    );
    await until(() => screen.queryByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Could not cancel: only the owner may cancel this job');
    expect(alert.className).toBe('syncline-progress__action-error');
    // The job finishes: the failure was about a job that is no longer running, and goes.
    await jobs.publish('processing_completed', { zones: 3, confidence: 1 });
    await until(() => screen.getByRole('status').textContent?.startsWith('Processed'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows why a Retry failed', async () => {
    const { world, documentId } = setup;
    installJobs(world, documentId, { state: 'cancelled', progress: 0.4 });
    world.server.handle('job.retry', () => {
      throw new SynclineError('invalid', 'the job is running again');
    });
    const Wrapper = world.wrapper(world.client('ann'));
    render(
      <Wrapper>
        <ProcessingProgress documentId={documentId} />
      </Wrapper>,
    );
    await until(() => screen.queryByRole('button', { name: 'Retry' }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Could not retry: the job is running again');
  });

  it('rejects cancel and retry while there is nothing to follow yet, as useExport.start does', async () => {
    const { world } = setup;
    const client = world.client('ann');
    // No document yet (a page still choosing one): there is no job to cancel.
    const { result } = renderHook(() => useWebSocketProgress(null), { wrapper: world.wrapper(client) });
    await expect(result.current.cancel()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(result.current.retry()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('rejects cancel and retry from before the provider made its client', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const first: WebSocketProgress[] = [];
    renderHook(
      () => {
        const p = useWebSocketProgress(documentId);
        if (first.length === 0) first.push(p);
        return p;
      },
      { wrapper: world.wrapper(client) },
    );
    await expect(first[0].cancel()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(first[0].retry()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('says the error code of a job that fails, from its event, and of one that had failed, from job.get', async () => {
    const { world, documentId } = setup;
    const jobs = installJobs(world, documentId);
    const client = world.client('ann');
    const { result } = renderHook(() => useWebSocketProgress(documentId), { wrapper: world.wrapper(client) });
    await until(() => result.current.isProcessing);
    expect(result.current.errorCode).toBeNull();
    const error = {
      code: 'encrypted_pdf',
      message: 'the PDF is encrypted and needs a password',
      recoverable: false,
    };
    Object.assign(jobs.job, { state: 'failed', error });
    await world.server.broadcast(`doc:${documentId}`, 'processing_error', {
      documentId,
      jobId: jobs.job.jobId,
      error: error.message,
      code: error.code,
      recoverable: false,
    } as never);
    await until(() => result.current.processingStatus === 'failed');
    await until(() => result.current.errorCode === 'encrypted_pdf');
    // An export's failure of the same document says nothing of the processing job.
    await world.server.broadcast(`doc:${documentId}`, 'processing_error', {
      documentId,
      jobId: 'e1',
      exportId: 'e1',
      kind: 'export',
      error: 'disk full',
      code: 'internal',
      recoverable: true,
    } as never);
    // A new job (a retry) is not failed: no code, until it fails in turn.
    await world.server.broadcast(`doc:${documentId}`, 'processing_started', {
      documentId,
      jobId: 'job-2',
      estimatedTime: 1000,
      pages: 3,
    } as never);
    await until(() => result.current.jobId === 'job-2' && result.current.isProcessing);
    expect(result.current.errorCode).toBeNull();

    // Opened after the job failed: job.get's error says why.
    const other = `${documentId}-failed`;
    installJobs(world, other, {
      state: 'failed',
      stage: 'failed',
      error: { code: 'corrupt_pdf', message: 'the PDF is damaged', recoverable: false },
    });
    const late = renderHook(() => useWebSocketProgress(other), { wrapper: world.wrapper(client) });
    await until(() => late.result.current.processingStatus === 'failed');
    await until(() => late.result.current.errorCode === 'corrupt_pdf');
    expect(late.result.current.error).toBe('the PDF is damaged');
    late.unmount();
  });

  it('works from events alone when the server has no job methods', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const listeners = countListeners(client);
    const { result, unmount } = renderHook(() => useWebSocketProgress(documentId), {
      wrapper: world.wrapper(client),
    });
    await until(() => client.state === 'open' && world.server.hub.room(`doc:${documentId}`).subs.size > 0);
    expect(result.current.processingStatus).toBe('idle');
    await world.server.broadcast(`doc:${documentId}`, 'processing_started', {
      documentId,
      jobId: 'j9',
      estimatedTime: 10_000,
      pages: 4,
    } as never);
    await until(() => result.current.isProcessing);
    expect(result.current).toMatchObject({ pages: 4, page: 0, etaMs: 10_000, jobId: 'j9' });
    await world.server.broadcast(`doc:${documentId}`, 'processing_error', {
      documentId,
      jobId: 'j9',
      error: 'the PDF is encrypted',
      code: 'encrypted_pdf',
      recoverable: false,
    } as never);
    await until(() => result.current.processingStatus === 'failed');
    expect(result.current.error).toBe('the PDF is encrypted');
    await until(() => result.current.errorCode === 'encrypted_pdf');
    unmount();
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(listeners.active).toBe(0);
  });
});
