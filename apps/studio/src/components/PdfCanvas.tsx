import type { PDFDocumentProxy, RenderTask } from 'pdfjs-dist';
import { useEffect, useRef, useState } from 'react';

/**
 * One PDF page drawn on a canvas at `zoom` (sharp on high-DPI screens), drawn only once it comes near
 * the visible part of the pane (a long document does not render every page at once); re-drawn when the
 * zoom changes. `data-drawn` marks a canvas whose drawing has finished (tests and screenshots wait for it).
 */
export function PdfCanvas({
  pdf,
  pageIndex,
  zoom,
}: {
  pdf: PDFDocumentProxy;
  pageIndex: number;
  zoom: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [visible, setVisible] = useState(false);

  useEffect(() => {
    const el = canvas.current;
    if (!el || typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return;
    }
    const io = new IntersectionObserver((entries) => setVisible(entries.some((e) => e.isIntersecting)), {
      rootMargin: '100% 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  useEffect(() => {
    if (!visible) return;
    let task: RenderTask | null = null;
    let cancelled = false;
    void pdf.getPage(pageIndex + 1).then((page) => {
      const el = canvas.current;
      if (cancelled || !el) return;
      const dpr = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: zoom * dpr });
      delete el.dataset.drawn;
      el.width = Math.floor(viewport.width);
      el.height = Math.floor(viewport.height);
      task = page.render({ canvas: el, viewport });
      task.promise.then(
        () => {
          el.dataset.drawn = '';
        },
        () => {}, // cancelled by a newer zoom
      );
    });
    return () => {
      cancelled = true;
      task?.cancel();
    };
  }, [pdf, pageIndex, zoom, visible]);
  return <canvas ref={canvas} className="pdf-canvas" />;
}
