/** A stable colour for a user (the same on every client): an HSL hue from a hash of the id. */
export function userColor(userId: string): string {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `hsl(${(h >>> 0) % 360} 70% 45%)`;
}

let segmenter: Intl.Segmenter | null | undefined;

/**
 * The user-perceived characters of `s` (an emoji with its modifiers, a letter with its accents), by `Intl.Segmenter`;
 * its code points where that is missing (never half of a surrogate pair).
 */
function graphemes(s: string): string[] {
  if (segmenter === undefined) {
    segmenter =
      typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function'
        ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
        : null;
  }
  return segmenter ? Array.from(segmenter.segment(s), (g) => g.segment) : Array.from(s);
}

/** The first `n` characters of `s`, whole (see `graphemes`). */
const leading = (s: string, n: number): string => graphemes(s).slice(0, n).join('');

/** Up to two initials of a display name (or of the id), whole characters: "🦊 Ada" gives "🦊A". */
export function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s._@-]+/)
    .filter(Boolean);
  const letters =
    parts.length > 1
      ? leading(parts[0], 1) + leading(parts[parts.length - 1], 1)
      : leading(parts[0] ?? '?', 2);
  return letters.toUpperCase();
}
