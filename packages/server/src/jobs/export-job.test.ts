import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import { ExportJob } from './export-job.js';
import type { Job } from './job.js';
import type { JobEvents } from './job-events.js';
import { type JobEvent, JobRunner } from './job-runner.js';
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
    const documents = { read: async () => ({ data: {} }) } as unknown as DocumentSequencer;
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
