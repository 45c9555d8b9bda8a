import { type RefObject, useEffect, useState } from 'react';

/**
 * How far an element is from the visible part of its scroll container: `near` (on screen, or within
 * `DRAW_MARGIN` of it: a page there is drawn), `kept` (within `KEEP_MARGIN`: a page drawn there keeps its
 * image, so scrolling back and forth does not draw it again) or `far` (a page there holds no image).
 */
export type Nearness = 'near' | 'kept' | 'far';

/** The margin around the visible part of the pane, above and below, in which pages are drawn. */
export const DRAW_MARGIN = '100%';
/** The margin in which drawn pages keep their image; beyond it they release it. */
export const KEEP_MARGIN = '300%';

/** The nearest ancestor of `el` that scrolls its content (`null`: the window). */
export function scrollParent(el: Element): Element | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const { overflowY } = getComputedStyle(p);
    if (overflowY === 'auto' || overflowY === 'scroll') return p;
  }
  return null;
}

/**
 * The `Nearness` of the element of `ref` (its box must be laid out: a page's frame, not what a
 * `content-visibility: auto` frame skips). Without `IntersectionObserver` everything is `near`.
 */
export function useNearness(ref: RefObject<Element | null>): Nearness {
  const [near, setNear] = useState(false);
  const [kept, setKept] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') {
      setNear(true);
      setKept(true);
      return;
    }
    const root = scrollParent(el);
    const watch = (margin: string, set: (v: boolean) => void) => {
      const io = new IntersectionObserver((entries) => set(entries[entries.length - 1].isIntersecting), {
        root,
        rootMargin: `${margin} 0px`,
      });
      io.observe(el);
      return io;
    };
    const observers = [watch(DRAW_MARGIN, setNear), watch(KEEP_MARGIN, setKept)];
    return () => {
      for (const io of observers) io.disconnect();
    };
  }, [ref]);
  return near ? 'near' : kept ? 'kept' : 'far';
}
