import type { CanAccessDocument } from './document-access.js';
import type { FileStore } from './file-store.js';
import type { JobRunnerOptions } from './job-runner.js';
import type { JobStore } from './job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';

/** `SynclineServer`'s `jobs` option. */
export interface JobsOptions extends JobRunnerOptions {
  /** Default: next to the room log (the SQLite file), or memory with `storage: 'memory'`. */
  store?: JobStore;
  /** Default: files under `<dataDir>/files`, or memory with `storage: 'memory'`. */
  files?: FileStore;
  /** Where uploaded files are kept on disk. Default: the SQLite file's directory, else `./data`. */
  dataDir?: string;
  /** Largest accepted upload in bytes. Default 50 MiB (`SYNCLINE_MAX_UPLOAD_BYTES` in the CLI). */
  maxUploadBytes?: number;
  /** Who may read a document's files and jobs, before the default rule (owner, admin, in the room). */
  canAccess?: CanAccessDocument;
  /** Minimum time between progress events of one job. Default 100 ms (10 per second). */
  progressIntervalMs?: number;
  /**
   * Most pages one processing job analyzes per second, so a large upload leaves CPU for everything else
   * on a shared machine (`SYNCLINE_JOB_MAX_PAGES_PER_SECOND` in the CLI). Default: no limit.
   */
  maxPagesPerSecond?: number;
  /**
   * Finished exports whose files are kept per document: once an export completes, the files of older ones are
   * deleted (their downloads answer 404). Default 10.
   */
  keepExports?: number;
  /** The PDF analysis and export functions. Default `@syncline/pipeline`. */
  pipeline?: PdfPipeline;
  /**
   * Signed download URLs (`POST /api/exports/:id/link`, `POST /api/documents/:id/file/link`). `ttlMs`: how long one
   * works (default 60 s; `SYNCLINE_DOWNLOAD_LINK_TTL_MS`). `secret`: what their key is derived from (default the JWT
   * secret, or the dev secret; `SYNCLINE_DOWNLOAD_LINK_SECRET`), needed with a JWKS URL alone when several nodes serve
   * each other's links.
   */
  downloadLinks?: { secret?: string; ttlMs?: number };
}
