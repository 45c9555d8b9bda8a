// The reading order the exports use, defined with the document model so Studio numbers zones the same way.
export { documentOrder, readingOrder } from '@syncline/doc';
export { type AnalyzeOptions, type AnalyzeSummary, analyzePdf } from './analyze-pdf.js';
export {
  activeWorkers,
  analyzePdfInWorker,
  defaultWorkerUrl,
  inspectPdfInWorker,
  type WorkerAnalyzeOptions,
} from './analyze-pdf-in-worker.js';
export {
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  exportDocument,
} from './export-document.js';
export { RAG_CHUNK_CHARS, type RagChunk } from './export-rag.js';
export { inspectPdf } from './inspect-pdf.js';
export { DEFAULT_MAX_BYTES, DEFAULT_PAGE_TIMEOUT_MS } from './open-pdf.js';
export { type ExtractedZone, type PageResult, zoneId } from './page-result.js';
export { isPipelineError, PipelineError, type PipelineErrorCode } from './pipeline-error.js';
