import type { Zone } from '@syncline/doc';
import type { DocSnapshot, JobInfo } from '@syncline/protocol';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { brokenPagePdf } from '../../packages/pipeline/src/testing/bad-pdfs.js';
import { Cleanup, SECRET } from './helpers.js';
import { jobOf, makeTextPdf, startJobServer, waitForJob } from './jobs-fixtures.js';

type Meta = { processing: { status: string; cancelledAtPage?: number; pagesDone: number; jobId: string } };

/** A page limit (`maxPagesPerSecond`) keeps each job running long enough to be cancelled mid-document. */
const paced = { jobs: { maxPagesPerSecond: 30 } };

describe('processing jobs, cancelled', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('cancel mid-document stops the job within 250 ms, keeps finished pages, and tells everyone', async () => {
    const s = await startJobServer(cleanup, paced);
    const owner = s.watcher('olga');
    const a = s.watcher('ann');
    const b = s.watcher('bob');
    const pages = 60;
    const { documentId, jobId } = await s.uploadOk('olga', await makeTextPdf(pages));
    const room = `doc:${documentId}`;
    await Promise.all([a.client.join(room), b.client.join(room), owner.client.join(room)]);
    await waitForJob(owner.client, documentId, (j) => (j.page ?? 0) >= 3);

    const t0 = performance.now();
    const { job } = await owner.client.request<{ job: JobInfo }>('job.cancel', { jobId });
    const tookMs = performance.now() - t0;
    expect(job.state).toBe('cancelled');
    expect(tookMs).toBeLessThan(250);
    const stoppedAt = job.page ?? 0;
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(stoppedAt).toBeLessThan(pages);

    // Everyone watching hears of it, with the page it stopped at.
    for (const w of [a, b, owner]) {
      const e = await w.waitEvent('processing_error', room);
      expect(e).toMatchObject({
        documentId,
        jobId,
        error: 'cancelled',
        code: 'cancelled',
        recoverable: true,
        cancelledAtPage: stoppedAt,
      });
      expect(w.of('processing_completed', room)).toHaveLength(0);
    }
    await owner.waitEvent('processing_error', 'user:olga');

    // The document holds whole pages 1..N and says where processing stopped.
    const snap = await a.client.request<DocSnapshot>('doc.open', { documentId });
    const doc = snap.snapshot as { zones: Record<string, Zone>; meta: Meta };
    expect(doc.meta.processing).toMatchObject({ status: 'cancelled', cancelledAtPage: stoppedAt, jobId });
    const zonePages = new Set(Object.values(doc.zones).map((z) => z.page));
    expect(Math.max(...zonePages)).toBe(stoppedAt);
    for (let p = 1; p <= stoppedAt; p++) expect(zonePages.has(p)).toBe(true);
    const versionAtCancel = snap.version;

    // Nothing more is committed after the cancel.
    const later = await b.client.request<DocSnapshot>('doc.open', { documentId });
    expect(later.version).toBe(versionAtCancel);

    // The document list says so too.
    const list = (await (await s.get('olga', '/api/documents')).json()) as {
      documents: { status: string }[];
    };
    expect(list.documents[0].status).toBe('cancelled');
  });

  it('cancel while a large damaged PDF is still being opened stops it at once and starts nothing', async () => {
    const s = await startJobServer(cleanup, { jobs: { maxUploadBytes: 32 * 1024 * 1024 } });
    const owner = s.watcher('olga');
    // A PDF header, then 16 MiB without any PDF structure: pdfjs scans all of it for objects before it gives
    // up, which takes seconds (the job's `inspecting` stage).
    const junk = new Uint8Array(16 * 1024 * 1024).fill(0x41);
    junk.set(new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'));
    const { documentId, jobId } = await s.uploadOk('olga', junk);
    await waitForJob(owner.client, documentId, (j) => j.state === 'running' && j.stage === 'inspecting');

    const t0 = performance.now();
    const { job } = await owner.client.request<{ job: JobInfo }>('job.cancel', { jobId });
    const tookMs = performance.now() - t0;
    expect(job.state).toBe('cancelled');
    // Within 250 ms on an idle machine; opening it to the end takes several seconds.
    expect(tookMs).toBeLessThan(1500);
    await owner.waitEvent('processing_error', 'user:olga', (d) => d.jobId === jobId);
    // Nothing was started (or written to the document) for the cancelled job.
    expect(owner.of('processing_started', 'user:olga')).toHaveLength(0);
    await owner.client.join(`doc:${documentId}`);
    const snap = await owner.client.request<DocSnapshot>('doc.open', { documentId });
    expect((snap.snapshot as { meta: Meta }).meta.processing).toMatchObject({ status: 'cancelled', jobId });
    // Its versions: the upload's name and `queued` meta, then the `cancelled` meta; no `processing` in between.
    expect(snap.version).toBe(3);
  });

  it('only the job owner, the document owner or an admin may cancel; a retry resumes after the last page', async () => {
    const s = await startJobServer(cleanup, paced);
    const owner = s.watcher('olga');
    const stranger = s.watcher('sam');
    const pages = 30;
    const { documentId, jobId } = await s.uploadOk('olga', await makeTextPdf(pages));
    const room = `doc:${documentId}`;
    await owner.client.join(room);
    await stranger.client.join(room);
    await waitForJob(owner.client, documentId, (j) => (j.page ?? 0) >= 1);
    // Each is told, in their own job.get reply, what they may do (a UI offers Cancel accordingly).
    expect((await jobOf(owner.client, documentId))?.permissions).toEqual({ cancel: true, retry: true });
    expect((await jobOf(stranger.client, documentId))?.permissions).toEqual({ cancel: false, retry: false });
    const admin = s.watcher('ada', {
      token: async () =>
        new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('ada')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(SECRET)),
    });
    expect((await jobOf(admin.client, documentId))?.permissions).toEqual({ cancel: true, retry: true });
    await expect(stranger.client.request('job.cancel', { jobId })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(owner.client.request('job.cancel', { jobId: 'no-such-job' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(owner.client.request('job.retry', { jobId })).rejects.toMatchObject({ code: 'invalid' });
    const { job } = await owner.client.request<{ job: JobInfo }>('job.cancel', { jobId });
    expect(job.permissions).toEqual({ cancel: true, retry: true });
    const stoppedAt = job.page ?? 0;
    await owner.waitEvent('processing_error', room);

    const retried = await owner.client.request<{ job: JobInfo }>('job.retry', { jobId });
    expect(['queued', 'running']).toContain(retried.job.state);
    const done = await owner.waitEvent<{ zones: number }>('processing_completed', room, undefined, 60_000);
    const restarts = owner.of<{ startPage: number }>('processing_started', room);
    expect(restarts.at(-1)?.startPage).toBe(stoppedAt + 1);
    const snap = await owner.client.request<DocSnapshot>('doc.open', { documentId });
    const doc = snap.snapshot as { zones: Record<string, Zone>; meta: Meta };
    expect(Object.keys(doc.zones)).toHaveLength(done.zones);
    expect(new Set(Object.values(doc.zones).map((z) => z.page)).size).toBe(pages);
    expect(doc.meta.processing).toMatchObject({ status: 'completed', pagesDone: pages });
  });

  it('a resumed job still reports the pages skipped before it stopped, and their warnings', async () => {
    const s = await startJobServer(cleanup, paced);
    const owner = s.watcher('olga');
    // Page 2 cannot be parsed: it is skipped (with a warning) in the first run.
    const { documentId, jobId } = await s.uploadOk('olga', await brokenPagePdf(30, 2));
    const room = `doc:${documentId}`;
    await owner.client.join(room);
    await waitForJob(owner.client, documentId, (j) => (j.page ?? 0) >= 3);
    const { job } = await owner.client.request<{ job: JobInfo }>('job.cancel', { jobId });
    expect(job.page).toBeGreaterThanOrEqual(3);
    await owner.waitEvent('processing_error', room);
    let snap = await owner.client.request<DocSnapshot>('doc.open', { documentId });
    expect((snap.snapshot as { meta: Meta }).meta.processing).toMatchObject({
      status: 'cancelled',
      skippedPages: [2],
    });

    // The retry resumes after the last committed page, so it never sees page 2: the skip is still reported.
    await owner.client.request('job.retry', { jobId });
    const done = await owner.waitEvent<{ skippedPages: number[]; pages: number; warnings: string[] }>(
      'processing_completed',
      room,
      undefined,
      60_000,
    );
    expect(done).toMatchObject({ pages: 30, skippedPages: [2] });
    // The warning of page 2 came from the first run; the retry keeps it (from the job's result), once.
    expect(done.warnings.filter((w) => w.startsWith('page 2: '))).toHaveLength(1);
    const { job: finished } = await owner.client.request<{ job: JobInfo }>('job.get', { documentId });
    expect(finished?.result).toMatchObject({ warnings: done.warnings });
    snap = await owner.client.request<DocSnapshot>('doc.open', { documentId });
    expect((snap.snapshot as { meta: Meta }).meta.processing).toMatchObject({
      status: 'completed',
      skippedPages: [2],
    });
  });
});
