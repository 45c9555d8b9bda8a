import { EXPORT_FORMATS, type ExportFormat } from '@syncline/protocol';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import type { FileStore } from './file-store.js';
import { JobFailure, type JobJson } from './job.js';
import type { JobEvents } from './job-events.js';
import type { JobContext, JobHandler } from './job-runner.js';
import type { PdfPipeline } from './pdf-pipeline.js';

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
 * The export id is the job id.
 */
export class ExportJob implements JobHandler {
  constructor(
    private readonly d: {
      files: FileStore;
      documents: DocumentSequencer;
      pipeline: PdfPipeline;
      events: JobEvents;
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
    const doc = await this.d.documents.read(job.documentId);
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
}
