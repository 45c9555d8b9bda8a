import { type OpenOptions, openPdf } from './open-pdf.js';

/**
 * Opens a PDF just to count its pages (rejects with a `PipelineError` for bad input, like `analyzePdf`).
 * Runs in this thread; opening parses only the cross-reference table and the page tree.
 */
export async function inspectPdf(bytes: Uint8Array, opts: OpenOptions = {}): Promise<{ pages: number }> {
  const doc = await openPdf(bytes, opts);
  try {
    return { pages: doc.numPages };
  } finally {
    await doc.destroy().catch(() => {});
  }
}
