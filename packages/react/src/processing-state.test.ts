import { describe, expect, it } from 'vitest';
import {
  fromJob,
  IDLE_PROCESSING,
  processingActions,
  reduceProcessing,
  withPermissions,
} from './processing-state.js';

describe('processing state', () => {
  const documentId = 'd1';
  it('follows a run from start to completion', () => {
    let s = reduceProcessing(IDLE_PROCESSING, {
      type: 'processing_started',
      data: { documentId, jobId: 'j1', estimatedTime: 5000, pages: 4, startPage: 1 } as never,
    });
    expect(s).toMatchObject({ processingStatus: 'processing', page: 0, pages: 4, etaMs: 5000, progress: 0 });
    s = reduceProcessing(s, {
      type: 'processing_progress',
      data: { documentId, jobId: 'j1', progress: 0.5, stage: 'ocr', page: 2, pages: 4, etaMs: 2500 },
    });
    expect(s).toMatchObject({ progress: 0.5, stage: 'ocr', page: 2, etaMs: 2500 });
    s = reduceProcessing(s, {
      type: 'processing_completed',
      data: { documentId, jobId: 'j1', zones: 12, confidence: 0.8 },
    });
    expect(s).toMatchObject({
      processingStatus: 'completed',
      progress: 1,
      page: 4,
      zones: 12,
      confidence: 0.8,
    });
    // A late progress tick of the finished job changes nothing.
    const late = reduceProcessing(s, {
      type: 'processing_progress',
      data: { documentId, jobId: 'j1', progress: 0.9 },
    });
    expect(late).toBe(s);
  });

  it('keeps the skipped pages and warnings: from progress ticks, completion, a resumed run and job.get', () => {
    let s = reduceProcessing(IDLE_PROCESSING, {
      type: 'processing_started',
      data: { documentId, jobId: 'j1', estimatedTime: 5000, pages: 3, startPage: 1 } as never,
    });
    s = reduceProcessing(s, {
      type: 'processing_progress',
      data: {
        documentId,
        jobId: 'j1',
        progress: 2 / 3,
        page: 2,
        pages: 3,
        warnings: ['page 2: skipped: cannot be parsed (bad)'],
      },
    });
    expect(s.warnings).toEqual(['page 2: skipped: cannot be parsed (bad)']);
    // A resumed run of the same job keeps them; a tick repeating one does not add it twice.
    s = reduceProcessing(s, {
      type: 'processing_started',
      data: { documentId, jobId: 'j1', estimatedTime: 1000, pages: 3, startPage: 3 } as never,
    });
    s = reduceProcessing(s, {
      type: 'processing_progress',
      data: {
        documentId,
        jobId: 'j1',
        progress: 1,
        page: 3,
        pages: 3,
        warnings: ['page 2: skipped: cannot be parsed (bad)'],
      },
    });
    expect(s.warnings).toHaveLength(1);
    s = reduceProcessing(s, {
      type: 'processing_completed',
      data: {
        documentId,
        jobId: 'j1',
        zones: 4,
        confidence: 0.9,
        pages: 3,
        skippedPages: [2],
        warnings: ['page 2: skipped: cannot be parsed (bad)'],
      } as never,
    });
    expect(s).toMatchObject({
      processingStatus: 'completed',
      skippedPages: [2],
      warnings: [expect.any(String)],
    });
    // Opened later: the job's result says the same.
    expect(
      fromJob({
        jobId: 'j1',
        kind: 'processing',
        state: 'completed',
        result: { pages: 3, zones: 4, confidence: 0.9, skippedPages: [2], warnings: ['page 2: skipped: x'] },
      }),
    ).toMatchObject({ skippedPages: [2], warnings: ['page 2: skipped: x'], zones: 4 });
    // Another job starts clean.
    const next = reduceProcessing(s, {
      type: 'processing_started',
      data: { documentId, jobId: 'j2', estimatedTime: 1000, pages: 3, startPage: 1 } as never,
    });
    expect(next).toMatchObject({ skippedPages: [], warnings: [] });
  });

  it('tells a cancellation from a failure', () => {
    const running = fromJob({
      jobId: 'j1',
      kind: 'processing',
      state: 'running',
      progress: 0.3,
      page: 3,
      pages: 10,
    });
    const cancelled = reduceProcessing(running, {
      type: 'processing_error',
      data: { documentId, jobId: 'j1', error: 'cancelled', code: 'cancelled', recoverable: true } as never,
    });
    expect(cancelled).toMatchObject({
      processingStatus: 'cancelled',
      error: null,
      recoverable: true,
      page: 3,
    });
    const failed = reduceProcessing(running, {
      type: 'processing_error',
      data: { documentId, jobId: 'j1', error: 'bad PDF', recoverable: false },
    });
    expect(failed).toMatchObject({ processingStatus: 'failed', error: 'bad PDF', recoverable: false });
  });

  it('reads job.get replies, ignoring export jobs and nulls', () => {
    expect(fromJob(null)).toBe(IDLE_PROCESSING);
    expect(fromJob({ jobId: 'e1', kind: 'export', state: 'running' })).toBe(IDLE_PROCESSING);
    expect(
      fromJob({
        jobId: 'j1',
        kind: 'processing',
        state: 'failed',
        progress: 0.2,
        error: { code: 'timeout', message: 'page 3 timed out', recoverable: true },
      }),
    ).toMatchObject({ processingStatus: 'failed', error: 'page 3 timed out', recoverable: true });
    expect(fromJob({ jobId: 'j1', state: 'queued', progress: 0 })).toMatchObject({
      processingStatus: 'queued',
    });
  });

  it('reads what the user may do from a job.* reply; an older server that says nothing leaves it to the server', () => {
    const denied = fromJob({
      jobId: 'j1',
      kind: 'processing',
      state: 'running',
      progress: 0.2,
      permissions: { cancel: false, retry: false },
    });
    expect(denied).toMatchObject({ canCancel: false, canRetry: false });
    const owner = fromJob({
      jobId: 'j1',
      state: 'running',
      progress: 0.2,
      permissions: { cancel: true, retry: true },
    });
    expect(owner).toMatchObject({ canCancel: true, canRetry: true });
    expect(fromJob({ jobId: 'j1', state: 'running', progress: 0.2 })).toMatchObject({
      canCancel: true,
      canRetry: true,
    });
    // No job, no permission.
    expect(IDLE_PROCESSING).toMatchObject({ canCancel: false, canRetry: false });
  });

  it('sets permissions without making a new state when they are unchanged', () => {
    const s = fromJob({
      jobId: 'j1',
      state: 'running',
      progress: 0.2,
      permissions: { cancel: false, retry: false },
    });
    expect(withPermissions(s, { cancel: false, retry: false })).toBe(s);
    expect(withPermissions(s, undefined)).toBe(s);
    const allowed = withPermissions(s, { cancel: true, retry: false });
    expect(allowed).toMatchObject({ canCancel: true, canRetry: false, progress: 0.2 });
    expect(Object.isFrozen(allowed)).toBe(true);
  });

  it('starts over for a new job', () => {
    const done = fromJob({ jobId: 'j1', kind: 'processing', state: 'completed', progress: 1 });
    const next = reduceProcessing(done, {
      type: 'processing_progress',
      data: { documentId, jobId: 'j2', progress: 0.1 },
    });
    expect(next).toMatchObject({ jobId: 'j2', processingStatus: 'processing', progress: 0.1, zones: null });
  });

  it('offers Cancel while the job runs, Retry after a cancel or a failure a retry can help, each only if permitted', () => {
    const all = { cancel: true, retry: true };
    const as = (state: string, error: object | null = null, permissions = all) =>
      processingActions(fromJob({ jobId: 'j', kind: 'processing', state, error, permissions } as never));
    expect(as('running')).toEqual({ cancel: true, retry: false });
    expect(as('queued')).toEqual({ cancel: true, retry: false });
    expect(as('cancelled')).toEqual({ cancel: false, retry: true });
    expect(as('failed', { code: 'x', message: 'm', recoverable: true })).toEqual({
      cancel: false,
      retry: true,
    });
    expect(as('failed', { code: 'x', message: 'm', recoverable: false })).toEqual({
      cancel: false,
      retry: false,
    });
    expect(as('completed')).toEqual({ cancel: false, retry: false });
    expect(as('running', null, { cancel: false, retry: false })).toEqual({ cancel: false, retry: false });
    expect(as('cancelled', null, { cancel: true, retry: false })).toEqual({ cancel: false, retry: false });
  });
});
