import { codePointLength, type TextEdit } from '@syncline/doc';

/** One replacement in a string, in UTF-16 units (what a textarea's value and selection count). */
export interface Splice {
  at: number;
  removed: number;
  inserted: number;
}

const isHigh = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff;
};
const isLow = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
};

/**
 * The single replacement that turns `before` into `after`: the common prefix and suffix are kept. With
 * `caret` (the caret in `after` right after a user's input), an ambiguous change ("a" typed into "aaa")
 * is placed where the user typed: the replaced part must end at the caret. Never splits a surrogate pair.
 */
export function spliceBetween(before: string, after: string, caret?: number): Splice {
  const max = Math.min(before.length, after.length);
  let suffix = 0;
  while (suffix < max && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  if (caret !== undefined) suffix = Math.max(0, Math.min(suffix, after.length - caret));
  let prefix = 0;
  while (prefix < max - suffix && before[prefix] === after[prefix]) prefix++;
  // Do not cut a surrogate pair in two: widen the replaced part instead.
  if (prefix > 0 && isHigh(after, prefix - 1)) prefix--;
  if (suffix > 0 && isLow(after, after.length - suffix)) suffix--;
  return { at: prefix, removed: before.length - prefix - suffix, inserted: after.length - prefix - suffix };
}

/** The text edit (positions in code points, as `@syncline/doc` counts them) for `splice` of `before` into `after`. */
export function spliceToTextEdit(before: string, after: string, splice: Splice): TextEdit {
  return {
    pos: codePointLength(before.slice(0, splice.at)),
    del: codePointLength(before.slice(splice.at, splice.at + splice.removed)),
    ins: after.slice(splice.at, splice.at + splice.inserted),
  };
}

/**
 * Where a caret (UTF-16 position) ends up after `splice`: before the change it stays, after it it moves
 * by the change's length, inside a replaced part it goes to the end of the replacement. An insert exactly
 * at the caret lands after it (the caret stays put), as `transformCaret` in `@syncline/doc` does.
 */
export function moveCaret(caret: number, splice: Splice): number {
  if (caret <= splice.at) return caret;
  if (caret >= splice.at + splice.removed) return caret + splice.inserted - splice.removed;
  return splice.at + splice.inserted;
}

/**
 * My change of `base` (the text `mine`) made again on `current` (`base` changed by others meanwhile): the text to
 * send, and where my caret goes (after what I inserted). For an IME composition, during which the textarea kept
 * `base`: others' edits are not written into it then, or the input method inserts its whole composition again.
 */
export function rebaseEdit(base: string, mine: string, current: string): { text: string; caret: number } {
  const m = spliceBetween(base, mine);
  const theirs = spliceBetween(base, current);
  const start = moveCaret(m.at, theirs);
  const end = Math.max(start, moveCaret(m.at + m.removed, theirs));
  const inserted = mine.slice(m.at, m.at + m.inserted);
  return { text: current.slice(0, start) + inserted + current.slice(end), caret: start + inserted.length };
}

/** The code point offset (what the text ops and `cursor_update.selection` count) of UTF-16 offset `at` in `s`. */
export function toCodePoints(s: string, at: number): number {
  return codePointLength(s.slice(0, Math.max(0, Math.min(at, s.length))));
}

/** The UTF-16 offset (what a textarea counts) of code point offset `n` in `s`, clamped to the text. */
export function toUnits(s: string, n: number): number {
  let at = 0;
  for (let k = 0; k < n && at < s.length; k++) at += isHigh(s, at) && isLow(s, at + 1) ? 2 : 1;
  return at;
}

/**
 * Where another user's caret or selection (`start` ≤ `end`, the caret at `end`) ends up after `splice`. `byOwner`:
 * the change is that user's: text they typed at their caret puts the caret after it, as in their own copy. Any
 * other change moves it as `moveCaret` does.
 */
export function moveSelection(
  sel: { start: number; end: number },
  splice: Splice,
  byOwner: boolean,
): { start: number; end: number } {
  if (byOwner && splice.removed === 0 && sel.end === splice.at) {
    const end = sel.end + splice.inserted;
    return { start: sel.start === sel.end ? end : sel.start, end };
  }
  return { start: moveCaret(sel.start, splice), end: moveCaret(sel.end, splice) };
}
