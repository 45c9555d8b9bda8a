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
