import type { AnalyzeSummary } from './analyze-pdf.js';
import type { PageResult } from './page-result.js';
import type { PipelineErrorCode } from './pipeline-error.js';

/** What the parent gives the analysis worker (its `workerData`). */
export type WorkerInput = {
  bytes: Uint8Array;
  /** An Int32Array over it: index 0 becomes 1 when the parent cancels (read at every text item). */
  cancel: SharedArrayBuffer;
  startPage?: number;
  maxBytes?: number;
  pageTimeoutMs?: number;
  figures?: boolean;
  maxItemsPerPage?: number;
  maxZonesPerPage?: number;
};

/** Worker -> parent. */
export type WorkerMessage =
  /** The PDF is open: the parent's stall watchdog starts over for the first page. */
  | { type: 'opened'; pages: number }
  | { type: 'page'; result: PageResult }
  | { type: 'done'; summary: AnalyzeSummary }
  | { type: 'error'; code: PipelineErrorCode | null; message: string };

/** Parent -> worker: `ack` after the parent's `onPage` for the last page settled; `cancel` to stop. */
export type ParentMessage = { type: 'ack' } | { type: 'cancel' };
