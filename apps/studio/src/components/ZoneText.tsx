import type { DocumentClient } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { type TextSelection, useNotify } from '@syncline/react';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import {
  moveCaret,
  moveSelection,
  type Splice,
  spliceBetween,
  spliceToTextEdit,
  toCodePoints,
  toUnits,
} from '../lib/text-splice.js';
import { type RemoteCaret, RemoteCarets } from './RemoteCarets.js';

/** Another user editing this zone: where their caret or selection is (code points, from their cursor). */
export interface RemoteEditor {
  userId: string;
  name: string;
  color: string;
  selection: TextSelection;
}

interface Props {
  doc: DocumentClient;
  zone: Zone;
  label: string;
  describedBy?: string;
  onFocus: () => void;
  /** Others' carets in this zone, drawn over the text. */
  remote: readonly RemoteEditor[];
  /** My caret or selection moved (code points), or `null` when I leave the text. */
  onSelection: (selection: TextSelection | null) => void;
  /** Shown but not editable (the document failed: deleted, refused). */
  readOnly?: boolean;
}

const NO_CARETS: readonly RemoteCaret[] = [];

/** How many lines a zone's text box shows: about one per 60 characters and one to type on, 2 to 12. */
export const zoneTextRows = (text: string): number =>
  Math.min(12, Math.max(2, Math.ceil(text.length / 60) + 1));

/** `r`'s caret drawn at code points `start`..`end` of `text`. */
const caretAt = (r: RemoteEditor, text: string, start: number, end: number): RemoteCaret => ({
  userId: r.userId,
  name: r.name,
  color: r.color,
  start: toUnits(text, start),
  end: toUnits(text, end),
});

/**
 * A zone's text, edited collaboratively. The textarea is not controlled by React: each input becomes a
 * text op (the difference from what was shown, placed at the caret) submitted at once; a remote change is
 * written into the textarea, synchronously on the document's `change` event, with the caret and selection
 * moved through it, so they never jump.
 */
export const ZoneText = memo(function ZoneText({
  doc,
  zone,
  label,
  describedBy,
  onFocus,
  remote,
  onSelection,
  readOnly = false,
}: Props) {
  const notify = useNotify();
  const ref = useRef<HTMLTextAreaElement>(null);
  const zoneId = zone.id;
  const shown = useRef(zone.text);

  // Others' carets, in offsets of the text shown: placed from their last cursor update, then moved through
  // every change of the text (theirs, mine, anyone's) until their next update places them again.
  const [carets, setCarets] = useState<{ text: string; list: readonly RemoteCaret[] }>({
    text: zone.text,
    list: NO_CARETS,
  });
  const caretsRef = useRef(carets.list);
  const [scroll, setScroll] = useState({ top: 0, gutter: 0 });
  // Where the textarea's text is scrolled to, and how wide its scrollbar is (the copy must wrap as it does). Only
  // while others' carets are drawn: reading the sizes forces a layout, and one per zone as thousands of zones mount
  // (a long document arriving page by page) froze the tab for seconds.
  const measure = useCallback(() => {
    const ta = ref.current;
    if (!ta || caretsRef.current.length === 0) return;
    const gutter = Math.max(0, ta.offsetWidth - ta.clientWidth - 2); // less the 1 px borders
    setScroll((s) => (s.top === ta.scrollTop && s.gutter === gutter ? s : { top: ta.scrollTop, gutter }));
  }, []);
  // A caret sent against a version of the document is placed exactly, through everything committed since and my
  // own unconfirmed edits (`caretFromBase`); one without a version, or too old to place, by its raw offsets.
  const remoteRef = useRef(remote);
  remoteRef.current = remote;
  const place = useCallback(
    (r: RemoteEditor, text: string): RemoteCaret | null => {
      const { v, start, end } = r.selection;
      if (v === undefined) return null;
      const s = doc.caretFromBase(zoneId, v, start, r.userId);
      const e = doc.caretFromBase(zoneId, v, end, r.userId);
      return s === null || e === null ? null : caretAt(r, text, s, e);
    },
    [doc, zoneId],
  );
  useEffect(() => {
    const text = shown.current;
    const list = remote.length
      ? remote.map((r) => place(r, text) ?? caretAt(r, text, r.selection.start, r.selection.end))
      : NO_CARETS;
    caretsRef.current = list;
    setCarets({ text, list });
    measure();
  }, [remote, measure, place]);
  // Through a change of the text: placed again from their version when they have one; else moved, `author`'s own
  // caret after what they typed at it (it is where they type), anyone else's before it.
  const moveCarets = useCallback(
    (text: string, splice: Splice, author?: string) => {
      if (caretsRef.current.length === 0) return;
      const list = caretsRef.current.map((c) => {
        const r = remoteRef.current.find((x) => x.userId === c.userId);
        return (r && place(r, text)) ?? { ...c, ...moveSelection(c, splice, c.userId === author) };
      });
      caretsRef.current = list;
      setCarets({ text, list });
      measure(); // the text may now need a scrollbar, or no longer
    },
    [place, measure],
  );

  // My caret and selection go to the others (throttled by the SDK); unchanged ones are not sent again.
  const sent = useRef('');
  const reportSelection = () => {
    const ta = ref.current;
    if (!ta || document.activeElement !== ta) return;
    const value = ta.value;
    const selection = {
      start: toCodePoints(value, ta.selectionStart),
      end: toCodePoints(value, ta.selectionEnd),
    };
    const key = `${selection.start}:${selection.end}:${value.length}`;
    if (key === sent.current) return;
    sent.current = key;
    onSelection(selection);
  };

  // Remote changes are written into the textarea as soon as the document has them (not at the next
  // render): a keystroke must always be diffed against the text the document holds.
  const sync = useCallback(
    (author?: string) => {
      const ta = ref.current;
      const text = doc.zone(zoneId)?.text;
      if (!ta || text === undefined) return;
      shown.current = text;
      if (ta.value === text) return;
      const splice = spliceBetween(ta.value, text);
      const { selectionStart, selectionEnd, selectionDirection } = ta;
      const focused = document.activeElement === ta;
      ta.value = text;
      moveCarets(text, splice, author);
      if (focused) {
        ta.setSelectionRange(
          moveCaret(selectionStart, splice),
          moveCaret(selectionEnd, splice),
          selectionDirection ?? undefined,
        );
      }
    },
    [doc, zoneId, moveCarets],
  );

  useLayoutEffect(() => {
    sync();
    return doc.on('change', (change) => {
      if (change.all || change.zoneIds.includes(zoneId)) sync(change.userId);
    });
  }, [doc, zoneId, sync]);

  useLayoutEffect(() => {
    if (zone.text !== shown.current) sync();
  }, [zone.text, sync]);

  const onInput = () => {
    const ta = ref.current;
    if (!ta) return;
    const before = shown.current;
    const after = ta.value;
    if (before === after) return;
    const splice = spliceBetween(before, after, ta.selectionEnd);
    shown.current = after;
    try {
      doc.editText(zone.id, spliceToTextEdit(before, after, splice));
      moveCarets(after, splice);
    } catch (error) {
      shown.current = before;
      ta.value = before;
      notify({ kind: 'error', title: 'Could not edit', message: (error as Error).message });
    }
    reportSelection();
  };

  // A selection changed without a key or the mouse (a script, the browser's own selection commands): Chromium and
  // Firefox tell the textarea itself.
  const reportRef = useRef(reportSelection);
  reportRef.current = reportSelection;
  useEffect(() => {
    const ta = ref.current;
    if (!ta) return;
    const listener = () => reportRef.current();
    ta.addEventListener('selectionchange', listener);
    return () => ta.removeEventListener('selectionchange', listener);
  }, []);

  const textarea = (
    <textarea
      ref={ref}
      className="zone-text"
      defaultValue={zone.text}
      aria-label={label}
      aria-describedby={describedBy}
      readOnly={readOnly}
      data-zone-id={zone.id}
      rows={zoneTextRows(zone.text)}
      onInput={onInput}
      onFocus={() => {
        onFocus();
        sent.current = '';
        reportSelection();
      }}
      onSelect={reportSelection}
      onKeyUp={reportSelection}
      onMouseUp={reportSelection}
      onBlur={() => {
        sent.current = '';
        onSelection(null);
      }}
      onScroll={measure}
      onBeforeInput={(e) => {
        // Undo/redo are the document's (my edits only), not the textarea's own history.
        const type = (e.nativeEvent as InputEvent).inputType;
        if (type === 'historyUndo' || type === 'historyRedo') e.preventDefault();
      }}
      spellCheck
    />
  );
  // Always wrapped, so carets coming and going never re-mount the textarea (its value and focus).
  return (
    <div className="zone-text-wrap">
      {textarea}
      {carets.list.length > 0 && (
        <RemoteCarets text={carets.text} carets={carets.list} scrollTop={scroll.top} gutter={scroll.gutter} />
      )}
    </div>
  );
});
