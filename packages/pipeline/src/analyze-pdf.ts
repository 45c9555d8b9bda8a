import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { analyzePage } from './analyze-page.js';
import { withDeadline } from './deadline.js';
import type { OptionalContent } from './drawn-text.js';
import { DEFAULT_MAX_BYTES, DEFAULT_PAGE_TIMEOUT_MS, openPdf } from './open-pdf.js';
import type { PageResult } from './page-result.js';
import { isPipelineError, throwIfAborted } from './pipeline-error.js';

export type AnalyzeOptions = {
  /** Stops the analysis (rejects with `PipelineError('cancelled')`). */
  signal?: AbortSignal;
  /** The first page to analyze (1-based; default 1), to resume after the pages already done. */
  startPage?: number;
  /** Called after each page, in page order, and awaited before the next page is reported. */
  onPage?(result: PageResult): void | Promise<void>;
  /** Larger files are rejected with `too_large`. Default 50 MiB. */
  maxBytes?: number;
  /** A page taking longer is skipped with a warning; opening the PDF longer is `corrupt_pdf`. Default 30 s. */
  pageTimeoutMs?: number;
  /** Detect images as figure zones (reads each page's operator list). Default true. */
  figures?: boolean;
  /** Text items read per page. Default 100 000. */
  maxItemsPerPage?: number;
  /** Zones kept per page. Default 500. */
  maxZonesPerPage?: number;
};

export type AnalyzeSummary = {
  pages: number;
  /** Zones found on the pages analyzed (from `startPage` on). */
  zones: number;
  skippedPages: number[];
  /** The pages' warnings, each prefixed with `page N: `. */
  warnings: string[];
};

export type AnalyzeControl = {
  check: () => void;
  /** The document is open (its own deadline, up to `pageTimeoutMs`); its pages follow. */
  opened?: (pages: number) => void;
};

/**
 * Analyzes a PDF page by page in this thread. Bad input rejects with a `PipelineError` (`not_pdf`,
 * `corrupt_pdf`, `encrypted_pdf`, `empty_pdf`, `too_large`); a page that cannot be parsed is skipped, with
 * a warning and its number in `skippedPages`. The CPU work blocks this thread between awaits: in a server
 * use `analyzePdfInWorker`.
 */
export function analyzePdf(bytes: Uint8Array, opts: AnalyzeOptions = {}): Promise<AnalyzeSummary> {
  return runAnalysis(bytes, opts, { check: () => throwIfAborted(opts.signal) });
}

/** The analysis loop, shared with the worker (which checks a shared cancel flag). */
export async function runAnalysis(
  bytes: Uint8Array,
  opts: AnalyzeOptions,
  control: AnalyzeControl,
): Promise<AnalyzeSummary> {
  control.check();
  const timeoutMs = opts.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS;
  const doc = await openPdf(bytes, {
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    signal: opts.signal,
    timeoutMs,
  });
  control.opened?.(doc.numPages);
  const summary: AnalyzeSummary = { pages: doc.numPages, zones: 0, skippedPages: [], warnings: [] };
  try {
    const layers = await documentLayers(doc, timeoutMs, opts.signal);
    const first = Math.max(1, Math.floor(opts.startPage ?? 1));
    for (let n = first; n <= doc.numPages; n++) {
      control.check();
      const r = await analyzePage(doc, n, {
        check: control.check,
        signal: opts.signal,
        timeoutMs,
        figures: opts.figures ?? true,
        maxItems: opts.maxItemsPerPage ?? 100_000,
        maxZones: opts.maxZonesPerPage ?? 500,
        layers,
      });
      summary.zones += r.zones.length;
      if (r.skipped) summary.skippedPages.push(n);
      summary.warnings.push(...r.warnings.map((w) => `page ${n}: ${w}`));
      control.check();
      await opts.onPage?.(r);
    }
  } finally {
    await doc.destroy().catch(() => {});
  }
  control.check();
  return summary;
}

/**
 * The document's layers (optional content) and which of them it shows, if it has any; none when they cannot be read
 * in time (its pages are then read as if every layer were shown, as before).
 */
async function documentLayers(
  doc: PDFDocumentProxy,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<OptionalContent | undefined> {
  try {
    const config = await withDeadline(
      doc.getOptionalContentConfig(),
      timeoutMs,
      signal,
      () => new Error('timeout'),
    );
    return config[Symbol.iterator]().next().done ? undefined : config;
  } catch (e) {
    if (isPipelineError(e) && e.code === 'cancelled') throw e;
    return undefined;
  }
}
