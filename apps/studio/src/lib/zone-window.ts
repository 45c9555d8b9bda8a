import { type RefObject, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { scrollParent } from './nearness.js';
import { type IndexRange, rangeIn, visibleBand } from './visible-range.js';

/**
 * Which items of a long list are near the visible part of its scroll container (within `margin` of its height above
 * and below): a store items subscribe to, each for its own index, so a change re-renders only the items that came
 * near or went away. Kept up to date from the container's scrolling and the list's size (zones arriving, texts
 * growing), at most once a frame: no observer per item (thousands of them cost every frame, typing included).
 *
 * It also says how many items the list has (`count`), for each item to tell assistive technology (`aria-setsize`).
 */
export class ZoneWindow {
  private range: IndexRange = { from: 0, to: 0 };
  private focused: number | null = null;
  private everything = false;
  private readonly listeners = new Set<() => void>();
  private items = 0;
  private readonly countListeners = new Set<(count: number) => void>();

  /** Subscribes to changes of the range; returns the unsubscription. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Whether item `index` is near; so are the neighbours of the item with the focus, wherever it is: Tab and
   * Shift+Tab always find the next zone's editor there, however fast they are pressed.
   */
  has(index: number): boolean {
    if (this.everything) return true;
    if (this.focused !== null && Math.abs(index - this.focused) <= 1) return true;
    return index >= this.range.from && index < this.range.to;
  }

  /** Every item counts as near (a short list: all of it is cheap), or only those that are. */
  setEverything(everything: boolean): void {
    if (everything === this.everything) return;
    this.everything = everything;
    this.notify();
  }

  get focusedIndex(): number | null {
    return this.focused;
  }

  /** Item `index` has the focus (`null`: none has). */
  focus(index: number | null): void {
    if (index === this.focused) return;
    this.focused = index;
    this.notify();
  }

  get current(): IndexRange {
    return this.range;
  }

  set(range: IndexRange): void {
    if (range.from === this.range.from && range.to === this.range.to) return;
    this.range = range;
    this.notify();
  }

  /** How many items the list has. */
  get count(): number {
    return this.items;
  }

  setCount(count: number): void {
    if (count === this.items) return;
    this.items = count;
    for (const l of [...this.countListeners]) l(count);
  }

  /**
   * Calls `listener` with the count now and at each change of it; returns the unsubscription. An item writes it into
   * its element itself: as a prop, each zone arriving or deleted would render every item of a long list again.
   */
  onCount(listener: (count: number) => void): () => void {
    this.countListeners.add(listener);
    listener(this.items);
    return () => this.countListeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /**
   * Keeps the range of the list `list` (its children are groups of items, see `groupedRange`) up to date until
   * `dispose()`; `update()` measures it again (at the next frame). `margin`: how many heights of the visible part above
   * and below count as near.
   */
  track(list: HTMLElement, margin = 1): { update: () => void; dispose: () => void } {
    let frame = 0;
    const measure = () => {
      frame = 0;
      const view = visibleBand(scrollParent(list));
      const height = view.bottom - view.top;
      this.set(groupedRange(list.children, view.top - margin * height, view.bottom + margin * height));
    };
    const update = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    // Scrolling the text pane, or the window (on a phone the panes are one above the other and the page scrolls).
    document.addEventListener('scroll', update, { capture: true, passive: true });
    window.addEventListener('resize', update);
    const resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    resize?.observe(list);
    update();
    return {
      update,
      dispose: () => {
        if (frame) cancelAnimationFrame(frame);
        document.removeEventListener('scroll', update, { capture: true });
        window.removeEventListener('resize', update);
        resize?.disconnect();
      },
    };
  }
}

/** An element of a list, where it is (in the band's coordinates, as `rangeIn` takes them). */
interface Box {
  getBoundingClientRect(): { top: number; bottom: number };
}

/**
 * The items overlapping the band `[top, bottom)` of a list of `groups` of items (the text pane's zones in groups of a
 * few pages: a keystroke lays out one group and the list of groups again, not thousands of items), counted through
 * all groups: the groups overlapping it (`rangeIn`), then the items in the first and the last of them. No other item's
 * box is read: about 2·log₂ of the groups' and of two groups' items, however long the list.
 */
export function groupedRange(
  groups: ArrayLike<Box & { readonly children: ArrayLike<Box> }>,
  top: number,
  bottom: number,
): IndexRange {
  const g = rangeIn(groups.length, (i) => groups[i].getBoundingClientRect(), top, bottom);
  let start = 0;
  for (let i = 0; i < g.from; i++) start += groups[i].children.length;
  if (g.from === g.to) return { from: start, to: start };
  const within = (k: number) => {
    const items = groups[k].children;
    return rangeIn(items.length, (i) => items[i].getBoundingClientRect(), top, bottom);
  };
  const first = within(g.from);
  let lastStart = start;
  for (let i = g.from; i < g.to - 1; i++) lastStart += groups[i].children.length;
  const last = g.to - 1 === g.from ? first : within(g.to - 1);
  return { from: start + first.from, to: lastStart + last.to };
}

/**
 * What a zone's editor leaves behind for when it is mounted again, per document and zone, for the session: the height
 * its text box was dragged to (its resizer), for the editor to take again and its placeholder to stand in with.
 */
export class TextHeights {
  private readonly heights = new Map<string, string>();

  private static key(documentId: string, zoneId: string): string {
    return `${documentId}\n${zoneId}`;
  }

  /** The height (a CSS length, `150px`) zone `zoneId`'s text box was left at, if it was resized. */
  get(documentId: string, zoneId: string): string | undefined {
    return this.heights.get(TextHeights.key(documentId, zoneId));
  }

  /** Remembers the text box's inline height (`''`: not resized, as the text sets it). */
  set(documentId: string, zoneId: string, height: string): void {
    if (height) this.heights.set(TextHeights.key(documentId, zoneId), height);
    else this.heights.delete(TextHeights.key(documentId, zoneId));
  }
}

/** The text box heights of this tab. */
export const textHeights = new TextHeights();

/**
 * Lists of at most this many zones are editors whole (their find, Ctrl+F, finds text in every one of them, and
 * mounting them all is still quick); longer ones only near the screen.
 */
export const WHOLE_UP_TO = 250;

/**
 * A `ZoneWindow` tracking the list of `listRef`, of `zones` (any value that changes with them: the items may have
 * moved without the list changing size, so the range is measured again), counting them; every item is near in a list
 * of at most `WHOLE_UP_TO`.
 */
export function useZoneWindow(listRef: RefObject<HTMLElement | null>, zones: readonly unknown[]): ZoneWindow {
  const whole = zones.length <= WHOLE_UP_TO;
  const [win] = useState(() => {
    const w = new ZoneWindow();
    w.setEverything(whole);
    return w;
  });
  useLayoutEffect(() => win.setEverything(whole), [win, whole]);
  // After the items' own layout effects: new ones have subscribed to the count, and all take the new one.
  useLayoutEffect(() => win.setCount(zones.length), [win, zones.length]);
  const tracker = useRef<{ update: () => void } | null>(null);
  useEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const t = win.track(list);
    tracker.current = t;
    return () => {
      t.dispose();
      tracker.current = null;
    };
  }, [win, listRef]);
  useEffect(() => {
    void zones;
    tracker.current?.update();
  }, [zones]);
  return win;
}

/** Whether item `index` is in `win`'s range (re-rendering only when that changes). */
export function useInWindow(win: ZoneWindow, index: number): boolean {
  return useSyncExternalStore(win.subscribe, () => win.has(index));
}
