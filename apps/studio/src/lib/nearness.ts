import { type RefObject, useEffect, useState } from 'react';
import { type IndexRange, rangeIn, visibleBand } from './visible-range.js';

/**
 * How far an element is from the visible part of its scroll container: `near` (on screen, or within
 * `DRAW_MARGIN` of it: a page there is drawn), `kept` (within `KEEP_MARGIN`: a page drawn there keeps its
 * image, so scrolling back and forth does not draw it again) or `far` (a page there holds no image).
 */
export type Nearness = 'near' | 'kept' | 'far';

/** The margin around the visible part of the pane, above and below, in which pages are drawn (its heights). */
export const DRAW_MARGIN = 1;
/** The margin in which drawn pages keep their image; beyond it they release it. */
export const KEEP_MARGIN = 3;

/** The nearest ancestor of `el` that scrolls its content (`null`: the window). */
export function scrollParent(el: Element): Element | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const { overflowY } = getComputedStyle(p);
    if (overflowY === 'auto' || overflowY === 'scroll') return p;
  }
  return null;
}

type Listener = (nearness: Nearness) => void;

/**
 * The elements watched in one scroll container, in document order (one above the other, as pages are), and how near
 * each is. Measured at most once a frame after the container scrolls, the window resizes, or what holds the elements
 * changes size (a zoom, pages coming), by a binary search for the ends of each band: a few element boxes read, however
 * many pages. No observer per element: hundreds of `IntersectionObserver`s cost the browser about 25 ms on every frame
 * that changes the layout (each keystroke, with 590 pages), since each is computed again.
 */
class Band {
  private readonly elements: Element[] = [];
  private readonly listeners = new Map<Element, Listener>();
  private readonly state = new Map<Element, Nearness>();
  private readonly parents = new Map<Element, number>();
  private readonly resize: ResizeObserver | null;
  private frame = 0;

  constructor(
    private readonly root: Element | null,
    private readonly onEmpty: () => void,
  ) {
    this.resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(this.update);
    document.addEventListener('scroll', this.update, { capture: true, passive: true });
    window.addEventListener('resize', this.update);
  }

  watch(el: Element, listener: Listener): () => void {
    // In document order: after every element it follows.
    let lo = 0;
    let hi = this.elements.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.elements[mid].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) lo = mid + 1;
      else hi = mid;
    }
    this.elements.splice(lo, 0, el);
    this.listeners.set(el, listener);
    const parent = el.parentElement;
    if (parent) {
      const n = this.parents.get(parent) ?? 0;
      this.parents.set(parent, n + 1);
      if (n === 0) this.resize?.observe(parent);
    }
    this.update();
    return () => {
      if (this.listeners.get(el) !== listener) return;
      this.listeners.delete(el);
      this.state.delete(el);
      this.elements.splice(this.elements.indexOf(el), 1);
      if (parent) {
        const n = (this.parents.get(parent) ?? 1) - 1;
        if (n > 0) this.parents.set(parent, n);
        else {
          this.parents.delete(parent);
          this.resize?.unobserve(parent);
        }
      }
      if (this.elements.length === 0) this.dispose();
      else this.update(); // the ones after it may have moved up
    };
  }

  private update = () => {
    if (!this.frame) this.frame = requestAnimationFrame(this.measure);
  };

  private measure = () => {
    this.frame = 0;
    const view = visibleBand(this.root);
    const height = view.bottom - view.top;
    const els = this.elements;
    const edge = (i: number) => els[i].getBoundingClientRect();
    const within = (margin: number): IndexRange =>
      rangeIn(els.length, edge, view.top - margin * height, view.bottom + margin * height);
    const near = within(DRAW_MARGIN);
    const kept = within(KEEP_MARGIN);
    const changed: [Listener, Nearness][] = [];
    for (let i = 0; i < els.length; i++) {
      const n: Nearness =
        i >= near.from && i < near.to ? 'near' : i >= kept.from && i < kept.to ? 'kept' : 'far';
      if (this.state.get(els[i]) === n) continue;
      this.state.set(els[i], n);
      const listener = this.listeners.get(els[i]);
      if (listener) changed.push([listener, n]);
    }
    for (const [listener, n] of changed) listener(n);
  };

  private dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.resize?.disconnect();
    document.removeEventListener('scroll', this.update, { capture: true });
    window.removeEventListener('resize', this.update);
    this.onEmpty();
  }
}

const bands = new Map<Element | null, Band>();

/** Calls `listener` with the `Nearness` of `el` in the scroll container `root` once measured, and at each change. */
export function watchNearness(el: Element, root: Element | null, listener: Listener): () => void {
  let band = bands.get(root);
  if (!band) {
    const created = new Band(root, () => {
      if (bands.get(root) === created) bands.delete(root);
    });
    bands.set(root, created);
    band = created;
  }
  return band.watch(el, listener);
}

/**
 * The `Nearness` of the element of `ref` (its box must be laid out: a page's frame, not what a
 * `content-visibility: auto` frame skips); `far` until first measured.
 */
export function useNearness(ref: RefObject<Element | null>): Nearness {
  const [nearness, setNearness] = useState<Nearness>('far');
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    return watchNearness(el, scrollParent(el), setNearness);
  }, [ref]);
  return nearness;
}
