import { ZONE_TYPES, type ZoneType } from '@syncline/doc';
import { useEffect, useRef, useState } from 'react';

interface Props {
  type: ZoneType;
  disabled: boolean;
  /** Why it is disabled (a lock's holder), when it is. */
  title?: string;
  /** Sets the zone's type: one edit, one step to undo. */
  onCommit: (type: ZoneType) => void;
}

/**
 * The selected zone's type (keyed by the zone: a new one for each zone selected). A choice in the opened list of
 * options (with the mouse, or the keyboard there) is applied at once. Stepping through the options on the closed field
 * (the arrow keys, Home, End, a letter) only shows the choice: it is applied as one edit when Enter is pressed or the
 * field is left (another zone selected included), and Escape or Ctrl/Cmd+Z puts the type back. The document's
 * client makes every change of an attribute an op and a step to undo of its own (it gathers only typing into steps),
 * so each step applied at once was an op sent to everyone and an undo step: five of them from paragraph to other.
 * While the field shows a choice not applied, it has Ctrl/Cmd+Z to itself (`data-pending`, see DocumentView's
 * `hasOwnUndo`). Another user's change of the type meanwhile does not replace the choice; it is shown once the choice
 * is applied or put back.
 */
export function TypeField({ type, disabled, title, onCommit }: Props) {
  // The source of truth is the ref (a blur and an unmount in one go must not apply the choice twice); the state shows it.
  const draft = useRef<ZoneType | null>(null);
  const [shown, setShown] = useState<ZoneType | null>(null);
  const setDraft = (next: ZoneType | null) => {
    draft.current = next;
    setShown(next);
  };
  // A key went down on the closed field, and the change it makes (in the key's default action, in the same task) is a
  // step; cleared after that task, so that a choice made otherwise next is applied at once.
  const stepping = useRef(false);
  const latest = useRef({ type, disabled, onCommit });
  latest.current = { type, disabled, onCommit };
  const apply = () => {
    const next = draft.current;
    if (next === null) return;
    setDraft(null);
    const { type: now, disabled: off, onCommit: commit } = latest.current;
    if (next !== now && !off) commit(next);
  };
  // Left by selecting another zone (the field goes with the selection before it hears of its blur): applied then.
  // biome-ignore lint/correctness/useExhaustiveDependencies: on unmount only, with what is current then (refs)
  useEffect(() => () => apply(), []);
  // Someone else locked the zone meanwhile: the server would refuse it, the choice is dropped.
  if (disabled && shown !== null) setDraft(null);
  const pending = shown !== null && shown !== type;
  return (
    <>
      <label className="inline-field">
        Type
        <select
          value={shown ?? type}
          disabled={disabled}
          title={title}
          data-pending={pending || undefined}
          aria-describedby={pending ? 'type-pending' : undefined}
          onKeyDown={(e) => {
            const undoKey =
              (e.ctrlKey || e.metaKey) && !e.altKey && (e.key.toLowerCase() === 'z' || e.code === 'KeyZ');
            if (draft.current !== null && (e.key === 'Escape' || (undoKey && !e.shiftKey))) {
              e.preventDefault();
              e.stopPropagation();
              setDraft(null);
              return;
            }
            if (e.key === 'Enter') {
              if (draft.current !== null) {
                e.preventDefault(); // applied, not the list opened
                apply();
              }
              return;
            }
            if (e.ctrlKey || e.metaKey || e.altKey || e.key === 'Tab' || e.key === 'Escape') return;
            stepping.current = true;
            setTimeout(() => {
              stepping.current = false;
            }, 0);
          }}
          onChange={(e) => {
            const next = e.target.value as ZoneType;
            if (stepping.current) {
              setDraft(next);
              return;
            }
            setDraft(null);
            if (next !== latest.current.type) onCommit(next);
          }}
          onBlur={apply}
        >
          {ZONE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      {/* Not in the label: it would be part of the field's name. */}
      {pending && (
        <span className="type-pending" id="type-pending">
          Enter to apply
        </span>
      )}
    </>
  );
}
