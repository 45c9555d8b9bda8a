import type { Zone } from '@syncline/doc';
import { type RefObject, useEffect, useLayoutEffect, useRef } from 'react';
import { zoneToFocus } from '../lib/focus-rescue.js';

/** What had the focus in the viewer, and which zone it was about, in which pane. */
interface Had {
  el: Element;
  zoneId: string | null;
  pane: 'text' | 'pages';
}

/**
 * Keeps the focus in the viewer (`root`) when what had it is taken out of the page: a zone's text or box whose zone was
 * deleted (by me, by someone else, by an undo or redo), or the selected zone's tools (in the pages pane's toolbar) gone
 * with the selection. The focus goes to the same pane's element of the zone `zoneToFocus` names (its text, or its box
 * on the page), or, with no zone left, to `last` (Add zone). Checked after each render of the zones, before paint. A
 * tool of the selected zone disabled while it has the focus (someone else locked the zone) gives it to the zone's box.
 */
export function useFocusRescue(
  root: RefObject<HTMLElement | null>,
  zones: readonly Zone[],
  selected: string | null,
  last: RefObject<HTMLElement | null>,
): void {
  const had = useRef<Had | null>(null);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // The zones as last shown: the order the focus was lost in.
  const shown = useRef(zones);
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const onFocusIn = (e: FocusEvent) => {
      const target = e.target as Element;
      const zoneId =
        target.closest('[data-zone-id]')?.getAttribute('data-zone-id') ??
        (target.closest('.pane-toolbar') ? selectedRef.current : null);
      had.current = { el: target, zoneId, pane: target.closest('.text-pane') ? 'text' : 'pages' };
    };
    // A tool that is disabled while it has the focus (the selected zone locked by someone else meanwhile) stays in the
    // page, but the browser takes the focus from it to the page's body, after the render: the zone's box has it instead.
    const onFocusOut = (e: FocusEvent) => {
      const target = e.target as Element;
      if (e.relatedTarget !== null || !target.isConnected || !target.matches(':disabled')) return;
      const zoneId = target.closest('.pane-toolbar') ? selectedRef.current : null;
      if (zoneId === null) return;
      requestAnimationFrame(() => {
        const active = document.activeElement;
        if (active && active !== document.body) return; // it went somewhere already
        root.current?.querySelector<HTMLElement>(`.zone-box[data-zone-id="${CSS.escape(zoneId)}"]`)?.focus();
      });
    };
    el.addEventListener('focusin', onFocusIn);
    el.addEventListener('focusout', onFocusOut);
    return () => {
      el.removeEventListener('focusin', onFocusIn);
      el.removeEventListener('focusout', onFocusOut);
    };
  }, [root]);
  useLayoutEffect(() => {
    const before = shown.current;
    shown.current = zones;
    const lost = had.current;
    if (!lost || lost.el.isConnected) return;
    had.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return; // it went somewhere already
    const now = new Set(zones.map((z) => z.id));
    const zoneId =
      lost.zoneId &&
      zoneToFocus(
        before.map((z) => z.id),
        (id) => now.has(id),
        lost.zoneId,
      );
    const scope = root.current;
    const text = (id: string) =>
      scope?.querySelector<HTMLElement>(`.text-pane textarea.zone-text[data-zone-id="${CSS.escape(id)}"]`);
    const box = (id: string) =>
      scope?.querySelector<HTMLElement>(`.zone-box[data-zone-id="${CSS.escape(id)}"]`);
    const target = zoneId
      ? lost.pane === 'text'
        ? (text(zoneId) ?? box(zoneId))
        : (box(zoneId) ?? text(zoneId))
      : last.current;
    target?.focus();
  });
}
