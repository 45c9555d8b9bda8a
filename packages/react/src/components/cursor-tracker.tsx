'use client';
import { type ReactNode, type RefObject, useEffect, useState } from 'react';
import type { CollaborationCursor } from '../use-collaboration.js';

export interface CursorTrackerProps {
  cursors: readonly CollaborationCursor[];
  /** The positioned element (`position: relative`) the cursors are drawn in; usually the scrolling pages pane. */
  containerRef: RefObject<HTMLElement | null>;
  /** The element of a page (inside the container); cursors on pages without one are not drawn. */
  pageElement: (page: number) => HTMLElement | null | undefined;
  className?: string;
  /** Hide cursors not moved for this long (ms). Default 60 000; 0 keeps them. */
  staleMs?: number;
}

interface Placed {
  cursor: CollaborationCursor;
  left: number;
  top: number;
}

/**
 * Other users' cursors over the pages. A cursor is in page coordinates (0..1 of the page's width and
 * height), so it lands on the same spot of the page at any zoom and scroll: its pixel position is the
 * page element's box (relative to the container, scroll included) scaled by x and y. Re-placed when the
 * cursors change and when the container scrolls or resizes.
 */
export function CursorTracker({
  cursors,
  containerRef,
  pageElement,
  className,
  staleMs = 60_000,
}: CursorTrackerProps): ReactNode {
  const [layout, setLayout] = useState(0);
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const relayout = () => setLayout((n) => n + 1);
    container.addEventListener('scroll', relayout, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(relayout);
    observer?.observe(container);
    return () => {
      container.removeEventListener('scroll', relayout);
      observer?.disconnect();
    };
  }, [containerRef]);

  // A cursor shown goes stale without anything changing: re-render when the next one does.
  const [expired, setExpired] = useState(0);
  useEffect(() => {
    if (staleMs <= 0) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const c of cursors) if (c.at + staleMs >= now) next = Math.min(next, c.at + staleMs);
    if (next === Number.POSITIVE_INFINITY) return;
    const timer = setTimeout(() => setExpired(expired + 1), next - now + 1);
    return () => clearTimeout(timer);
  }, [cursors, staleMs, expired]);

  const container = containerRef.current;
  const now = Date.now();
  const placed: Placed[] = [];
  if (container) {
    const box = container.getBoundingClientRect();
    for (const cursor of cursors) {
      if (staleMs > 0 && now - cursor.at > staleMs) continue;
      const page = pageElement(cursor.page);
      if (!page) continue;
      const r = page.getBoundingClientRect();
      placed.push({
        cursor,
        left: r.left - box.left + container.scrollLeft + cursor.x * r.width,
        top: r.top - box.top + container.scrollTop + cursor.y * r.height,
      });
    }
  }
  return (
    <div
      className={['syncline-cursors', className].filter(Boolean).join(' ')}
      aria-hidden="true"
      data-layout={layout}
      style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}
    >
      {placed.map(({ cursor, left, top }) => (
        <div
          key={cursor.userId}
          className="syncline-cursor"
          data-user-id={cursor.userId}
          style={
            {
              position: 'absolute',
              left,
              top,
              color: cursor.color,
              '--syncline-user-color': cursor.color,
            } as React.CSSProperties
          }
        >
          <svg
            className="syncline-cursor__pointer"
            width="14"
            height="20"
            viewBox="0 0 14 20"
            aria-hidden="true"
          >
            <path d="M0 0 L0 16 L4 12 L7 19 L10 18 L7 11 L13 11 Z" fill="currentColor" />
          </svg>
          <span className="syncline-cursor__name">{cursor.name}</span>
        </div>
      ))}
    </div>
  );
}

/**
 * A pointer event's position in page coordinates of `page` (0..1 of its box), or null outside it: what
 * `updateCursor` wants.
 */
export function pagePosition(
  event: { clientX: number; clientY: number },
  page: HTMLElement,
): { x: number; y: number } | null {
  const r = page.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return null;
  const x = (event.clientX - r.left) / r.width;
  const y = (event.clientY - r.top) / r.height;
  if (x < 0 || x > 1 || y < 0 || y > 1) return null;
  return { x, y };
}
