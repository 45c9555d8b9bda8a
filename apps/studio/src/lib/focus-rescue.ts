/**
 * Where the focus goes when what had it is taken out of the page (its zone deleted, here, elsewhere or by an undo; the
 * selected zone's tools gone with the selection): not to the page's body, where the keyboard starts over from the top,
 * but to the zone it was about, if it is still there, else the next one in reading order, else the one before.
 * `before` is the zones' order when the focus was lost (the last one shown), `has` whether a zone is there now. Null:
 * no zone is left.
 */
export function zoneToFocus(
  before: readonly string[],
  has: (zoneId: string) => boolean,
  lost: string,
): string | null {
  if (has(lost)) return lost;
  const at = before.indexOf(lost);
  if (at === -1) return null;
  for (let i = at + 1; i < before.length; i++) if (has(before[i])) return before[i];
  for (let i = at - 1; i >= 0; i--) if (has(before[i])) return before[i];
  return null;
}

/** What the keyboard can reach with Tab (a disabled or hidden one aside). */
const TABBABLE = 'a[href], button, input, select, textarea, summary, [tabindex]';

/**
 * The first element the keyboard reaches with Tab from `start` on (`start` itself, what is in it, then what follows
 * it in the page): where the focus goes when what had it went with all around it (a panel dismissed), as if it had
 * never been there. Null when there is none, or `start` is no longer in the page.
 */
export function firstTabbableFrom(start: Element | null): HTMLElement | null {
  if (!start?.isConnected) return null;
  const doc = start.ownerDocument;
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_ELEMENT);
  walker.currentNode = start;
  for (let node: Node | null = start; node; node = walker.nextNode()) {
    const el = node as HTMLElement;
    if (
      el.matches(TABBABLE) &&
      el.tabIndex >= 0 &&
      !el.matches(':disabled') &&
      !(el instanceof HTMLInputElement && el.type === 'hidden') &&
      el.getClientRects().length > 0
    )
      return el;
  }
  return null;
}
