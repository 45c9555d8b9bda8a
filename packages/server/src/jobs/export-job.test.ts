import { exportDocument } from '@syncline/pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { ExportJob } from './export-job.js';
import type { Job } from './job.js';
import type { JobEvents } from './job-events.js';
import { type JobEvent, JobRunner } from './job-runner.js';
import { JobService } from './job-service.js';
import { MemoryFileStore } from './memory-file-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';

describe('ExportJob on a runner that shares its store with another node', () => {
  it('an export cancelled by another node while its file was written, and finished before it heard, keeps no file and settles cancelled', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    // The export's file write is held until the test lets it go.
    const files = new MemoryFileStore();
    const put = files.put.bind(files);
    const writing: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    files.put = async (key, bytes) => {
      writing.push(key);
      await held;
      return put(key, bytes);
    };
    const pipeline = {
      exportDocument: async () => ({ body: '# report', contentType: 'text/markdown', fileExtension: 'md' }),
    } as unknown as PdfPipeline;
    const documents = {
      info: async () => ({}),
      read: async () => ({ data: {} }),
    } as unknown as DocumentSequencer;
    const events = { exportProgress: () => {} } as unknown as JobEvents;
    // Node A runs the export (heartbeat 5 s: it hears of a cancel at its next write); node B cancels it.
    const opts = { heartbeatMs: 5000, recoverOnStart: false };
    const a = new JobRunner(store, clock, silentLogger, opts);
    const b = new JobRunner(store, clock, silentLogger, opts);
    a.register('export', new ExportJob({ files, store, documents, pipeline, events }));
    const settled: [JobEvent, Job][] = [];
    a.on((job, e) => {
      if (e !== 'started') settled.push([e, job]);
    });
    await a.start();
    await b.start();
    await a.enqueue({
      id: 'x',
      kind: 'export',
      ownerId: 'u',
      documentId: 'd',
      params: { format: 'markdown' },
    });
    await clock.settle();
    expect(writing).toEqual(['export/x.md']);

    // B cancels (the store says cancelled); A is not told (a lost broadcast), so the export goes on and returns.
    expect((await b.cancel('x'))?.state).toBe('cancelled');
    release();
    await clock.settle();

    expect(settled.map(([e, job]) => [e, job.state])).toEqual([['settled', 'cancelled']]);
    expect(await store.getJob('x')).toMatchObject({ state: 'cancelled', result: null });
    expect(await files.get('export/x.md')).toBeUndefined();
    await a.stop();
    await b.stop();
  });
});

const olga: Identity = { userId: 'olga', name: 'Olga', roles: [], claims: {} };
const admin: Identity = { userId: 'root', name: 'Root', roles: ['admin'], claims: {} };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A job service with the real exporter, its runner started (retries 1 s apart), and an uploaded, processed document. */
async function service() {
  const clock = new FakeClock();
  const broker = new LocalBroker(new LocalBus(() => clock.now()));
  const hub = new Hub({
    store: new MemoryLogStore(),
    broker,
    authenticate: async () => olga,
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, new MemoryDocStore());
  const pipeline: PdfPipeline = {
    inspectPdf: async () => ({ pages: 1 }),
    analyzePdfInWorker: async () => ({ pages: 1, skippedPages: [], warnings: [] }),
    exportDocument,
  };
  const store = new MemoryJobStore();
  const jobs = new JobService(hub, documents, {
    store,
    files: new MemoryFileStore(),
    pipeline,
    recoverOnStart: false,
    backoff: { initialMs: 1000, maxMs: 1000, random: () => 1 },
  });
  closers.push(async () => {
    await jobs.close();
    documents.stop();
    await broker.close();
  });
  await jobs.start();
  const run = <T>(p: Promise<T>) => clock.run(p);
  /** Runs 10 s of fake time: a job retried by itself would run three times by then. */
  const idle = async () => {
    for (let t = 0; t < 10_000; t += 50) {
      await clock.settle();
      clock.advance(50);
    }
  };
  const pdf = new TextEncoder().encode('%PDF-1.7\n(the pipeline is faked)\n');
  const { documentId } = await run(jobs.upload(olga, 'report.pdf', pdf));
  await idle();
  return { jobs, store, documents, run, idle, documentId };
}

describe('an export of a document that is not there', () => {
  it('export.start answers not_found for a deleted document, and for one never made, which it does not make', async () => {
    const s = await service();
    await s.run(s.jobs.deleteDocument(olga, s.documentId));
    const refused = (documentId: string) =>
      s.run(s.jobs.startExport(admin, { documentId, format: 'markdown' })).then(
        () => null,
        (err: unknown) => err,
      );
    expect(await refused(s.documentId)).toMatchObject({
      code: 'not_found',
      message: 'the document was deleted',
    });
    expect(await refused('never-made')).toMatchObject({ code: 'not_found', message: 'no such document' });
    await s.idle();
    expect(await s.store.listJobs({ documentId: s.documentId, kind: 'export' })).toEqual([]);
    expect(await s.store.listJobs({ documentId: 'never-made' })).toEqual([]);
    // Reading it would have made it, owned by `system`: an id its user could then neither delete nor create.
    expect(await s.documents.info('never-made')).toBeUndefined();
  });

  it('an export whose document was deleted before it ran fails at once with not_found, not retried as internal', async () => {
    const s = await service();
    // The export was started (on another node, or just before the deletion) and runs after it.
    await s.run(s.jobs.deleteDocument(olga, s.documentId));
    for (const documentId of [s.documentId, 'never-made']) {
      const job = await s.run(
        s.jobs.runner.enqueue({
          id: `x-${documentId}`,
          kind: 'export',
          ownerId: 'root',
          documentId,
          params: { format: 'rag' },
        }),
      );
      await s.idle();
      expect(await s.store.getJob(job.id)).toMatchObject({
        state: 'failed',
        attempts: 1,
        error: {
          code: 'not_found',
          message: documentId === 'never-made' ? 'no such document' : 'the document was deleted',
          recoverable: false,
        },
      });
    }
    expect(await s.documents.info('never-made')).toBeUndefined();
  });
});
