import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Zone } from '@syncline/doc';
import { analyzePdfInWorker, exportDocument, inspectPdf } from '@syncline/pipeline';
import type { DocSnapshot, EventMessage } from '@syncline/protocol';
import { SynclineServer, type SynclineServerOptions, silentLogger } from '@syncline/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStore } from '../../packages/server/src/jobs/job-store.js';
import type { PdfPipeline } from '../../packages/server/src/jobs/pdf-pipeline.js';
import { PostgresJobStore } from '../../packages/server/src/jobs/postgres-job-store.js';
import {
  Cleanup,
  createClient,
  SECRET,
  signToken,
  tokenProvider,
  waitFor,
  wsUrl,
} from '../integration/helpers.js';
import { eventQueries, makeTextPdf } from '../integration/jobs-fixtures.js';
import { needService } from '../services.js';
import { isolation, POSTGRES_URL, REDIS_URL, readyzBecomes } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

const HEARTBEAT_MS = 200;
const STALE_AFTER_MS = 1500;
const POLL_MS = 200;

/** The real pipeline, but it never hands over a page past `lastPage` (the node hangs there, then dies). */
function stallingPipeline(lastPage: number): PdfPipeline {
  return {
    inspectPdf,
    exportDocument,
    analyzePdfInWorker: (bytes, o) =>
      analyzePdfInWorker(bytes, {
        ...o,
        onPage: async (r) => {
          if (r.page > lastPage) {
            await new Promise<void>((resolve) => {
              if (o.signal?.aborted) resolve();
              else o.signal?.addEventListener('abort', () => resolve(), { once: true });
            });
            return;
          }
          return o.onPage?.(r);
        },
      }),
  };
}

/** A job store that fails every call once `die()` is called: the node's database link is gone, as in a crash. */
function killableStore(real: JobStore): { store: JobStore; die(): void } {
  let dead = false;
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) =>
        dead && key !== 'close'
          ? Promise.reject(new Error('the node is gone'))
          : (v as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return {
    store,
    die: () => {
      dead = true;
    },
  };
}

describe.skipIf(!ready)('a job whose node died (PostgreSQL queue)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('is taken over by another node once its heartbeat is stale, resumes after the last committed page, completes once', async () => {
    const { schema, prefix } = isolation(cleanup);
    const dataDir = await mkdtemp(join(tmpdir(), 'syncline-jobs-'));
    cleanup.add(() => rm(dataDir, { recursive: true, force: true }));
    const jobTiming = { heartbeatMs: HEARTBEAT_MS, staleAfterMs: STALE_AFTER_MS, pollMs: POLL_MS };
    const node = async (jobs: NonNullable<SynclineServerOptions['jobs']>) => {
      const server = new SynclineServer({
        storage: { postgres: POSTGRES_URL, schema },
        broker: { redis: REDIS_URL, prefix },
        auth: { secret: SECRET },
        logger: silentLogger,
        systemStatusIntervalMs: 0,
        rateLimits: false,
        jobs,
      });
      cleanup.add(() => server.close({ timeoutMs: 500, restartHintMs: 0 }));
      const { port } = await server.listen(0, '127.0.0.1');
      expect((await readyzBecomes(port, 200)).status).toBe(200);
      return { server, port };
    };

    // Node A alone: it claims the job and commits pages 1 and 2, then hangs on page 3 and loses its database.
    const aStore = new PostgresJobStore({ url: POSTGRES_URL, schema, max: 2 });
    cleanup.add(() => aStore.close());
    const killable = killableStore(aStore);
    const a = await node({ ...jobTiming, dataDir, store: killable.store, pipeline: stallingPipeline(2) });
    const pages = 6;
    const res = await fetch(`http://127.0.0.1:${a.port}/api/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await signToken('olga')}`,
        'content-type': 'application/pdf',
        'x-file-name': 'takeover.pdf',
      },
      body: await makeTextPdf(pages),
    });
    expect(res.status).toBe(201);
    const { documentId, jobId } = (await res.json()) as { documentId: string; jobId: string };
    const room = `doc:${documentId}`;
    await waitFor(async () => (await aStore.getJob(jobId))?.page === 2, 30_000, 'node A to commit page 2');
    expect(a.server.jobs?.runner.live(jobId)).toBeDefined();
    killable.die();
    const diedAt = Date.now();

    // Node B joins the cluster; a watcher there sees the job resumed from page 3 and completed.
    const b = await node({ ...jobTiming, dataDir });
    const watcher = createClient(cleanup, { url: wsUrl(b.port), token: tokenProvider('olga') });
    const events: EventMessage[] = [];
    watcher.subscribe('*', (_d, e) => events.push(e as EventMessage));
    const q = eventQueries(events);
    await watcher.join(room);

    await waitFor(
      () => b.server.jobs?.runner.live(jobId),
      STALE_AFTER_MS + 10_000,
      'node B to take the job over',
    );
    const tookOverMs = Date.now() - diedAt;
    // Claimable once stale (plus a poll and a heartbeat), not "never" nor "after a restart of node A".
    expect(tookOverMs).toBeLessThan(STALE_AFTER_MS + 10_000);
    const resumed = await q.waitEvent<{ startPage: number; jobId: string }>(
      'processing_started',
      room,
      (d) => d.startPage > 1,
    );
    expect(resumed).toMatchObject({ jobId, startPage: 3 });
    await q.waitEvent('processing_completed', room, () => true, 60_000);

    const bStore = b.server.jobs?.store as JobStore;
    expect(await bStore.getJob(jobId)).toMatchObject({ state: 'completed', page: pages, attempts: 2 });
    // One completion, and every page's zones once (pages 1-2 from node A, 3-6 from node B). No wait for a second
    // completion: the store says completed after two claims (A's, B's), so no other run can start; A's run is stalled
    // in its pipeline (until shutdown) and its store is gone; B's run has announced its end, and a marker the watcher
    // publishes on node B comes after anything B published with it (the room's log reaches the watcher in order).
    await watcher.publish(room, 'app_event', { name: 'after-completion' });
    await q.waitEvent<{ name: string }>('app_event', room, (d) => d.name === 'after-completion', 10_000);
    expect(q.of('processing_completed', room)).toHaveLength(1);
    const snap = await watcher.request<DocSnapshot>('doc.open', { documentId });
    const zones = Object.values((snap.snapshot as { zones: Record<string, Zone> }).zones);
    const perPage = new Map<number, number>();
    for (const z of zones) perPage.set(z.page, (perPage.get(z.page) ?? 0) + 1);
    expect([...perPage.keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    const ids = zones.map((z) => `${z.page}:${JSON.stringify(z.bbox)}:${z.text}`);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);
});
