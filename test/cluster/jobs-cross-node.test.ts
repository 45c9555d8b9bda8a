import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzePdfInWorker, exportDocument, inspectPdf } from '@syncline/pipeline';
import type { EventMessage, JobInfo } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { PdfPipeline } from '../../packages/server/src/jobs/pdf-pipeline.js';
import { Cleanup, createClient, tokenProvider, waitFor, wsUrl } from '../integration/helpers.js';
import { eventQueries, type Progress } from '../integration/jobs-fixtures.js';
import { needService } from '../services.js';
import { startCluster, uploadToCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

/**
 * The real pipeline, except that page N is handed to the job only once the test allows N pages: the job
 * then sits between two pages (no commit, no live tick), which is where a cross-node cancel or a late
 * joiner must not wait for the job's next page or heartbeat.
 */
function gatedPipeline() {
  let allowed = 0;
  const waiting = new Set<() => void>();
  const analyses = new Set<Promise<unknown>>();
  const pipeline: PdfPipeline = {
    inspectPdf,
    exportDocument,
    analyzePdfInWorker: (bytes, o) => {
      const analysis = analyzePdfInWorker(bytes, {
        ...o,
        onPage: async (r) => {
          while (r.page > allowed && !o.signal?.aborted) {
            await new Promise<void>((resolve) => {
              const go = () => {
                waiting.delete(go);
                o.signal?.removeEventListener('abort', go);
                resolve();
              };
              waiting.add(go);
              o.signal?.addEventListener('abort', go, { once: true });
            });
          }
          if (o.signal?.aborted) return;
          return o.onPage?.(r);
        },
      });
      analyses.add(analysis);
      return analysis;
    },
  };
  return {
    pipeline,
    /** Resolves once every analysis started so far has ended (resolved or rejected: its worker is gone). */
    async idle() {
      await Promise.allSettled([...analyses]);
    },
    allow(pages: number) {
      allowed = pages;
      for (const go of [...waiting]) go();
    },
  };
}

describe.skipIf(!ready)(
  'jobs across three nodes (PostgreSQL queue, Redis broker, one shared files volume)',
  () => {
    const cleanup = new Cleanup();
    afterEach(() => cleanup.run());

    it('progress reaches watchers on every node, a late joiner gets it at once, a cancel from another node stops the job within 250 ms', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'syncline-jobs-'));
      cleanup.add(() => rm(dataDir, { recursive: true, force: true }));
      const gate = gatedPipeline();
      cleanup.add(() => gate.allow(Number.POSITIVE_INFINITY));
      // Default heartbeat (5 s): only the broker message can stop the job within 250 ms.
      const cluster = await startCluster(cleanup, 3, {
        options: { jobs: { dataDir, pipeline: gate.pipeline, pollMs: 200 } },
      });
      const { servers, ports } = cluster;

      const client = (node: number, userId: string) => {
        const c = createClient(cleanup, { url: wsUrl(ports[node]), token: tokenProvider(userId) });
        const events: EventMessage[] = [];
        c.subscribe('*', (_d, e) => events.push(e as EventMessage));
        return { client: c, events, ...eventQueries(events) };
      };

      // Upload on node 0 (the file lands on the shared volume; any node may claim the job).
      const { documentId, jobId, room, worker } = await uploadToCluster({ servers, ports }, 12);
      // Roles relative to the node that claimed the job.
      const b = (worker + 1) % 3;
      const c = (worker + 2) % 3;

      const onB = client(b, 'bob');
      const onC = client(c, 'olga');
      await onB.client.join(room);
      await onC.client.join(room);

      // Pages 1 and 2 run; their live ticks reach the watchers on the two other nodes through the broker.
      gate.allow(2);
      for (const w of [onB, onC]) {
        const p = await w.waitEvent<Progress>('processing_progress', room, (d) => d.page === 2);
        expect(p).toMatchObject({ jobId, pages: 12 });
      }
      await waitFor(
        async () => (await servers[worker].jobs?.store.getJob(jobId))?.page === 2,
        10_000,
        'page 2',
      );
      // No wait for the throttle: the page-2 tick is the last one the job sends until page 3 is allowed, and it has
      // reached onB, on the node the late joiner joins, so no live tick can reach the joiner from here on.

      // A late joiner on a node that is not running the job gets its progress at once (stored, not live).
      const late = client(b, 'lena');
      await late.client.join(room);
      const first = await late.waitEvent<Progress>('processing_progress', room, () => true, 5_000);
      expect(first).toMatchObject({ jobId, documentId, page: 2, pages: 12 });
      expect(first.progress).toBeCloseTo(2 / 12);

      // Cancel from a third node while the job sits between pages: it stops at once, not at a heartbeat.
      const t0 = performance.now();
      const { job } = await onC.client.request<{ job: JobInfo }>('job.cancel', { jobId });
      expect(job.state).toBe('cancelled');
      await waitFor(() => !servers[worker].jobs?.runner.live(jobId), 5_000, 'the worker to stop the job');
      const stoppedMs = performance.now() - t0;
      expect(stoppedMs).toBeLessThan(250);

      for (const w of [onB, onC, late]) {
        const e = await w.waitEvent('processing_error', room);
        expect(e).toMatchObject({ jobId, code: 'cancelled', recoverable: true, cancelledAtPage: 2 });
      }
      const stored = await servers[b].jobs?.store.getJob(jobId);
      expect(stored).toMatchObject({ state: 'cancelled', page: 2 });
      // Nothing more is committed after the cancel, even once the pipeline would go on. No wait: the run is over
      // (not live on the worker, its final event out), and once the analysis has ended (its worker gone, every page it
      // handed over handled) nothing is left that could commit a page or complete the job.
      gate.allow(Number.POSITIVE_INFINITY);
      await gate.idle();
      expect(await servers[c].jobs?.store.getJob(jobId)).toMatchObject({ state: 'cancelled', page: 2 });
      expect(onB.of('processing_completed', room)).toHaveLength(0);
    }, 90_000);
  },
);
