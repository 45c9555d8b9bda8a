import { dirname, join } from 'node:path';
import { analyzePdfInWorker, exportDocument, inspectPdfInWorker } from '@syncline/pipeline';
import type { Hub } from '../core/hub.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import { sqlitePathOf } from '../storage/sqlite-open.js';
import { DiskFileStore } from './disk-file-store.js';
import type { FileStore } from './file-store.js';
import { JobService } from './job-service.js';
import type { JobStore } from './job-store.js';
import type { JobsOptions } from './jobs-options.js';
import { MemoryFileStore } from './memory-file-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';
import { SqliteJobStore } from './sqlite-job-store.js';

/**
 * `@syncline/pipeline`: inspection and analysis in worker threads (opening a large or damaged PDF is seconds of
 * synchronous parsing, which in this thread would stall every connection), exports.
 */
const defaultPipeline: PdfPipeline = { inspectPdf: inspectPdfInWorker, analyzePdfInWorker, exportDocument };

/**
 * The server's job service with default stores for its storage: in memory for `'memory'`; for a SQLite
 * file, jobs in the same file and uploads under `<its directory>/files`. Other storage (PostgreSQL, a
 * custom log store) keeps jobs in memory unless `jobs.store` is given.
 */
export function createJobService(
  hub: Hub,
  documents: DocumentSequencer,
  storage: 'memory' | { sqlite: string } | object | undefined,
  opts: JobsOptions = {},
): JobService {
  const memory = storage === 'memory';
  const sqlite = sqlitePathOf(storage);
  const dataDir = opts.dataDir ?? (sqlite && sqlite !== ':memory:' ? dirname(sqlite) : './data');
  const store: JobStore =
    opts.store ??
    (sqlite && !memory
      ? new SqliteJobStore({ path: sqlite, walCheckpoint: 'background' })
      : new MemoryJobStore());
  const files: FileStore =
    opts.files ?? (memory ? new MemoryFileStore() : new DiskFileStore(join(dataDir, 'files')));
  if (hub.broker.distributed && opts.files === undefined && !memory) {
    // A job runs on whichever node claims it, and a download may reach any node: they must all read one store.
    hub.log.info(
      { dir: join(dataDir, 'files') },
      'uploads are kept in this directory: with several nodes it must be one that every node shares',
    );
  }
  return new JobService(hub, documents, {
    ...opts,
    store,
    files,
    pipeline: opts.pipeline ?? defaultPipeline,
  });
}
