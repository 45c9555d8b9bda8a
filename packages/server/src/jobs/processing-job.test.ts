import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { JobService } from './job-service.js';
import { MemoryFileStore } from './memory-file-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { AnalyzedPage, AnalyzedZone, PdfPipeline } from './pdf-pipeline.js';
import { PROCESSING_META } from './processing-job.js';

const PDF = new TextEncoder().encode('%PDF-1.7\n(a fake: the pipeline is faked)\n');
const olga: Identity = { userId: 'olga', name: 'Olga', roles: [], claims: {} };

/**
 * A pipeline for a PDF of `pages` pages with `zonesOn(page)` zones each, analyzed in the opposite order of their
 * boxes (as on a turned page): it hands over one page every `msPerPage` of the fake clock, as the worker does.
 */
function fakePipeline(
  clock: FakeClock,
  pages: number,
  zonesOn: (page: number) => number,
  msPerPage = 50,
  textOf = (page: number, zone: number) => `page ${page} zone ${zone}`,
) {
  const analyzed: number[] = [];
  const pipeline: PdfPipeline = {
    inspectPdf: async () => ({ pages }),
    analyzePdfInWorker: async (_bytes, opts) => {
      for (let page = opts.startPage ?? 1; page <= pages; page++) {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, msPerPage));
        if (opts.signal?.aborted) throw opts.signal.reason;
        const n = zonesOn(page);
        const zones: AnalyzedZone[] = Array.from({ length: n }, (_, i) => ({
          id: `p${page}-z${String(i + 1).padStart(3, '0')}`,
          page,
          // The first zone read is the lowest on the page.
          bbox: { x: 50, y: 700 - i * 20, w: 400, h: 16 },
          type: 'paragraph',
          label: 'Paragraph',
          confidence: 0.9,
          text: textOf(page, i + 1),
          order: i + 1,
        }));
        const result: AnalyzedPage = { page, pages, zones, warnings: [], ms: 1 };
        analyzed.push(page);
        await opts.onPage?.(result);
      }
      return { pages, skippedPages: [], warnings: [] };
    },
    exportDocument: async () => {
      throw new Error('not used');
    },
  };
  return { pipeline, analyzed };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(opts: {
  pages: number;
  zonesOn: (page: number) => number;
  maxZones: number;
  /** Another node on the broker's bus: the server is one of several. */
  otherNode?: boolean;
  files?: MemoryFileStore;
  /** A zone's text (default: `page P zone Z`). */
  textOf?: (page: number, zone: number) => string;
}) {
  const clock = new FakeClock();
  const bus = new LocalBus(() => clock.now());
  const broker = new LocalBroker(bus);
  const other = opts.otherNode ? new LocalBroker(bus) : null;
  const hub = new Hub({
    store: new MemoryLogStore(),
    broker,
    authenticate: async () => olga,
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, new MemoryDocStore(), { maxZones: opts.maxZones });
  const fake = fakePipeline(clock, opts.pages, opts.zonesOn, 50, opts.textOf);
  const jobs = new JobService(hub, documents, {
    store: new MemoryJobStore(),
    files: opts.files ?? new MemoryFileStore(),
    pipeline: fake.pipeline,
    recoverOnStart: false,
    // Were the failure retried by itself, the second run would come after 1 s.
    backoff: { initialMs: 1000, maxMs: 1000, random: () => 1 },
  });
  closers.push(async () => {
    await jobs.close();
    documents.stop();
    await broker.close();
    await other?.close();
  });
  await jobs.start();
  /** Runs fake time until `done` holds (or fails after `maxMs`). */
  const runUntil = async (done: () => Promise<boolean>, maxMs = 10_000) => {
    for (let t = 0; t <= maxMs; t += 50) {
      await clock.settle();
      if (await done()) return;
      clock.advance(50);
    }
    throw new Error('never done');
  };
  const run = <T>(p: Promise<T>) => clock.run(p);
  const upload = (name: string) => run(jobs.upload(olga, name, PDF));
  return { clock, hub, documents, jobs, analyzed: fake.analyzed, runUntil, run, upload };
}

describe('a processing job and the zone limit', () => {
  it('adds the zones of each page in the analysis order, keeping it on the zones', async () => {
    const s = await setup({ pages: 2, zonesOn: () => 3, maxZones: 100 });
    const { documentId, jobId } = await s.upload('turned.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'completed');
    const zones = (await s.run(s.documents.read(documentId))).data.zones;
    expect(Object.values(zones).map((z) => [z.id, z.order])).toEqual([
      ['p1-z001', 1],
      ['p1-z002', 2],
      ['p1-z003', 3],
      ['p2-z001', 1],
      ['p2-z002', 2],
      ['p2-z003', 3],
    ]);
  });

  it('says in its warnings a zone the document cannot take (a text over the limit), and adds the others', async () => {
    const huge = 'x'.repeat(1_000_001);
    const s = await setup({
      pages: 2,
      zonesOn: () => 2,
      maxZones: 100,
      textOf: (page, zone) => (page === 1 && zone === 2 ? huge : `page ${page} zone ${zone}`),
    });
    const { documentId, jobId } = await s.upload('huge-zone.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'completed');
    expect((await s.jobs.store.getJob(jobId))?.result).toMatchObject({
      warnings: ['page 1: zone 2 not added: text is 1000001 characters long, the limit is 1000000'],
    });
    const zones = (await s.run(s.documents.read(documentId))).data.zones;
    expect(Object.keys(zones).sort()).toEqual(['p1-z001', 'p2-z001', 'p2-z002']);
  });

  it('stops before the page that would pass the limit: whole pages kept, a clear error, no retries by itself', async () => {
    // 10 pages of 30 zones into documents of at most 100: pages 1-3 fit (90), page 4 would make 120.
    const s = await setup({ pages: 10, zonesOn: () => 30, maxZones: 100 });
    const { documentId, jobId } = await s.upload('long.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'failed');
    const job = await s.jobs.store.getJob(jobId);
    const message =
      'page 4 has 30 zones, but the document already holds 90 of at most 100: the pages before it were added, ' +
      'pages 4-10 were not added. Delete zones (or have the limit raised) and resume to add the rest.';
    expect(job).toMatchObject({
      state: 'failed',
      attempts: 1,
      page: 3,
      error: { code: 'zone_limit', recoverable: true, message },
      result: { skippedPages: [], warnings: [`page 4: not added: ${message}`] },
    });
    const doc = (await s.run(s.documents.read(documentId))).data;
    // Whole pages: nothing of page 4.
    expect(Object.keys(doc.zones)).toHaveLength(90);
    expect(Object.keys(doc.zones).some((id) => id.startsWith('p4-'))).toBe(false);
    expect(doc.meta[PROCESSING_META]).toMatchObject({
      status: 'failed',
      pagesDone: 3,
      error: { code: 'zone_limit', recoverable: true },
    });
    // The analysis stopped soon after the page that did not fit (at the commit of its batch of 200 ms, four pages
    // here), never reaching the end, and no run followed by itself.
    expect(Math.max(...s.analyzed)).toBeLessThan(10);
    s.clock.advance(60_000);
    await s.clock.settle();
    expect((await s.jobs.store.getJob(jobId))?.attempts).toBe(1);
  });

  it('resumes at the page that did not fit once zones were deleted (`job.retry`)', async () => {
    const s = await setup({ pages: 4, zonesOn: () => 30, maxZones: 100 });
    const { documentId, jobId } = await s.upload('long.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'failed');
    // Someone deletes page 1's zones: page 4 now fits.
    const ids = Object.keys((await s.run(s.documents.read(documentId))).data.zones).filter((id) =>
      id.startsWith('p1-'),
    );
    for (const id of ids) {
      await s.run(
        s.documents.applyServerOp(documentId, ['zones', id, { r: true }], {
          userId: 'olga',
          opId: `del-${id}`,
        }),
      );
    }
    expect((await s.run(s.jobs.runner.retry(jobId)))?.state).toBe('queued');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'completed');
    const zones = Object.keys((await s.run(s.documents.read(documentId))).data.zones);
    expect(zones).toHaveLength(90);
    expect(zones.filter((id) => id.startsWith('p4-'))).toHaveLength(30);
  });

  it('a page with more zones than a document may hold fails for good', async () => {
    const s = await setup({ pages: 2, zonesOn: (p) => (p === 1 ? 5 : 40), maxZones: 20 });
    const { documentId, jobId } = await s.upload('dense.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'failed');
    expect((await s.jobs.store.getJob(jobId))?.error).toMatchObject({
      code: 'zone_limit',
      recoverable: false,
    });
    expect(Object.keys((await s.run(s.documents.read(documentId))).data.zones)).toHaveLength(5);
  });
});

/** A file store that keeps nothing it is given (a node whose data directory is not the one the upload went to). */
class ForgetfulFileStore extends MemoryFileStore {
  override async get(): Promise<undefined> {
    return undefined;
  }
}

describe('a processing job whose uploaded file is not there', () => {
  it('fails for good on a single server', async () => {
    const s = await setup({ pages: 1, zonesOn: () => 1, maxZones: 100, files: new ForgetfulFileStore() });
    const { jobId } = await s.upload('gone.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'failed');
    expect(await s.jobs.store.getJob(jobId)).toMatchObject({
      attempts: 1,
      error: { code: 'file_missing', recoverable: false, message: 'the uploaded file is no longer stored' },
    });
  });

  it('is retried with several nodes (another node may read the upload), then fails', async () => {
    const s = await setup({
      pages: 1,
      zonesOn: () => 1,
      maxZones: 100,
      otherNode: true,
      files: new ForgetfulFileStore(),
    });
    const { jobId } = await s.upload('elsewhere.pdf');
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.attempts === 1);
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state !== 'running');
    expect(await s.jobs.store.getJob(jobId)).toMatchObject({
      state: 'queued',
      error: { code: 'file_missing', recoverable: true },
    });
    await s.runUntil(async () => (await s.jobs.store.getJob(jobId))?.state === 'failed');
    expect(await s.jobs.store.getJob(jobId)).toMatchObject({
      attempts: 3,
      error: {
        code: 'file_missing',
        recoverable: true,
        message: 'the uploaded file is not stored where this server can read it',
      },
    });
  });
});
