import type { DocumentClient } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { type TextSelection, useNotify } from '@syncline/react';
import { type CSSProperties, memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import {
  inPieces,
  moveCaret,
  moveSelection,
  rebaseEdit,
  type Splice,
  spliceBetween,
  spliceToTextEdit,
  toCodePoints,
  toUnits,
} from '../lib/text-splice.js';
import { textHeights } from '../lib/zone-window.js';
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
  // The text it mounts with: after that the textarea's text is written by `sync` (a new `defaultValue` at each
  // keystroke would replace the textarea's child text in the DOM for nothing).
  const [initialText] = useState(zone.text);

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

  // An IME composition under way (Japanese, Chinese, Korean): nothing is sent and nothing written into the textarea
  // until it ends. Writing the text ends the composition in the page but not in the input method, which then
  // inserted its whole composition again; each step sent went to everyone as an edit.
  const composing = useRef(false);

  // Remote changes are written into the textarea as soon as the document has them (not at the next
  // render): a keystroke must always be diffed against the text the document holds.
  const sync = useCallback(
    (author?: string) => {
      const ta = ref.current;
      const text = doc.zone(zoneId)?.text;
      if (!ta || text === undefined || composing.current) return;
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

  // The height its text box was dragged to (its resizer) before it went off screen: taken again, and left behind for
  // its placeholder and its next mount when it goes.
  useLayoutEffect(() => {
    const ta = ref.current;
    if (!ta) return;
    const documentId = doc.documentId;
    const height = textHeights.get(documentId, zoneId);
    if (height) ta.style.height = height;
    return () => textHeights.set(documentId, zoneId, ta.style.height);
  }, [doc, zoneId]);

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
    if (!ta || composing.current) return;
    const before = shown.current;
    const after = ta.value;
    if (before === after) return;
    const splice = spliceBetween(before, after, ta.selectionEnd);
    shown.current = after;
    try {
      // A long paste goes as several edits: one edit is one message, and the server takes at most 64 KB at once (a
      // paste past that was refused whole, and undone).
      for (const piece of inPieces(spliceToTextEdit(before, after, splice))) doc.editText(zone.id, piece);
      moveCarets(after, splice);
    } catch (error) {
      shown.current = before;
      ta.value = before;
      sync(); // a long paste that failed part way: what the document holds
      notify({ kind: 'error', title: 'Could not edit', message: (error as Error).message });
    }
    reportSelection();
  };

  // The composition is done: my change of the text it started from, made again on the document's text now (others'
  // edits that came meanwhile stay), is sent as one edit.
  const onCompositionEnd = () => {
    composing.current = false;
    const ta = ref.current;
    const current = doc.zone(zoneId)?.text;
    if (ta && current !== undefined && current !== shown.current) {
      const { text, caret } = rebaseEdit(shown.current, ta.value, current);
      shown.current = current;
      ta.value = text;
      ta.setSelectionRange(caret, caret);
    }
    onInput();
    sync();
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
      defaultValue={initialText}
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
      onCompositionStart={() => {
        composing.current = true;
      }}
      onCompositionEnd={onCompositionEnd}
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

/** How many characters of a zone's text the name of its placeholder gives (see `placeholderName`). */
const EXCERPT_LENGTH = 80;

/**
 * The start of `text` for a name: white space collapsed, at most `EXCERPT_LENGTH` characters, cut at a word when one
 * ends in its last third, `…` when cut; `no text` for none.
 */
export function excerpt(text: string): string {
  const flat = text
    .slice(0, 4 * EXCERPT_LENGTH)
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat); // code points: an emoji is not cut in two
  if (chars.length === 0) return 'no text';
  if (chars.length <= EXCERPT_LENGTH && text.length <= 4 * EXCERPT_LENGTH) return flat;
  let cut = chars.slice(0, EXCERPT_LENGTH).join('');
  const space = cut.lastIndexOf(' ');
  if (space > (EXCERPT_LENGTH * 2) / 3) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

/**
 * What a zone far from view is called to assistive technology (its list item's `aria-label`): its placeholder's text
 * is hidden (`hidden="until-found"`), so a screen reader would find an empty item. Its number, type, page and label as
 * its editor's name gives them, and the start of its text: `Zone 1200 (paragraph, page 120): Paragraph 1200: layout…`.
 */
export function placeholderName(zone: Zone, n: number, page: number): string {
  const label = zone.label && zone.label.toLowerCase() !== zone.type ? `, ${zone.label}` : '';
  return `Zone ${n} (${zone.type}, page ${page}${label}): ${excerpt(zone.text)}`;
}

/** The space a zone's head line (number, page, type, lock) takes above its text box, as `.zone-placeholder` counts it. */
const HEAD_HEIGHT = '2.5rem';

/**
 * A zone far from view: its text as plain text, in the editor's height (its head line and text box). The content is
 * `hidden="until-found"`: the browser neither lays it out nor paints it (nor watches it, as it would each frame for
 * `content-visibility: auto`), yet its find (Ctrl+F) finds the text. Until found it is `visibility: hidden` but for its
 * text (see `.zone-placeholder`): such an element is a layer of its own, and thousands of visible ones made each hit
 * test (one after every keystroke, under the mouse) look at every one of them; hidden, they are passed over, and the
 * text in them, visible, is still what the find looks for.
 *
 * When the find reveals it (`beforematch`, then it scrolls there and highlights the match in this very text), it is
 * `found`: it stays as it is, the same text, in its text box's place and size (the head line comes above it), instead of
 * becoming the editor as zones coming near do: an editor put in its place would take the text, and the highlight with
 * it, away. The find goes on from it (Enter, the next match). Clicked, or selected in (the find, closed with Escape,
 * selects its match), it becomes the editor (`onEdit`), with the caret or selection where it was.
 */
export function ZonePlaceholder({
  documentId,
  zoneId,
  text,
  found,
  onFound,
  onEdit,
}: {
  documentId: string;
  zoneId: string;
  text: string;
  found: boolean;
  /** The browser's find revealed it (called in `flushSync`: `found` is in before the browser scrolls there). */
  onFound: () => void;
  /** Found, then clicked or selected in: the selection (UTF-16 offsets in `text`) to give its editor. */
  onEdit: (selection: { start: number; end: number }) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // `hidden="until-found"` is an attribute React does not know: set here, and again when no longer found.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (found) el.removeAttribute('hidden');
    else el.setAttribute('hidden', 'until-found');
    // A text box dragged to a height (see ZoneText) stands in at that height.
    const height = textHeights.get(documentId, zoneId);
    el.style.height = height ? (found ? height : `calc(${height} + ${HEAD_HEIGHT})`) : '';
  }, [found, documentId, zoneId]);
  const calls = useRef({ onFound, onEdit });
  calls.current = { onFound, onEdit };
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const reveal = () => flushSync(() => calls.current.onFound());
    el.addEventListener('beforematch', reveal);
    return () => el.removeEventListener('beforematch', reveal);
  }, []);
  // Found: a click in it (once the button is up: a drag selects), or a selection made in it otherwise, makes it the
  // editor.
  useEffect(() => {
    const el = ref.current;
    if (!found || !el) return;
    let pressed = false;
    const edit = () => {
      const selection = selectionIn(el);
      if (selection) calls.current.onEdit(selection);
    };
    const down = (e: PointerEvent) => {
      pressed = e.target instanceof Node && el.contains(e.target);
    };
    const up = () => {
      if (!pressed) return;
      pressed = false;
      edit();
    };
    const change = () => {
      if (!pressed) edit();
    };
    document.addEventListener('pointerdown', down, true);
    document.addEventListener('mouseup', up, true);
    document.addEventListener('selectionchange', change);
    return () => {
      document.removeEventListener('pointerdown', down, true);
      document.removeEventListener('mouseup', up, true);
      document.removeEventListener('selectionchange', change);
    };
  }, [found]);
  return (
    <div
      ref={ref}
      className={found ? 'zone-placeholder found' : 'zone-placeholder'}
      style={{ '--rows': zoneTextRows(text) } as CSSProperties}
    >
      <span className="zone-placeholder-text">{text}</span>
    </div>
  );
}

/** The document's selection as offsets in the text of `el`, when it is in it; `null` otherwise. */
export function selectionIn(el: Element): { start: number; end: number } | null {
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  if (!el.contains(range.startContainer) || !el.contains(range.endContainer)) return null;
  const offset = (node: Node, at: number) => {
    const before = document.createRange();
    before.selectNodeContents(el);
    before.setEnd(node, at);
    return before.toString().length;
  };
  return {
    start: offset(range.startContainer, range.startOffset),
    end: offset(range.endContainer, range.endOffset),
  };
}
