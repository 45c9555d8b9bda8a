import type { DocumentClient } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { useNotify } from '@syncline/react';
import { memo, useCallback, useLayoutEffect, useRef } from 'react';
import { moveCaret, spliceBetween, spliceToTextEdit } from '../lib/text-splice.js';

interface Props {
  doc: DocumentClient;
  zone: Zone;
  label: string;
  describedBy?: string;
  onFocus: () => void;
}

/**
 * A zone's text, edited collaboratively. The textarea is not controlled by React: each input becomes a
 * text op (the difference from what was shown, placed at the caret) submitted at once; a remote change is
 * written into the textarea, synchronously on the document's `change` event, with the caret and selection
 * moved through it, so they never jump.
 */
export const ZoneText = memo(function ZoneText({ doc, zone, label, describedBy, onFocus }: Props) {
  const notify = useNotify();
  const ref = useRef<HTMLTextAreaElement>(null);
  const zoneId = zone.id;
  const shown = useRef(zone.text);

  // Remote changes are written into the textarea as soon as the document has them (not at the next
  // render): a keystroke must always be diffed against the text the document holds.
  const sync = useCallback(() => {
    const ta = ref.current;
    const text = doc.zone(zoneId)?.text;
    if (!ta || text === undefined) return;
    shown.current = text;
    if (ta.value === text) return;
    const splice = spliceBetween(ta.value, text);
    const { selectionStart, selectionEnd, selectionDirection } = ta;
    const focused = document.activeElement === ta;
    ta.value = text;
    if (focused) {
      ta.setSelectionRange(
        moveCaret(selectionStart, splice),
        moveCaret(selectionEnd, splice),
        selectionDirection ?? undefined,
      );
    }
  }, [doc, zoneId]);

  useLayoutEffect(() => {
    sync();
    return doc.on('change', (change) => {
      if (change.all || change.zoneIds.includes(zoneId)) sync();
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
    } catch (error) {
      shown.current = before;
      ta.value = before;
      notify({ kind: 'error', title: 'Could not edit', message: (error as Error).message });
    }
  };

  return (
    <textarea
      ref={ref}
      className="zone-text"
      defaultValue={zone.text}
      aria-label={label}
      aria-describedby={describedBy}
      data-zone-id={zone.id}
      rows={Math.min(12, Math.max(2, Math.ceil(zone.text.length / 60) + 1))}
      onInput={onInput}
      onFocus={onFocus}
      onBeforeInput={(e) => {
        // Undo/redo are the document's (my edits only), not the textarea's own history.
        const type = (e.nativeEvent as InputEvent).inputType;
        if (type === 'historyUndo' || type === 'historyRedo') e.preventDefault();
      }}
      spellCheck
    />
  );
});
