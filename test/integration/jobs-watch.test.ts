import type { Zone } from '@syncline/doc';
import type { DocSnapshot, HistoryEntry } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, trackingWebSocket, waitFor } from './helpers.js';
import { jobOf, makeTextPdf, type Progress, startJobServer, waitForJob } from './jobs-fixtures.js';

/**
 * Watching a processing job through real sockets: an uploaded PDF processed page by page, its progress
 * and zones streamed to everyone in the document's room and to the owner.
 */
/** A page limit keeps each job running for seconds, so "mid-job" is mid-job however fast pages parse here. */
const PAGES_PER_S = 20;

describe('processing jobs, watched', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('two clients watch one job: both see started, increasing progress, zones and completed', async () => {
    const s = await startJobServer(cleanup, { jobs: { maxPagesPerSecond: PAGES_PER_S } });
    const owner = s.watcher('olga');
    const a = s.watcher('ann');
    const b = s.watcher('bob');
    const pages = 30;
    const { documentId, jobId } = await s.uploadOk('olga', await makeTextPdf(pages), 'report.pdf');
    const room = `doc:${documentId}`;
    // Joining with since: 0 replays the document's log, so a watcher that joins a moment after the upload
    // still gets processing_started.
    await Promise.all([a.client.join(room, { since: 0 }), b.client.join(room, { since: 0 })]);

    for (const w of [a, b, owner]) {
      const r = w === owner ? `user:olga` : room;
      await w.waitEvent('processing_completed', r, undefined, 60_000);
      const started = w.of('processing_started', r);
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({ documentId, jobId, pages });
      expect(started[0].estimatedTime).toBeGreaterThanOrEqual(0);
      const completed = w.of('processing_completed', r);
      expect(completed).toHaveLength(1);
      expect(completed[0]).toMatchObject({ documentId, jobId, pages });
      expect(completed[0].zones).toBeGreaterThan(pages);
    }
    for (const w of [a, b]) {
      const progress = w.of<Progress>('processing_progress', room);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < progress.length; i++)
        expect(progress[i].progress).toBeGreaterThanOrEqual(progress[i - 1].progress);
      // The latest value is always delivered: the last tick says everything is done.
      expect(progress.at(-1)).toMatchObject({ progress: 1, page: pages, pages, jobId });
      // Critical events come in order: started before the zones, completed after them.
      const types = w.events.filter((e) => e.room === room).map((e) => e.type);
      expect(types.indexOf('processing_started')).toBeLessThan(types.indexOf('zone_create'));
      expect(types.lastIndexOf('zone_create')).toBeLessThan(types.indexOf('processing_completed'));
    }
    // Everyone saw the same zones arrive, and they are the document's.
    const snap = await a.client.request<DocSnapshot>('doc.open', { documentId });
    const zones = (snap.snapshot as { zones: Record<string, Zone>; meta: Record<string, unknown> }).zones;
    expect(a.of('zone_create', room).map((d) => d.zoneId)).toEqual(
      b.of('zone_create', room).map((d) => d.zoneId),
    );
    expect(Object.keys(zones).sort()).toEqual(
      a
        .of<{ zoneId: string }>('zone_create', room)
        .map((d) => d.zoneId)
        .sort(),
    );
    expect(snap.ownerId).toBe('olga');
    expect((snap.snapshot as { meta: Record<string, unknown> }).meta).toMatchObject({
      name: 'report.pdf',
      processing: { status: 'completed', jobId, pages, pagesDone: pages },
    });
    for (const z of Object.values(zones)) expect(z.updatedBy).toBe('system:pipeline');
    // The document's history names the pipeline.
    const { entries } = await a.client.request<{ entries: HistoryEntry[] }>('doc.history', {
      documentId,
      limit: 1000,
    });
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect([e.userId, e.userName]).toEqual(['system:pipeline', 'Pipeline']);
    expect(await jobOf(a.client, documentId)).toMatchObject({
      jobId,
      state: 'completed',
      progress: 1,
      page: pages,
    });
  });

  it('a client that joins mid-job gets the current progress at once', async () => {
    // Ticks at most every 10 s: what the late joiner gets can only be the catch-up value.
    const s = await startJobServer(cleanup, {
      jobs: { progressIntervalMs: 10_000, maxPagesPerSecond: PAGES_PER_S },
    });
    const a = s.watcher('ann');
    const pages = 40;
    const { documentId, jobId } = await s.uploadOk('ann', await makeTextPdf(pages));
    const room = `doc:${documentId}`;
    await a.client.join(room);
    await waitForJob(a.client, documentId, (j) => (j.page ?? 0) >= 2);

    const late = s.watcher('carl');
    await late.client.join(room);
    const first = await late.waitEvent<Progress>('processing_progress', room, undefined, 2_000);
    expect(first).toMatchObject({ documentId, jobId, pages });
    expect(first.page).toBeGreaterThanOrEqual(1);
    expect(first.progress).toBeGreaterThan(0);
    await late.waitEvent('processing_completed', room, undefined, 60_000);
  });

  it('a client that joins while the job waits out a retry’s backoff gets no stale progress', async () => {
    // The analysis dies (a recoverable error) right after the run started and reported its first progress; the
    // retry is a minute away.
    const pipeline = {
      inspectPdf: async () => ({ pages: 5 }),
      analyzePdfInWorker: async (): Promise<never> => {
        throw Object.assign(new Error('the PDF worker died'), { code: 'worker_failed', recoverable: true });
      },
      exportDocument: async () => ({ body: '', contentType: 'text/plain', fileExtension: 'txt' }),
    };
    const s = await startJobServer(cleanup, { jobs: { pipeline, backoff: { initialMs: 60_000 } } });
    const a = s.watcher('ann');
    const { documentId } = await s.uploadOk('ann', await makeTextPdf(1));
    const room = `doc:${documentId}`;
    await a.client.join(room, { since: 0 });
    await a.waitEvent('processing_started', room, undefined, 10_000);
    await waitForJob(a.client, documentId, (j) => j.state === 'queued' && j.error?.code === 'worker_failed');

    // Joining now (the document's room, and the owner's own room on connect): the job is not running.
    const late = s.watcher('ann');
    await late.client.join(room);
    await new Promise((r) => setTimeout(r, 300));
    expect(late.of('processing_progress')).toEqual([]);
  });

  it('a client that reconnects mid-job misses no critical event', async () => {
    // Slower still (40 pages in 4 s): two reconnects, each with its backoff, happen mid-job.
    const s = await startJobServer(cleanup, { jobs: { maxPagesPerSecond: PAGES_PER_S / 2 } });
    const { WebSocket, sockets } = trackingWebSocket();
    const pages = 40;
    const { documentId, jobId } = await s.uploadOk('olga', await makeTextPdf(pages));
    const room = `doc:${documentId}`;
    const w = s.watcher('dan', { WebSocket });
    await w.client.join(room, { since: 0 });
    await w.waitEvent('processing_started', room);
    await w.waitEvent('zone_create', room);
    // Drop the connection abruptly, twice, while zones keep arriving.
    for (let i = 0; i < 2; i++) {
      const before = w.of('zone_create', room).length;
      sockets.at(-1)?.terminate();
      await waitFor(() => w.client.state === 'open' && sockets.length === i + 2, 10_000, 'reconnected');
      await waitFor(() => w.of('zone_create', room).length > before, 30_000, 'zones after reconnect');
    }
    const completed = await w.waitEvent<{ zones: number }>('processing_completed', room, undefined, 60_000);
    expect(w.of('processing_started', room)).toHaveLength(1);
    expect(w.of('processing_completed', room)).toHaveLength(1);
    // Every zone op arrived exactly once, in version order.
    const creates = w.of<{ zoneId: string; version: number }>('zone_create', room);
    expect(new Set(creates.map((c) => c.zoneId)).size).toBe(creates.length);
    expect(creates.length).toBe(completed.zones);
    const versions = creates.map((c) => c.version);
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect((await jobOf(w.client, documentId))?.jobId).toBe(jobId);
  });
});
