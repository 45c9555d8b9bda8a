import type { ZoneDocument } from '@syncline/doc';
import { ErrorCode, EXPORT_FORMATS, type ExportFormat } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import { missingDocument } from './document-owner.js';
import type { FileStore } from './file-store.js';
import { type Job, JobFailure, type JobJson } from './job.js';
import type { JobEvents } from './job-events.js';
import type { JobContext, JobHandler } from './job-runner.js';
import type { JobStore } from './job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';

/** Finished exports whose files are kept per document by default (see `ExportJob.settled`). */
export const DEFAULT_KEEP_EXPORTS = 10;

export const exportKey = (exportId: string, extension: string): string =>
  `export/${exportId}.${extension.replace(/[^A-Za-z0-9]/g, '') || 'bin'}`;
export const downloadUrl = (exportId: string): string => `/api/exports/${encodeURIComponent(exportId)}`;

/** What an export job's `result` holds. */
export interface ExportResult {
  exportId: string;
  format: ExportFormat;
  downloadUrl: string;
  fileKey: string;
  contentType: string;
  fileExtension: string;
  size: number;
  chunks: number | null;
  [key: string]: JobJson;
}

/**
 * The `export` job: renders the document as committed now (`rag` JSON Lines, `markdown`, `json`) with
 * the pipeline's exporter, streaming progress, and stores the file for `GET /api/exports/:exportId`.
 * The export id is the job id. Only the files of a document's newest `keepExports` finished exports are kept.
 */
export class ExportJob implements JobHandler {
  constructor(
    private readonly d: {
      files: FileStore;
      store: JobStore;
      documents: DocumentSequencer;
      pipeline: PdfPipeline;
      events: JobEvents;
      /** Finished exports kept per document (their files); older ones answer 404. Default 10. */
      keepExports?: number;
    },
  ) {}

  async run(ctx: JobContext): Promise<JobJson> {
    const job = ctx.job;
    const format = (job.params as { format?: unknown } | null)?.format;
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
      throw new JobFailure('invalid_format', `format must be one of ${EXPORT_FORMATS.join(', ')}`, false);
    }
    const f = format as ExportFormat;
    ctx.report({ stage: 'exporting', progress: 0 });
    this.d.events.exportProgress(ctx.job, 0, f);
    const doc = await this.read(job.documentId);
    const out = await this.d.pipeline.exportDocument(doc.data, f, {
      documentId: job.documentId,
      signal: ctx.signal,
      onProgress: (p) => {
        const live = ctx.report({ progress: p });
        this.d.events.exportProgress(live, p, f);
      },
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const bytes = typeof out.body === 'string' ? new TextEncoder().encode(out.body) : out.body;
    const fileKey = exportKey(job.id, out.fileExtension);
    await this.d.files.put(fileKey, bytes);
    // Cancelled while the file was written: the job ends cancelled, and no download will ever name this file.
    if (ctx.signal.aborted) {
      await this.d.files.delete(fileKey);
      throw ctx.signal.reason;
    }
    const chunks = Array.isArray(out.chunks)
      ? out.chunks.length
      : typeof out.chunks === 'number'
        ? out.chunks
        : null;
    this.d.events.exportProgress(ctx.report({ progress: 1 }), 1, f);
    const result: ExportResult = {
      exportId: job.id,
      format: f,
      downloadUrl: downloadUrl(job.id),
      fileKey,
      contentType: out.contentType,
      fileExtension: out.fileExtension,
      size: bytes.byteLength,
      chunks,
    };
    return result;
  }

  /**
   * The document as committed now. One deleted (after `export.start`, or on another node), or never made, fails the
   * export at once with `not_found`: no run can find it again, so it is not retried; and it is not read by its id,
   * which would make an empty document of it.
   */
  private async read(documentId: string): Promise<{ data: ZoneDocument }> {
    const gone = async () => {
      const err = await missingDocument(this.d.documents, documentId);
      return new JobFailure(err.code, err.message, false);
    };
    if (!(await this.d.documents.info(documentId))) throw await gone();
    try {
      return await this.d.documents.read(documentId);
    } catch (err) {
      if (err instanceof SynclineError && err.code === ErrorCode.NotFound) throw await gone();
      throw err;
    }
  }

  /**
   * The export finished, but another node had cancelled it meanwhile (the runner saw it only when storing the
   * completion): the job ends cancelled, and no download will ever name this file.
   */
  async discard(_job: Job, result: JobJson | undefined): Promise<void> {
    const fileKey = (result as Partial<ExportResult> | null | undefined)?.fileKey;
    if (typeof fileKey === 'string') await this.d.files.delete(fileKey);
  }

  /**
   * Retention: every export is a new file, and a document may be exported again and again (each edit, each format).
   * Once an export completes, the files of the document's finished exports older than the newest `keepExports` are
   * deleted (their jobs stay, and a download answers 404 "no longer stored"). Bounded per document rather than by
   * age: the exports someone may still download are the recent ones, whatever the pace of edits.
   */
  async settled(job: Job): Promise<void> {
    if (job.state !== 'completed') return;
    const keep = Math.max(1, this.d.keepExports ?? DEFAULT_KEEP_EXPORTS);
    // Each completion trims what falls out then, so a window beyond `keep` covers what earlier trims left.
    const done = await this.d.store.listJobs({
      documentId: job.documentId,
      kind: 'export',
      states: ['completed'],
      limit: keep + 20,
    });
    for (const old of done.slice(keep)) {
      const fileKey = (old.result as Partial<ExportResult> | null)?.fileKey;
      if (typeof fileKey === 'string') await this.d.files.delete(fileKey);
    }
  }
}
