import type { TextOp } from 'ot-text-unicode';
import { codePointLength, describeOp } from './ops.js';
import { type Op, transformCaret } from './ot.js';
import { zoneLocal } from './zone-local.js';

/**
 * Carets in a zone's text (code point offsets) carried across ops, both ways: forward through an op made after
 * the caret was placed (`caretThrough`), and back through an op the caret's text already has (`caretBack`), so
 * a caret can be sent against the server's version of a document (its sender's unconfirmed edits taken out) and
 * placed in any later copy, exactly, whatever was typed meanwhile and in whatever order.
 */

/** The text edit `op` makes to `zoneId`'s text, `undefined` when it leaves it alone, `null` for another shape. */
function textEditOf(zoneId: string, op: Op): TextOp | undefined | null {
  if (op === null) return undefined;
  const local = zoneLocal(op);
  if (local === null) return null;
  if (local.zone !== zoneId) return undefined;
  const i = local.keys.indexOf('text');
  if (i < 0) return undefined;
  const es = (local.comps[i] as { es?: unknown }).es;
  return Array.isArray(es) ? (es as TextOp) : null;
}

const deleted = (d: number | string) => (typeof d === 'number' ? d : codePointLength(d));

/**
 * Where caret `pos` of `zoneId`'s text is after `op`, or `null` if the op removed the zone or its text. `own`:
 * the op is by the caret's owner, so text inserted right at the caret goes before it (it is what they typed
 * there); anyone else's insert at the caret goes after it.
 */
export function caretThrough(zoneId: string, pos: number, op: Op, own = false): number | null {
  const es = textEditOf(zoneId, op);
  if (es === undefined) return pos;
  if (es === null) return transformCaret(zoneId, pos, op);
  let at = 0; // in the text before the op
  let delta = 0;
  for (const c of es) {
    if (typeof c === 'number') {
      at += c;
      if (at > pos) break;
    } else if (typeof c === 'string') {
      if (at < pos || (at === pos && own)) delta += codePointLength(c);
      else break;
    } else {
      const d = deleted(c.d);
      if (at + d <= pos) {
        delta -= d;
        at += d;
      } else {
        if (at < pos) delta -= pos - at; // inside the deleted part: to where it was
        break;
      }
    }
  }
  return pos + delta;
}

/**
 * Where caret `pos` of `zoneId`'s text was before `op` (which its text already has), or `null` if the op made
 * the zone or its text. A caret inside or right after text the op inserted goes to where that text went in.
 */
export function caretBack(zoneId: string, pos: number, op: Op): number | null {
  const es = textEditOf(zoneId, op);
  if (es === undefined) return pos;
  if (es === null) {
    const d = describeOp(op);
    return d.touchesAllZones || d.zoneIds.includes(zoneId) ? null : pos;
  }
  let before = 0; // in the text before the op
  let after = 0; // in the text after it
  for (const c of es) {
    if (typeof c === 'number') {
      if (pos < after + c) return before + (pos - after);
      before += c;
      after += c;
    } else if (typeof c === 'string') {
      const n = codePointLength(c);
      if (pos < after + n) return before;
      after += n;
    } else {
      before += deleted(c.d);
    }
  }
  return before + (pos - after);
}
