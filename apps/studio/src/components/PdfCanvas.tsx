import type { PDFDocumentProxy, RenderTask } from 'pdfjs-dist';
import { useEffect, useRef } from 'react';
import type { Nearness } from '../lib/nearness.js';

/**
 * One PDF page drawn on a canvas at `zoom` (sharp on high-DPI screens), according to how far the page is
 * from the visible part of the pane (`nearness`): rendered when `near` (a render under way is cancelled if
 * the page moves away), kept when `kept` if rendered at the current zoom, and released otherwise (the
 * canvas shrinks to 0×0, which frees its pixels, and pdf.js drops what it decoded for the page). A long
 * document thus holds the images of a few screens of pages, at any zoom. The canvas fills its page's
 * frame, so the layout does not change when its image is released. `data-drawn` marks a canvas whose
 * rendering has finished (tests and screenshots wait for it).
 *
 * To assistive technology the canvas is an image named "PDF page 3 of 12" (whether drawn or released: the name
 * is what the image is, not its pixels). The page's frame is a region named "Page 3", which is how one moves
 * between pages; the image's name stands alone, as in a screen reader's list of images where that region is not
 * read, so it carries the number too, and adds what the region does not say: that this is the PDF's page, and
 * of how many.
 */
export function PdfCanvas({
  pdf,
  pageIndex,
  zoom,
  nearness,
}: {
  pdf: PDFDocumentProxy;
  pageIndex: number;
  zoom: number;
  nearness: Nearness;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // What the canvas's image was drawn from, once drawn to the end.
  const drawn = useRef<{ pdf: PDFDocumentProxy; scale: number } | null>(null);
  // pdf.js holds what it decoded for the page since it was last asked to draw it.
  const used = useRef(false);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const scale = zoom * (window.devicePixelRatio || 1);
    const current = drawn.current?.pdf === pdf && drawn.current.scale === scale;
    if (nearness === 'kept' && current) return;
    if (nearness !== 'near') {
      drawn.current = null;
      clear(el);
      if (used.current) {
        used.current = false;
        void pdf.getPage(pageIndex + 1).then(
          (page) => page.cleanup(),
          () => {}, // the document was closed
        );
      }
      return;
    }
    if (current) return;
    drawn.current = null;
    let task: RenderTask | null = null;
    let cancelled = false;
    void pdf.getPage(pageIndex + 1).then((page) => {
      if (cancelled || canvas.current !== el) return;
      used.current = true;
      const viewport = page.getViewport({ scale });
      delete el.dataset.drawn;
      el.width = Math.floor(viewport.width);
      el.height = Math.floor(viewport.height);
      task = page.render({ canvas: el, viewport });
      task.promise.then(
        () => {
          if (cancelled) return;
          drawn.current = { pdf, scale };
          el.dataset.drawn = '';
        },
        () => {}, // cancelled: a new zoom, or the page left
      );
    });
    return () => {
      cancelled = true;
      if (task && !drawn.current) {
        // Stopped half-way: what is on the canvas is not a whole page.
        task.cancel();
        clear(el);
      }
    };
  }, [pdf, pageIndex, zoom, nearness]);
  return (
    <canvas
      ref={canvas}
      className="pdf-canvas"
      role="img"
      aria-label={`PDF page ${pageIndex + 1} of ${pdf.numPages}`}
    />
  );
}

/** Frees the canvas's pixels (the page keeps its size: the canvas is sized by CSS). */
function clear(el: HTMLCanvasElement): void {
  delete el.dataset.drawn;
  el.width = 0;
  el.height = 0;
}
