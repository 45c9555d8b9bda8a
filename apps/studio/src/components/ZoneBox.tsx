import type { Cursor } from '@syncline/client';
import type { BBox, Zone } from '@syncline/doc';
import type { ZoneLock } from '@syncline/protocol';
import { userColor } from '@syncline/react';
import {
  type KeyboardEvent,
  type PointerEvent,
  type ReactElement,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import {
  type DragKind,
  dragBox,
  gestureOnto,
  HANDLE_PX,
  type Handle,
  handleLayout,
  isArrowKey,
  isDrag,
  keyBox,
  type PageSize,
  sameBox,
} from '../lib/box-drag.js';
import { ZONE_COLORS } from '../lib/colors.js';
import { LockIcon } from './LockIcon.js';

export interface ZoneBoxProps {
  zone: Zone;
  /** Its reading-order number (1-based). */
  n: number;
  /** The page's size in page units. */
  page: PageSize;
  lock: ZoneLock | undefined;
  selfId: string;
  names: Map<string, string>;
  /** Cursors of the users in this zone. */
  editors: readonly Cursor[];
  selected: boolean;
  onSelect: (zoneId: string) => void;
  onDelete: (zoneId: string) => void;
  /** Sets the zone's box; absent when the document cannot be changed. */
  onMove?: (zoneId: string, bbox: BBox) => void;
}

/** A pointer drag under way: where it started, in px and in page units. */
interface Gesture {
  pointerId: number;
  pointerType: string;
  kind: DragKind;
  start: BBox;
  /** The box when the gesture began (before the arrow keys moved it, when a drag takes over from them). */
  origin: BBox;
  x0: number;
  y0: number;
  /** Page units per CSS px, across and down (the zoom, as it was when the drag started). */
  ux: number;
  uy: number;
  /** Past the click threshold. */
  moved: boolean;
  /** Escape (or the zone becoming unmovable) ended it: the rest of the gesture does nothing. */
  cancelled: boolean;
}

const pct = (v: number) => `${(v * 100).toFixed(4)}%`;

const KEYS_HELP =
  'Arrow keys move the zone (Shift: 10 times as far), Alt+arrow keys resize it, Delete removes it.';
const DRAG_HELP = `Drag to move, drag a handle to resize. ${KEYS_HELP}`;

/**
 * One zone box on a page: click to select it; the selected one (not locked by someone else) moves by dragging its
 * body or the arrow keys, and resizes by its handles or Alt+arrows. What is dragged shows here at once, and is sent
 * as one `onMove` when the pointer is released (one per key press, or per key held down, from the keyboard): one op
 * in the log, in History and for undo, not one per pixel. Until then another user's change of the zone's box does
 * not move the box under the pointer; when it is dropped, the coordinates the gesture changed are sent (a move its
 * `x`/`y`), so another user's change of the others meanwhile stays, and the server sorts out the rest.
 */
export function ZoneBox({
  zone: z,
  n,
  page,
  lock,
  selfId,
  names,
  editors,
  selected,
  onSelect,
  onDelete,
  onMove,
}: ZoneBoxProps): ReactElement {
  const lockedByOther = lock !== undefined && lock.userId !== selfId;
  const movable = selected && !lockedByOther && onMove !== undefined;
  /** The box shown while it is being dragged or moved with keys, not yet sent. */
  const [preview, setPreview] = useState<BBox | null>(null);
  const gesture = useRef<Gesture | null>(null);
  /** The box arrow keys have moved it to, sent when the key goes up. */
  const keyed = useRef<BBox | null>(null);
  /** The box before the arrow keys moved it, while `keyed` holds one not sent yet. */
  const keyStart = useRef<BBox | null>(null);

  const cancel = useCallback(() => {
    if (gesture.current) gesture.current.cancelled = true;
    keyed.current = null;
    keyStart.current = null;
    setPreview(null);
  }, []);
  // Deselected, locked by someone else meanwhile, or the document gone: what was being dragged goes back.
  useEffect(() => {
    if (!movable) cancel();
  }, [movable, cancel]);
  // Escape puts the box back where it was (the rest of the drag does nothing).
  const previewing = preview !== null;
  useEffect(() => {
    if (!previewing) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault(); // handled (listeners that check defaultPrevented leave it be)
      cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [previewing, cancel]);

  /** Sends what a gesture from `origin` to `bbox` changed, onto the zone's box as it is now. */
  const send = (origin: BBox, bbox: BBox) => {
    const next = gestureOnto(origin, bbox, z.bbox);
    if (onMove && !sameBox(next, z.bbox)) onMove(z.id, next);
  };
  const dragged = (g: Gesture, e: PointerEvent) =>
    dragBox(g.start, g.kind, (e.clientX - g.x0) * g.ux, (e.clientY - g.y0) * g.uy, page);

  const onPointerDown = (e: PointerEvent<HTMLButtonElement>) => {
    if (!movable || e.button !== 0 || !e.isPrimary || gesture.current) return;
    // The page (the box's parent) gives the scale: boxes are placed in fractions of it.
    const frame = e.currentTarget.parentElement?.getBoundingClientRect();
    if (!frame || frame.width === 0 || frame.height === 0) return;
    const handle = (e.target as HTMLElement).closest<HTMLElement>('[data-handle]')?.dataset.handle as
      | Handle
      | undefined;
    gesture.current = {
      pointerId: e.pointerId,
      pointerType: e.pointerType,
      kind: handle ?? 'move',
      start: keyed.current ?? z.bbox,
      origin: keyStart.current ?? z.bbox,
      x0: e.clientX,
      y0: e.clientY,
      ux: page.width / frame.width,
      uy: page.height / frame.height,
      moved: false,
      cancelled: false,
    };
    keyed.current = null;
    keyStart.current = null;
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLButtonElement>) => {
    const g = gesture.current;
    if (!g || g.pointerId !== e.pointerId || g.cancelled) return;
    if (!g.moved && !isDrag(e.clientX - g.x0, e.clientY - g.y0, g.pointerType)) return;
    g.moved = true;
    setPreview(dragged(g, e));
  };
  const onPointerUp = (e: PointerEvent<HTMLButtonElement>) => {
    const g = gesture.current;
    if (!g || g.pointerId !== e.pointerId) return;
    gesture.current = null;
    setPreview(null);
    // A press that did not go past the threshold is a click: it selects (onClick), as before.
    if (g.moved && !g.cancelled) send(g.origin, dragged(g, e));
  };
  // The browser took the pointer (a touch became a scroll, the window lost it): nothing is sent.
  const onPointerGone = (e: PointerEvent<HTMLButtonElement>) => {
    if (gesture.current?.pointerId !== e.pointerId) return;
    gesture.current = null;
    setPreview(null);
  };

  const sendKeyed = () => {
    const bbox = keyed.current;
    const origin = keyStart.current;
    if (!bbox) return;
    keyed.current = null;
    keyStart.current = null;
    setPreview(null);
    send(origin ?? z.bbox, bbox);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'Delete' || e.key === 'Backspace') {
      // Only the selected zone: one that merely has the focus (tabbing through the boxes) stays.
      if (!selected) return;
      e.preventDefault();
      // Another's lock: the server would refuse it (and the box would vanish and come back). Nothing, as for moves.
      if (lockedByOther) return;
      // The focus goes to the next zone box (else the one before), not to the page's body: `useFocusRescue`.
      onDelete(z.id);
      return;
    }
    if (!movable || gesture.current) return;
    const next = keyBox(keyed.current ?? z.bbox, e.key, e, page);
    if (!next) return;
    e.preventDefault(); // no scrolling of the pane (nor Alt+Left's "back")
    if (keyed.current === null) keyStart.current = z.bbox;
    keyed.current = next;
    setPreview(next);
  };
  // Held down, an arrow repeats: the box follows, and one op goes when it is released.
  const onKeyUp = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (isArrowKey(e.key)) sendKeyed();
  };

  // How large the box is on screen decides where its handles go (box-drag.ts `handleLayout`): a small one keeps its
  // inside for moving. Measured while it is movable, again at every change of zoom or size (a resize under way too).
  const el = useRef<HTMLButtonElement>(null);
  const [px, setPx] = useState<{ w: number; h: number } | null>(null);
  useLayoutEffect(() => {
    const box = el.current;
    if (!movable || !box) return;
    const measure = () => {
      const w = box.offsetWidth;
      const h = box.offsetHeight;
      setPx((was) => (was?.w === w && was.h === h ? was : { w, h }));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [movable]);
  const coarse = movable && typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
  const layout = handleLayout(
    px?.w ?? Number.POSITIVE_INFINITY,
    px?.h ?? Number.POSITIVE_INFINITY,
    coarse ? HANDLE_PX.coarse : HANDLE_PX.fine,
  );

  const bbox = preview ?? z.bbox;
  const editor = editors[0];
  const color = ZONE_COLORS[z.type] ?? ZONE_COLORS.other;
  const holder = lock && (lock.userName ?? names.get(lock.userId) ?? lock.userId);
  // Mine (this tab's, or another of mine): "you", as its badge and the zone's text say, not my own name.
  const heldBy = lock && (lock.userId === selfId ? 'you' : holder);
  return (
    <button
      type="button"
      ref={el}
      className={`zone-box${selected ? ' selected' : ''}${editors.length ? ' others-editing' : ''}${lockedByOther ? ' locked' : ''}${movable ? ' movable' : ''}${movable && layout.outside ? ' handles-outside' : ''}${preview ? ' moving' : ''}`}
      data-zone-id={z.id}
      style={{
        left: pct(bbox.x / page.width),
        top: pct(bbox.y / page.height),
        width: pct(bbox.w / page.width),
        height: pct(bbox.h / page.height),
        borderColor: color,
        outlineColor: editor ? userColor(editor.userId) : undefined,
      }}
      aria-label={`Zone ${n}: ${z.type}${lock ? `, locked by ${heldBy}` : ''}`}
      aria-description={movable ? KEYS_HELP : undefined}
      title={movable ? DRAG_HELP : undefined}
      aria-pressed={selected}
      onClick={() => onSelect(z.id)}
      onKeyDown={onKeyDown}
      onKeyUp={onKeyUp}
      onBlur={sendKeyed}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerGone}
      onLostPointerCapture={onPointerGone}
    >
      <span className="zone-number" style={{ background: color }}>
        {n}
      </span>
      {lock && (
        <span className="lock-badge" style={{ background: userColor(lock.userId) }}>
          <LockIcon /> {heldBy}
        </span>
      )}
      {editor && !lock && (
        <span className="editing-badge" style={{ background: userColor(editor.userId) }}>
          {names.get(editor.userId) ?? editor.userId} editing
        </span>
      )}
      {movable &&
        layout.handles.map((h) => (
          <span key={h} className="zone-handle" data-handle={h} aria-hidden="true" />
        ))}
    </button>
  );
}
