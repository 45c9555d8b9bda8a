import type { BBox, ZoneDocument, ZoneType } from '@syncline/doc';
import type { ExportFormat } from '@syncline/protocol';

/** A zone the analysis found on a page (pages are 1-based). */
export interface AnalyzedZone {
  id: string;
  page: number;
  bbox: BBox;
  type: ZoneType;
  label: string;
  confidence: number;
  text: string;
  order: number;
}

export interface AnalyzedPage {
  page: number;
  pages: number;
  zones: AnalyzedZone[];
  warnings: string[];
  ms: number;
  /** The page could not be parsed: no zones, a warning, and the analysis went on. */
  skipped?: boolean;
}

/**
 * What the jobs need from `@syncline/pipeline` (injectable, so the runner's own tests need no PDFs).
 * Errors are `PipelineError`s with a `code` and `recoverable`, which the job reports as they are.
 */
export interface PdfPipeline {
  /** Rejects with a `cancelled` `PipelineError` soon after `signal` aborts (opening a large PDF takes seconds). */
  inspectPdf(
    bytes: Uint8Array,
    options?: { maxBytes?: number; signal?: AbortSignal },
  ): Promise<{ pages: number }>;
  analyzePdfInWorker(
    bytes: Uint8Array,
    options: {
      signal?: AbortSignal;
      startPage?: number;
      maxBytes?: number;
      onPage?(result: AnalyzedPage): void | Promise<void>;
    },
  ): Promise<{ pages: number; skippedPages: unknown; warnings: unknown }>;
  exportDocument(
    doc: ZoneDocument,
    format: ExportFormat,
    options: { documentId: string; signal?: AbortSignal; onProgress?(progress: number): void },
  ): Promise<{ body: string | Uint8Array; contentType: string; fileExtension: string; chunks?: unknown }>;
}
