import { documentOrder, type ZoneDocument } from '@syncline/doc';
import type { ExportFormat } from '@syncline/protocol';
import { toMarkdown } from './export-markdown.js';
import { ExportProgress } from './export-progress.js';
import { ragChunks } from './export-rag.js';

export type { ExportFormat };

export type ExportOptions = {
  documentId: string;
  /** Stops the export (rejects with `PipelineError('cancelled')`). */
  signal?: AbortSignal;
  /** Called with 0..1 as the export proceeds (at most once per percent, and 1 at the end). */
  onProgress?(progress: number): void;
};

export type ExportResult = {
  body: string;
  contentType: string;
  fileExtension: string;
  /** For `rag`: the number of chunks (lines). */
  chunks?: number;
};

/**
 * Renders a document: `rag` (JSON Lines, one chunk per line, see `RagChunk`), `markdown`, or `json`
 * (`{documentId, zones}` with the zones in reading order). Reading order is `documentOrder`'s: the analysis'
 * `order` of the zones it made, page by page.
 */
export async function exportDocument(
  doc: ZoneDocument,
  format: ExportFormat,
  opts: ExportOptions,
): Promise<ExportResult> {
  // As the analysis read each page (a turned page, vertical writing), with the zones people drew where they sit.
  const zones = documentOrder(Object.values(doc.zones));
  const progress = new ExportProgress(zones.length, opts.signal, opts.onProgress);
  await progress.step(0);
  let result: ExportResult;
  switch (format) {
    case 'rag': {
      const chunks = await ragChunks(zones, opts.documentId, progress);
      const body = chunks.map((c) => `${JSON.stringify(c)}\n`).join('');
      result = { body, contentType: 'application/x-ndjson', fileExtension: 'jsonl', chunks: chunks.length };
      break;
    }
    case 'markdown':
      result = {
        body: await toMarkdown(zones, progress),
        contentType: 'text/markdown; charset=utf-8',
        fileExtension: 'md',
      };
      break;
    case 'json': {
      for (let i = 0; i < zones.length; i++) await progress.step(i);
      const body = `${JSON.stringify({ documentId: opts.documentId, zones }, null, 2)}\n`;
      result = { body, contentType: 'application/json', fileExtension: 'json' };
      break;
    }
    default:
      throw new RangeError(`unknown export format ${JSON.stringify(format)}: expected rag, markdown or json`);
  }
  progress.done();
  return result;
}
