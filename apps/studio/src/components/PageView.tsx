import type { Cursor } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import type { ZoneLock } from '@syncline/protocol';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { memo, type PointerEvent, useEffect, useRef, useState } from 'react';
import { useNearness } from '../lib/nearness.js';
import { PdfCanvas } from './PdfCanvas.js';
import { ZoneBox } from './ZoneBox.js';

export interface PageProps {
  index: number;
  size: { width: number; height: number };
  zoom: number;
  pdf: PDFDocumentProxy | null;
  zones: readonly Zone[];
  /** Reading-order number of each zone (1-based), in the order of `zones`. */
  numbers: readonly number[];
  locks: Readonly<Record<string, ZoneLock>>;
  selfId: string;
  /** Cursors of users editing this page's zones (the cursors themselves are drawn by `CursorTracker`). */
  cursors: readonly Cursor[];
  names: Map<string, string>;
  selected: string | null;
  drawing: boolean;
  onSelect: (zoneId: string | null) => void;
  onCreate: (page: number, bbox: Zone['bbox']) => void;
  onDelete: (zoneId: string) => void;
  /** Sets a zone's box (moved or resized on the page); absent when the document cannot be changed. */
  onMove?: (zoneId: string, bbox: Zone['bbox']) => void;
  onPointer: (page: number, x: number, y: number) => void;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const pct = (v: number) => `${(v * 100).toFixed(4)}%`;

/**
 * One page of the left pane: the PDF page (or a blank one), the zone boxes over it (with who is editing
 * them; the selected one moves and resizes, see `ZoneBox`), and rectangle drawing. Everything over the page
 * is placed in fractions of the page, so it stays right at any zoom and scroll; pointer positions are
 * reported as such fractions (0..1).
 */
export const PageView = memo(function PageView(p: PageProps) {
  const el = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLElement>(null);
  const nearness = useNearness(frame);
  const [rect, setRect] = useState<Rect | null>(null);
  // Escape drops the rectangle being drawn (and, in DualPaneViewer, leaves "Draw zone").
  const dragging = rect !== null;
  useEffect(() => {
    if (!dragging) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setRect(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dragging]);
  const at = (e: PointerEvent) => {
    const box = el.current?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return { x: 0, y: 0 };
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return { x: clamp((e.clientX - box.left) / box.width), y: clamp((e.clientY - box.top) / box.height) };
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || (e.target as HTMLElement).closest('.zone-box')) return;
    if (!p.drawing && !e.shiftKey) {
      p.onSelect(null);
      return;
    }
    const { x, y } = at(e);
    e.currentTarget.setPointerCapture(e.pointerId);
    setRect({ x0: x, y0: y, x1: x, y1: y });
    e.preventDefault();
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const { x, y } = at(e);
    p.onPointer(p.index, x, y);
    if (rect) setRect({ ...rect, x1: x, y1: y });
  };
  const onPointerUp = () => {
    if (!rect) return;
    setRect(null);
    const x = Math.min(rect.x0, rect.x1);
    const y = Math.min(rect.y0, rect.y1);
    const w = Math.abs(rect.x1 - rect.x0);
    const h = Math.abs(rect.y1 - rect.y0);
    if (w < 0.01 || h < 0.005) return;
    const { width, height } = p.size;
    const round = (v: number) => Math.round(v * 100) / 100;
    p.onCreate(p.index, {
      x: round(x * width),
      y: round(y * height),
      w: round(w * width),
      h: round(h * height),
    });
  };
  // Above the next page, for the selected box's handles at the bottom edge (see `.page-frame.holds-selected`).
  const holdsSelected = p.selected !== null && p.zones.some((z) => z.id === p.selected);
  return (
    <section
      ref={frame}
      className={holdsSelected ? 'page-frame holds-selected' : 'page-frame'}
      aria-label={`Page ${p.index + 1}`}
      style={{ width: p.size.width * p.zoom, height: p.size.height * p.zoom }}
    >
      <div
        ref={el}
        // While drawing, touch draws a rectangle; otherwise it scrolls and zooms the pane.
        className={`page${p.drawing || dragging ? ' drawing' : ''}`}
        data-page={p.index}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setRect(null)}
      >
        {p.pdf ? (
          <PdfCanvas pdf={p.pdf} pageIndex={p.index} zoom={p.zoom} nearness={nearness} />
        ) : (
          <div className="blank-page" />
        )}
        {p.zones.map((z, zi) => (
          <ZoneBox
            key={z.id}
            zone={z}
            n={p.numbers[zi] ?? 0}
            page={p.size}
            lock={p.locks[z.id]}
            selfId={p.selfId}
            names={p.names}
            editors={p.cursors.filter((c) => c.zoneId === z.id)}
            selected={p.selected === z.id}
            onSelect={p.onSelect}
            onDelete={p.onDelete}
            onMove={p.onMove}
          />
        ))}
        {rect && (
          <div
            className="draw-rect"
            style={{
              left: pct(Math.min(rect.x0, rect.x1)),
              top: pct(Math.min(rect.y0, rect.y1)),
              width: pct(Math.abs(rect.x1 - rect.x0)),
              height: pct(Math.abs(rect.y1 - rect.y0)),
            }}
          />
        )}
      </div>
    </section>
  );
});
