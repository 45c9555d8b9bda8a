import { readingOrder } from '@syncline/doc';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { annotationItems } from './annotation-text.js';
import { anyCovered, withoutCoveredInvisible } from './covered-text.js';
import { withDeadline } from './deadline.js';
import { drawnText, type FontMetrics, type OptionalContent } from './drawn-text.js';
import { imageBoxes } from './figures.js';
import { layoutPage } from './layout.js';
import { spacedOut } from './letter-spacing.js';
import { loadPdfjs } from './open-pdf.js';
import { clipToPage } from './page-box.js';
import { type ExtractedZone, type PageResult, zoneId } from './page-result.js';
import { PipelineError } from './pipeline-error.js';
import { textFrame, textTurn } from './text-frame.js';
import { type ToPage, textItems, withoutRepeats } from './text-items.js';

export type PageOptions = {
  /** Throws to stop the work (called per text item and between steps). */
  check: () => void;
  signal?: AbortSignal;
  /** Give up on a page (skip it with a warning) after this long. */
  timeoutMs: number;
  /** Look for images (figures) in the page's operator list. */
  figures: boolean;
  /** Text items read per page at most; the rest are dropped with a warning. */
  maxItems: number;
  /** Zones kept per page at most; the rest are dropped with a warning. */
  maxZones: number;
  /** The document's layers (optional content) as shown, when it has any (`documentLayers`). */
  layers?: OptionalContent;
};

class PageTimeout extends Error {}

/**
 * Analyzes one page (1-based). A page that cannot be parsed, or takes longer than `timeoutMs`, comes back
 * skipped with a warning; only a cancel (from `check` or the signal) throws.
 */
export async function analyzePage(
  doc: PDFDocumentProxy,
  pageNumber: number,
  opts: PageOptions,
): Promise<PageResult> {
  const t0 = performance.now();
  const pages = doc.numPages;
  const warnings: string[] = [];
  const { AnnotationMode, OPS } = await loadPdfjs();
  // One deadline for the whole page, not a fresh one per pdfjs call: three slow calls would otherwise take up to
  // three times the timeout, and the worker's watchdog (the timeout plus 5 s) would fail the whole job.
  const deadline = t0 + opts.timeoutMs;
  const guard = <T>(work: Promise<T>) =>
    withDeadline(
      work,
      Math.max(0, deadline - performance.now()),
      opts.signal,
      () => new PageTimeout('timed out'),
    );
  let zones: ExtractedZone[];
  try {
    opts.check();
    const page = await guard(doc.getPage(pageNumber));
    try {
      const viewport = page.getViewport({ scale: 1 });
      const toPage: ToPage = (x, y) => viewport.convertToViewportPoint(x, y) as [number, number];
      const content = await guard(page.getTextContent());
      // What filled-in form fields and typewriter notes show: pdfjs's text content leaves annotations out. Annotations
      // that cannot be read leave the page's own text as it was.
      const annotations = await guard(page.getAnnotations({ intent: 'display' })).catch((e: unknown) => {
        if (e instanceof PageTimeout || (e instanceof PipelineError && e.code === 'cancelled')) throw e;
        warnings.push(`annotations ${describe(e)}`);
        return [];
      });
      for (const item of annotationItems(annotations)) content.items.push(item);
      opts.check();
      if (content.items.length > opts.maxItems) {
        warnings.push(`${content.items.length} text items; only the first ${opts.maxItems} were read`);
        content.items = content.items.slice(0, opts.maxItems);
      }
      // The layout is found where the text is upright (a turned page's text runs down or up the page), and
      // read in that frame's order; the boxes are then turned back onto the page as shown.
      const frame = textFrame(viewport, textTurn(content, toPage));
      const toFrame: ToPage = (x, y) => frame.toFrame(...toPage(x, y));
      // Read once, for the figures and for how text is drawn, and only when needed.
      let operators: ReturnType<typeof page.getOperatorList> | undefined;
      const operatorList = () =>
        (operators ??= guard(page.getOperatorList({ annotationMode: AnnotationMode.DISABLE })));
      let runs = textItems(content, toFrame, opts.check);
      // Text the page draws invisibly (an OCR layer) is a second copy of the visible text it lies under, text in a
      // layer the page does not show is not on it, and letter-spaced text is read by pdfjs with a space between every
      // two letters. Only the operator list tells how text is drawn: it is read anyway for the figures; without
      // figures, only when the document has layers, some run is spaced out or some run lies under others.
      if (
        opts.figures ||
        opts.layers !== undefined ||
        content.items.some((raw) => 'str' in raw && spacedOut(raw.str)) ||
        anyCovered(runs, opts.check)
      ) {
        const fonts = page.commonObjs;
        const drawn = drawnText(
          content.items,
          await operatorList(),
          OPS,
          (name) => (fonts.has(name) ? (fonts.get(name) as FontMetrics) : undefined),
          page.view,
          opts.layers,
          opts.check,
        );
        if (drawn.invisible.size > 0 || drawn.hidden.size > 0 || drawn.respaced.size > 0) {
          runs = withoutCoveredInvisible(textItems(content, toFrame, opts.check, drawn), opts.check);
        }
      }
      const items = withoutRepeats(runs, opts.check);
      const figures = opts.figures
        ? imageBoxes(await operatorList(), OPS, toPage, viewport, opts.check, opts.layers).map(
            frame.toFrameBox,
          )
        : [];
      opts.check();
      const found = readingOrder(
        layoutPage(items, figures, opts.check).map((z) => ({ ...z, page: pageNumber })),
      ).flatMap((z) => {
        const bbox = clipToPage(frame.toPageBox(z.bbox), viewport);
        return bbox ? [{ ...z, bbox }] : [];
      });
      if (found.length > opts.maxZones) {
        warnings.push(`${found.length} zones; only the first ${opts.maxZones} were kept`);
        found.length = opts.maxZones;
      }
      // NFC again over the whole zone: an accent drawn as a run of its own joins its letter here.
      zones = found.map((z, i) => ({
        ...z,
        text: z.text.normalize('NFC'),
        id: zoneId(pageNumber, i + 1),
        order: i + 1,
      }));
    } finally {
      page.cleanup();
    }
  } catch (e) {
    if (e instanceof PipelineError && e.code === 'cancelled') throw e;
    const why = e instanceof PageTimeout ? `took longer than ${opts.timeoutMs} ms` : describe(e);
    return {
      page: pageNumber,
      pages,
      zones: [],
      warnings: [`skipped: ${why}`],
      ms: Math.round(performance.now() - t0),
      skipped: true,
    };
  }
  return { page: pageNumber, pages, zones, warnings, ms: Math.round(performance.now() - t0) };
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return `cannot be parsed (${msg.slice(0, 200)})`;
}
