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

/** A text edit as a position, what it deletes there and what it inserts (one of `TextEdit`'s forms). */
export type PlainTextEdit = Extract<TextEdit, { pos: number }>;

/** The text edit (positions in code points, as `@syncline/doc` counts them) for `splice` of `before` into `after`. */
export function spliceToTextEdit(before: string, after: string, splice: Splice): PlainTextEdit {
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

/**
 * The most code points one edit inserts (`inPieces`): 4,096 of them are at most 16 KB in UTF-8, 24 KB as JSON escapes,
 * far below the 64 KB the server takes in one message, and about what the client composes into one op (16,000 JSON
 * characters), so the pieces of a paste go as few ops.
 */
export const PIECE_CODE_POINTS = 4096;

/**
 * `edit` as edits that insert at most `max` code points each, applied one after the other (the first deletes what it
 * deletes): a paste of a whole chapter goes as several messages instead of one the server refuses. Never splits a
 * surrogate pair. An edit small enough is itself.
 */
export function inPieces(edit: PlainTextEdit, max = PIECE_CODE_POINTS): PlainTextEdit[] {
  const ins = edit.ins ?? '';
  if (ins.length <= max) return [edit];
  const chars = Array.from(ins);
  if (chars.length <= max) return [edit];
  const pieces: PlainTextEdit[] = [];
  for (let from = 0; from < chars.length; from += max) {
    const piece: PlainTextEdit = { pos: edit.pos + from, ins: chars.slice(from, from + max).join('') };
    if (from === 0 && edit.del) piece.del = edit.del;
    pieces.push(piece);
  }
  return pieces;
}
