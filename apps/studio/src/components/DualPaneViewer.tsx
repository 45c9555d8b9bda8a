import type { Cursor, DocumentClient, DocumentState } from '@syncline/client';
import { DEFAULT_LIMITS, type Zone, type ZoneType } from '@syncline/doc';
import {
  type CollaborationCursor,
  type CursorPosition,
  CursorTracker,
  type TextSelection,
  useNotify,
  userColor,
} from '@syncline/react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import {
  memo,
  useCallback,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useFocusRescue } from '../hooks/use-focus-rescue.js';
import { useShownZones } from '../hooks/use-shown-zones.js';
import { ZONE_COLORS } from '../lib/colors.js';
import { clockTime } from '../lib/history.js';
import { lockFailure } from '../lib/lock-failure.js';
import { pageInView } from '../lib/page-in-view.js';
import { StableLists } from '../lib/stable.js';
import { visibleBand } from '../lib/visible-range.js';
import { zoneDeletedMessage } from '../lib/zone-deleted.js';
import { groupZones, LOW_CONFIDENCE, NO_FILTER, SORT_LABELS, type ZoneFilter } from '../lib/zone-filter.js';
import { registerZoneShower } from '../lib/zone-focus.js';
import { useInWindow, useZoneWindow, type ZoneWindow } from '../lib/zone-window.js';
import { BLANK_PAGE, newZoneId, pageIndex, pageNumber } from '../lib/zones.js';
import { LockIcon } from './LockIcon.js';
import { type PageProps, PageView } from './PageView.js';
import { TypeField } from './TypeField.js';
import { ZoneFilterBar } from './ZoneFilterBar.js';
import { placeholderName, ZonePlaceholder, ZoneText } from './ZoneText.js';

interface Props {
  /** The shared document client of `useRealTimeDocument` (zone text editing listens to its changes). */
  doc: DocumentClient;
  state: DocumentState;
  /** The zones in reading order. */
  zones: readonly Zone[];
  updateCursor: (cursor: CursorPosition) => void;
  /** Other users' cursors (page numbers 1-based, positions in 0..1 of the page). */
  cursors: readonly CollaborationCursor[];
  names: Map<string, string>;
  /** Names for the zones' last authors, also of people who have left (ids not in it show as they are). */
  authorNames: ReadonlyMap<string, string>;
  selfId: string;
  pdf: PDFDocumentProxy | null;
  sizes: { width: number; height: number }[];
  zoom: number;
  /** Given the pages pane (and null when it goes): "Fit" measures its width. */
  pagesPaneRef?: (pane: HTMLElement | null) => void;
  /** What the text pane says while there is no zone (by default: they come as pages are processed). */
  emptyNote?: string;
}

const EMPTY_WHILE_PROCESSING =
  'No zones yet. They appear here as pages are processed, or draw one on a page with “Draw zone”.';

/**
 * The document side by side: left, the pages with zone boxes (draw to create, select to move, resize, change
 * type, lock or delete) and other users' cursors; right, the zones' text in reading order, each editable. Not
 * rendered again for what it does not show (see `sameViewerProps`).
 */
export const DualPaneViewer = memo(Viewer, sameViewerProps);

/**
 * Whether the viewer shows the same with props `next` as with `prev`. The document's state is a new object at each
 * change of it, among them the server's confirmation of each of my keystrokes (its version, what is pending), which the
 * viewer does not show: rendering it again for that went through thousands of zones after every keystroke. The page
 * sizes come as a new list of the same sizes.
 */
function sameViewerProps(prev: Props, next: Props): boolean {
  const keys = Object.keys(next) as (keyof Props)[];
  if (keys.length !== Object.keys(prev).length) return false;
  for (const key of keys) {
    if (Object.is(prev[key], next[key])) continue;
    if (key === 'state' && sameShown(prev.state, next.state)) continue;
    if (
      key === 'sizes' &&
      prev.sizes.length === next.sizes.length &&
      prev.sizes.every((s, i) => s === next.sizes[i])
    )
      continue;
    return false;
  }
  return true;
}

/** Whether states `a` and `b` are the same in what the viewer reads of them (one it reads more of goes here too). */
const sameShown = (a: DocumentState, b: DocumentState): boolean =>
  a.doc === b.doc && a.locks === b.locks && a.status === b.status && a.restored === b.restored;

function Viewer({
  doc,
  state,
  zones,
  updateCursor,
  cursors,
  names,
  authorNames,
  selfId,
  pdf,
  sizes,
  zoom,
  pagesPaneRef,
  emptyNote,
}: Props) {
  const notify = useNotify();
  const [selected, setSelected] = useState<string | null>(null);
  const [drawing, setDrawing] = useState(false);
  // Escape leaves "Draw zone", wherever the focus is.
  useEffect(() => {
    if (!drawing) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      setDrawing(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [drawing]);
  const numbers = useMemo(() => new Map(zones.map((z, i) => [z.id, i + 1])), [zones]);
  const pageCount = Math.max(
    sizes.length,
    zones.reduce((m, z) => Math.max(m, pageIndex(z.page) + 1), 0),
    1,
  );
  const pageSizes = Array.from({ length: pageCount }, (_, i) => sizes[i] ?? sizes[0] ?? BLANK_PAGE);
  // Others' carets are shown: keep the ops they are placed through from the start, not from the first caret.
  useEffect(() => {
    doc.keepOpsForCarets();
  }, [doc]);
  // Which zones' texts are near the visible part of the text pane: only those (and the few that must stay, see
  // ZoneItem) are full editors; thousands of textareas mounted at once froze the tab.
  const listRef = useRef<HTMLDivElement>(null);
  // What the text pane lists: this user's filter and order of the zones (see `useShownZones`), not the document's.
  const [filter, setFilter] = useState<ZoneFilter>(NO_FILTER);
  // The list follows the filter as soon as it can, not within the keystroke that changed it: a query's every key
  // shows in its field at once, and a list made again for a key already followed by another is left unfinished.
  const listFilter = useDeferredValue(filter);
  const { shown, matching, kept, filtered } = useShownZones(zones, listFilter, selected);
  const zoneWindow = useZoneWindow(listRef, shown);
  const stableZones = useRef(new StableLists<Zone>()).current;
  const stableCursors = useRef(new StableLists<Cursor>()).current;
  const stableNumbers = useRef(new StableLists<number>()).current;
  const pagesRef = useRef<HTMLDivElement>(null);
  const pageElement = useCallback(
    (page: number) => pagesRef.current?.querySelector<HTMLElement>(`.page[data-page="${pageIndex(page)}"]`),
    [],
  );
  const byPage = useMemo(() => {
    const m = new Map<number, Zone[]>();
    for (const z of zones) {
      const list = m.get(pageIndex(z.page));
      if (list) list.push(z);
      else m.set(pageIndex(z.page), [z]);
    }
    return m;
  }, [zones]);
  // The pages in groups of a few (see `PageGroup`), each with its pages' zones, numbers and others' cursors: lists
  // that keep their identity while they hold the same things, so a keystroke renders one group again, not every page.
  const stableGroupSizes = useRef(new StableLists<PageSize>()).current;
  const stableGroupZones = useRef(new StableLists<readonly Zone[]>()).current;
  const stableGroupNumbers = useRef(new StableLists<readonly number[]>()).current;
  const stableGroupCursors = useRef(new StableLists<readonly Cursor[]>()).current;
  const cursorsByPage = new Map<number, Cursor[]>();
  for (const c of cursors) {
    const z = c.zoneId ? state.doc.zones[c.zoneId] : undefined;
    if (!z) continue;
    const list = cursorsByPage.get(pageIndex(z.page));
    if (list) list.push(c);
    else cursorsByPage.set(pageIndex(z.page), [c]);
  }
  const pageGroups: PageGroupData[] = [];
  for (let from = 0; from < pageCount; from += PAGES_PER_GROUP) {
    const g = {
      sizes: [] as PageSize[],
      zones: [] as (readonly Zone[])[],
      numbers: [] as (readonly number[])[],
    };
    const groupCursors: (readonly Cursor[])[] = [];
    for (let i = from; i < Math.min(pageCount, from + PAGES_PER_GROUP); i++) {
      const onPage = byPage.get(i) ?? [];
      g.sizes.push(sizes[i] ?? sizes[0] ?? BLANK_PAGE);
      g.zones.push(stableZones.stable(i, onPage));
      g.numbers.push(
        stableNumbers.stable(
          i,
          onPage.map((z) => numbers.get(z.id) ?? 0),
        ),
      );
      groupCursors.push(stableCursors.stable(i, cursorsByPage.get(i) ?? []));
    }
    pageGroups.push({
      from,
      sizes: stableGroupSizes.stable(from, g.sizes),
      zones: stableGroupZones.stable(from, g.zones),
      numbers: stableGroupNumbers.stable(from, g.numbers),
      cursors: stableGroupCursors.stable(from, groupCursors),
    });
  }
  const editorsOf = useMemo(() => {
    const m = new Map<string, Cursor[]>();
    for (const c of cursors) if (c.zoneId) m.set(c.zoneId, [...(m.get(c.zoneId) ?? []), c]);
    return m;
  }, [cursors]);
  const selectedZone = selected ? state.doc.zones[selected] : undefined;
  // Deleted, refused or closed: what is shown stays, but nothing can change it (a restored document that is still
  // opening takes edits and locks).
  const gone = state.status === 'failed' || state.status === 'closed';
  // Zones can be drawn and added once the document is open, or shown from this browser's copy (`restored`: offline
  // after a reload, say): they are sent when it opens.
  const writable = !gone && (state.status !== 'opening' || state.restored);

  const act = useCallback(
    (what: string, f: () => unknown) => {
      try {
        f();
      } catch (error) {
        notify({ kind: 'error', title: `Could not ${what}`, message: (error as Error).message });
      }
    },
    [notify],
  );

  const create = useCallback(
    (index: number, bbox: Zone['bbox']) =>
      act('create the zone', () => {
        const id = doc.createZone({
          id: newZoneId(),
          page: pageNumber(index),
          bbox,
          type: 'paragraph',
          label: '',
          confidence: 1,
          text: '',
        });
        setSelected(id);
        setDrawing(false);
      }),
    [act, doc],
  );
  const remove = useCallback(
    (zoneId: string) =>
      act('delete the zone', () => {
        doc.deleteZone(zoneId);
        setSelected((s) => (s === zoneId ? null : s));
      }),
    [act, doc],
  );
  // A zone box moved or resized on its page: one op, when the drag ends (or the arrow key goes up).
  const move = useCallback(
    (zoneId: string, bbox: Zone['bbox']) => act('move the zone', () => doc.updateZone(zoneId, { bbox })),
    [act, doc],
  );
  const isOwner = doc.ownerId !== undefined && doc.ownerId === selfId;
  // What the lock button of a zone does: lock it, unlock my lock, or (the document's owner) force another
  // user's lock open; others' locks cannot be taken ('blocked').
  const lockActionOf = (zoneId: string): LockAction => lockAction(state.locks[zoneId], selfId, isOwner);
  const toggleLock = useCallback(
    (zoneId: string) => {
      const lock = doc.locks[zoneId];
      // Mine, whichever of my tabs or devices took it (the button says "Unlock"): released, not taken again.
      const mine = lock !== undefined && lock.userId === selfId;
      const forced = lock !== undefined && !mine;
      const p =
        doc.holdsLock(zoneId) || mine
          ? doc.unlock(zoneId)
          : forced
            ? doc.unlock(zoneId, { force: true })
            : doc.lock(zoneId);
      p.catch((e: Error & { code?: string }) => {
        // Taken by someone else a moment before me: said with the zone and its holder in words, not the server's
        // message (the zone's id in it); a lock given up meanwhile says nothing.
        const taking = !mine && !forced;
        const holder = doc.locks[zoneId]?.userId;
        const message = taking
          ? lockFailure(
              e,
              doc.zone(zoneId),
              holder === undefined ? undefined : namesRef.current.names.get(holder),
            )
          : e.message;
        if (message !== null)
          notify({ kind: 'error', title: taking ? 'Could not lock' : 'Could not unlock', message });
      });
    },
    [doc, notify, selfId],
  );
  const sizesRef = useRef(pageSizes);
  sizesRef.current = pageSizes;
  // My cursor at the centre of a zone on its page, in the zone (with my caret in its text, if any).
  const cursorAtZone = useCallback(
    (z: Zone, selection?: TextSelection | null) => {
      const size = sizesRef.current[pageIndex(z.page)] ?? BLANK_PAGE;
      updateCursor({
        page: z.page,
        x: Math.min(1, (z.bbox.x + z.bbox.w / 2) / size.width),
        y: Math.min(1, (z.bbox.y + z.bbox.h / 2) / size.height),
        zoneId: z.id,
        ...(selection !== undefined ? { selection } : {}),
      });
    },
    [updateCursor],
  );
  const focusZone = useCallback(
    (z: Zone) => {
      setSelected(z.id);
      cursorAtZone(z);
      follow('.pdf-pane', z.id); // its box on the page comes into view
    },
    [cursorAtZone],
  );
  // A zone box clicked on a page: selected, and its text comes into view.
  const selectOnPage = useCallback((zoneId: string | null) => {
    setSelected(zoneId);
    if (zoneId !== null) follow('.text-pane', zoneId);
  }, []);
  // My caret in a zone's text goes with my cursor (at the zone's centre on the page), for others to draw.
  const lastSelection = useRef<{ zoneId: string; selection: TextSelection } | null>(null);
  const reportSelection = useCallback(
    (z: Zone, local: TextSelection | null) => {
      // Sent against the server's version (my unconfirmed typing taken out), so others place it exactly.
      const start = local && doc.caretAtBase(z.id, local.start);
      const end = local && doc.caretAtBase(z.id, local.end);
      const selection =
        local && start && end && start.v === end.v ? { start: start.pos, end: end.pos, v: start.v } : local;
      lastSelection.current = selection ? { zoneId: z.id, selection } : null;
      cursorAtZone(z, selection);
    },
    [cursorAtZone, doc],
  );
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // "Show zone" (a toast's action): select the zone and bring it into view on its page and in the text.
  const zonesRef = useRef(state.doc.zones);
  zonesRef.current = state.doc.zones;
  useEffect(
    () =>
      registerZoneShower(doc.documentId, {
        has: (zoneId) => zonesRef.current[zoneId] !== undefined,
        show: (zoneId, options) => {
          setSelected(zoneId);
          const zone = zonesRef.current[zoneId];
          if (zone) pageElement(zone.page)?.scrollIntoView({ block: 'nearest' });
          const reveal = () => {
            for (const el of document.querySelectorAll<HTMLElement>(
              `[data-zone-id="${CSS.escape(zoneId)}"]`,
            )) {
              el.scrollIntoView({ block: 'center', inline: 'nearest' });
            }
          };
          reveal();
          // Its text was a placeholder until selected: once the editor is in, centred again as it now is (and given
          // the caret, if asked).
          requestAnimationFrame(() => {
            reveal();
            if (!options?.focus) return;
            document
              .querySelector<HTMLTextAreaElement>(`textarea.zone-text[data-zone-id="${CSS.escape(zoneId)}"]`)
              ?.focus({ preventScroll: true });
          });
        },
      }),
    [doc, pageElement],
  );
  // A zone I was working in (selected) deleted by someone else (or by me elsewhere) just vanished: say who deleted it,
  // by name, never by id. Not when I had edits not yet confirmed: a conflict may follow for them ("your edit in it was
  // dropped"), and says it better.
  const namesRef = useRef({ names, authorNames, selfId });
  namesRef.current = { names, authorNames, selfId };
  useEffect(
    () =>
      doc.on('change', (change) => {
        const zoneId = selectedRef.current;
        if (change.source !== 'remote' || zoneId === null || !change.zoneIds.includes(zoneId)) return;
        if (doc.zone(zoneId) !== undefined) return;
        const zone = zonesRef.current[zoneId]; // as last shown
        setSelected(null);
        const mine = doc.getSnapshot();
        if (mine.inflight || mine.pending > 0) return;
        const { names: shown, authorNames: authors, selfId: me } = namesRef.current;
        notify({
          kind: 'info',
          title: 'Zone deleted',
          // Presence and lock holders' names, the zones' authors' (the document's, those kept here), the replica's.
          message: zoneDeletedMessage(change.userId, me, zone, [shown, authors, (id) => doc.user(id)?.name]),
          documentId: doc.documentId,
        });
      }),
    [doc, notify],
  );
  const onPointer = useCallback(
    (index: number, x: number, y: number) => {
      // The pointer moves on the page while the caret may still be in a zone's text: it stays shown.
      const zoneId = selectedRef.current;
      const sel = lastSelection.current;
      updateCursor({
        page: pageNumber(index),
        x,
        y,
        zoneId,
        ...(sel && sel.zoneId === zoneId ? { selection: sel.selection } : {}),
      });
    },
    [updateCursor],
  );
  // The page "Add zone" adds to: the one in view in the pages pane (below its toolbar), the selected zone's while it
  // shows, so that from the keyboard too a zone can be added to any page.
  const pageForAdding = () => {
    const pages = pagesRef.current;
    const pane = pages?.parentElement;
    if (!pages || !pane) return 0;
    const frames = pages.querySelectorAll<HTMLElement>('.page-frame');
    const band = visibleBand(pane);
    const toolbar = pane.querySelector('.pane-toolbar')?.getBoundingClientRect().bottom ?? band.top;
    return pageInView(
      frames.length,
      (i) => frames[i].getBoundingClientRect(),
      { top: Math.max(band.top, toolbar), bottom: band.bottom },
      selectedZone ? pageIndex(selectedZone.page) : undefined,
    );
  };
  const lockLabel = (zoneId: string) => lockHolder(state.locks[zoneId], selfId, names);
  // The selected zone locked by someone else: the server refuses any change of it, so its tools are unavailable, as
  // its box's moves and Delete key are (a type or label set, or a delete, showed for a moment, then came undone).
  const selectedLock = selectedZone ? state.locks[selectedZone.id] : undefined;
  const lockedByOther = selectedLock !== undefined && selectedLock.userId !== selfId;
  const toolsOff = gone || lockedByOther;
  const lockedTitle = lockedByOther && selectedZone ? `Locked by ${lockLabel(selectedZone.id)}` : undefined;
  // The text pane in groups of zones (of a few pages each, in an order by page): a keystroke changes one zone, and only
  // its group renders again, not thousands of items. Each group's zones, their numbers (in reading order, as on the
  // pages, whatever the list's order) and which of them are listed though not matching keep their identity while the
  // same.
  const stableRuns = useRef(new StableLists<Zone>()).current;
  const stableRunNumbers = useRef(new StableLists<number>()).current;
  const stableRunKept = useRef(new StableLists<boolean>()).current;
  const groups = useMemo(
    () =>
      groupZones(shown, listFilter.sort).map((run) => ({
        key: run.key,
        first: run.first,
        zones: stableRuns.stable(run.key, run.zones),
        numbers: stableRunNumbers.stable(
          run.key,
          run.zones.map((z) => numbers.get(z.id) ?? 0),
        ),
        kept: stableRunKept.stable(
          run.key,
          run.zones.map((z) => kept.has(z.id)),
        ),
      })),
    [shown, listFilter.sort, numbers, kept, stableRuns, stableRunNumbers, stableRunKept],
  );
  // A new filter lists its zones from the top (a list scrolled down far would otherwise show the end of a short one).
  const filterShown = useRef(listFilter);
  useEffect(() => {
    if (filterShown.current === listFilter) return;
    filterShown.current = listFilter;
    const pane = listRef.current?.closest<HTMLElement>('.text-pane');
    if (pane && getComputedStyle(pane).overflowY !== 'visible') pane.scrollTop = 0;
  }, [listFilter]);

  // A zone deleted (here, elsewhere, by an undo) takes the focus with it: it goes to the next zone listed instead.
  const viewerRef = useRef<HTMLDivElement>(null);
  const addZoneRef = useRef<HTMLButtonElement>(null);
  useFocusRescue(viewerRef, shown, selected, addZoneRef);
  const changeType = useCallback(
    (zoneId: string, type: ZoneType) => {
      // Applied as the field is left: the zone may have gone meanwhile (deleted by someone), and there is nothing to say.
      if (doc.zone(zoneId) === undefined) return;
      act('change the type', () => doc.updateZone(zoneId, { type }));
    },
    [act, doc],
  );

  return (
    <div className="dual-pane" ref={viewerRef}>
      <section className="pane pdf-pane" aria-label="Pages" ref={pagesPaneRef}>
        <div className="pane-toolbar" role="toolbar" aria-label="Zone tools">
          <button
            type="button"
            aria-pressed={drawing}
            onClick={() => setDrawing((d) => !d)}
            disabled={!writable}
            title="Drag on a page to draw a zone (or hold Shift while dragging); Escape stops"
          >
            {drawing ? 'Drawing… (drag on a page)' : 'Draw zone'}
          </button>
          <button
            type="button"
            ref={addZoneRef}
            disabled={!writable}
            onClick={() => {
              // On the page in view, below the zones added this way before (one row per zone).
              const index = pageForAdding();
              const size = pageSizes[index] ?? BLANK_PAGE;
              const row = (byPage.get(index)?.length ?? 0) % 8;
              create(index, {
                x: size.width * 0.1,
                y: size.height * (0.1 + row * 0.1),
                w: size.width * 0.8,
                h: size.height * 0.08,
              });
            }}
          >
            Add zone
          </button>
          {selectedZone && (
            <>
              <TypeField
                key={`type-${selectedZone.id}`}
                type={selectedZone.type}
                disabled={toolsOff}
                title={lockedTitle}
                onCommit={(type) => changeType(selectedZone.id, type)}
              />
              <LabelField
                key={selectedZone.id}
                label={selectedZone.label}
                disabled={toolsOff}
                title={lockedTitle}
                onCommit={(label) => act('rename the zone', () => doc.updateZone(selectedZone.id, { label }))}
              />
              <LockButton
                action={lockActionOf(selectedZone.id)}
                holder={lockLabel(selectedZone.id)}
                disabled={gone}
                onClick={() => toggleLock(selectedZone.id)}
              />
              <button
                type="button"
                className="danger"
                disabled={toolsOff}
                title={lockedTitle}
                onClick={() => remove(selectedZone.id)}
              >
                Delete zone
              </button>
            </>
          )}
        </div>
        {/* Every zone box is a stop for Tab: past a few pages of them the zones' text was out of the keyboard's reach. */}
        {zones.length > 0 && (
          <button type="button" className="skip-link" onClick={() => focusTextInView(viewerRef.current)}>
            Skip the zone boxes, to the zones’ text
          </button>
        )}
        <div className="pages" ref={pagesRef}>
          {pageGroups.map((g) => (
            <PageGroup
              key={g.from}
              from={g.from}
              sizes={g.sizes}
              zones={g.zones}
              numbers={g.numbers}
              cursors={g.cursors}
              zoom={zoom}
              pdf={pdf}
              pdfPages={sizes.length}
              locks={state.locks}
              selfId={selfId}
              names={names}
              selected={selected}
              drawing={drawing && writable}
              onSelect={selectOnPage}
              onCreate={create}
              onDelete={remove}
              onMove={writable ? move : undefined}
              onPointer={onPointer}
            />
          ))}
          <CursorTracker cursors={cursors} containerRef={pagesRef} pageElement={pageElement} />
        </div>
      </section>
      <section
        className="pane text-pane"
        aria-label={
          listFilter.sort === 'reading'
            ? 'Zone text in reading order'
            : `Zone text by ${SORT_LABELS[listFilter.sort].toLowerCase()}`
        }
      >
        {zones.length === 0 ? (
          <p className="empty">{emptyNote ?? EMPTY_WHILE_PROCESSING}</p>
        ) : (
          <ZoneFilterBar
            filter={filter}
            onChange={setFilter}
            matching={matching}
            total={zones.length}
            kept={kept.size}
            filtered={filtered}
          />
        )}
        {zones.length > 0 && shown.length === 0 && <p className="empty">No zone matches the filters.</p>}
        {/* One list of the zones, its items in groups of a few pages (see `ZoneGroup`): `li`s in `div`s would not be
            a list's items, these are (the groups are no element to assistive technology). */}
        {/* biome-ignore lint/a11y/useSemanticElements: see above */}
        <div className="zone-list" role="list" ref={listRef}>
          {groups.map((g) => (
            <ZoneGroup
              // A zone stays in its group while it stays on its pages (in another order than by page, while it stays
              // where it is among the zones around it; see `groupZones`): its editor is not mounted again.
              key={g.key}
              zones={g.zones}
              numbers={g.numbers}
              kept={g.kept}
              first={g.first}
              doc={doc}
              locks={state.locks}
              selfId={selfId}
              isOwner={isOwner}
              readOnly={gone}
              editorsOf={editorsOf}
              stableCursors={stableCursors}
              names={names}
              authorNames={authorNames}
              selected={selected}
              onFocus={focusZone}
              onSelection={reportSelection}
              onToggleLock={toggleLock}
              zoneWindow={zoneWindow}
            />
          ))}
        </div>
      </section>
    </div>
  );
}

type PageSize = { width: number; height: number };

/** Pages per group of the pages pane (see `PageGroup`). */
const PAGES_PER_GROUP = 8;

interface PageGroupData {
  /** The index of the group's first page. */
  from: number;
  sizes: readonly PageSize[];
  /** Each page's zones, numbers and others' cursors (as `PageView` takes them). */
  zones: readonly (readonly Zone[])[];
  numbers: readonly (readonly number[])[];
  cursors: readonly (readonly Cursor[])[];
}

type PageGroupProps = PageGroupData &
  Omit<PageProps, 'index' | 'size' | 'pdf' | 'zones' | 'numbers' | 'cursors'> & {
    pdf: PDFDocumentProxy | null;
    /** Pages of the PDF (the others, zones' pages past its end, are blank). */
    pdfPages: number;
  };

/** A few pages of the pages pane (a fragment: the pages are the pane's own). */
const PageGroup = memo(function PageGroup({
  from,
  sizes,
  zones,
  numbers,
  cursors,
  pdf,
  pdfPages,
  ...shared
}: PageGroupProps) {
  return sizes.map((size, k) => (
    <PageView
      // biome-ignore lint/suspicious/noArrayIndexKey: pages are identified by their index
      key={from + k}
      {...shared}
      index={from + k}
      size={size}
      pdf={pdf && from + k < pdfPages ? pdf : null}
      zones={zones[k]}
      numbers={numbers[k]}
      cursors={cursors[k]}
    />
  ));
});

/** Who holds `lock`, as shown ("you", a name, or an id), or null when the zone is not locked. */
function lockHolder(
  lock: Lock | undefined,
  selfId: string,
  names: ReadonlyMap<string, string>,
): string | null {
  if (!lock) return null;
  return lock.userId === selfId ? 'you' : (lock.userName ?? names.get(lock.userId) ?? lock.userId);
}

/** What a zone's lock button does for me: lock it, unlock my lock, (the owner) force another's open, or nothing. */
function lockAction(lock: Lock | undefined, selfId: string, isOwner: boolean): LockAction {
  if (!lock) return 'lock';
  if (lock.userId === selfId) return 'unlock';
  return isOwner ? 'force' : 'blocked';
}

type Lock = DocumentState['locks'][string];

interface ZoneGroupProps {
  /** The group's zones, in the list's order (an identity kept while none of them changed). */
  zones: readonly Zone[];
  /** Their numbers, in reading order (as their boxes on the pages show them). */
  numbers: readonly number[];
  /** Which of them are listed though they do not match the filter (see `useShownZones`). */
  kept: readonly boolean[];
  /** The index of the first in the whole list. */
  first: number;
  doc: DocumentClient;
  locks: DocumentState['locks'];
  selfId: string;
  isOwner: boolean;
  readOnly: boolean;
  editorsOf: ReadonlyMap<string, Cursor[]>;
  stableCursors: StableLists<Cursor>;
  names: Map<string, string>;
  authorNames: ReadonlyMap<string, string>;
  selected: string | null;
  onFocus: (zone: Zone) => void;
  onSelection: (zone: Zone, selection: TextSelection | null) => void;
  onToggleLock: (zoneId: string) => void;
  zoneWindow: ZoneWindow;
}

/**
 * A few pages' zones of the text pane, in an element of their own: typing in one lays out its group and the list of
 * groups again (tens of boxes), not a list of thousands (about 9 ms a keystroke with 2000 zones). The zones are the
 * list's items (`role`), the groups nothing to assistive technology. The groups far from the screen are not skipped
 * (`content-visibility: auto`): Chromium leaves a skipped group's items out of the accessibility tree, and a screen
 * reader would find the list's end a screen or two away. Their zones are placeholders, cheap to lay out and passed over
 * by hit tests (see `ZonePlaceholder`): at 2000 zones a keystroke takes as long to show as with the groups skipped, for
 * about 1 ms more work.
 */
const ZoneGroup = memo(function ZoneGroup({
  zones,
  numbers,
  kept,
  first,
  locks,
  selfId,
  isOwner,
  editorsOf,
  stableCursors,
  authorNames,
  selected,
  ...shared
}: ZoneGroupProps) {
  const items = zones.map((z, i) => (
    <ZoneItem
      key={z.id}
      {...shared}
      zone={z}
      n={numbers[i]}
      index={first + i}
      unmatched={kept[i]}
      holder={lockHolder(locks[z.id], selfId, shared.names)}
      lockAction={lockAction(locks[z.id], selfId, isOwner)}
      editors={stableCursors.stable(z.id, editorsOf.get(z.id) ?? [])}
      changedBy={z.updatedBy === selfId ? 'you' : (authorNames.get(z.updatedBy) ?? z.updatedBy)}
      selected={selected === z.id}
    />
  ));
  return <div className="zone-group">{items}</div>;
});

/**
 * Puts the caret in the first zone's text shown in the text pane of `viewer` (the first one there, if none shows): what
 * the link that skips the zone boxes goes to.
 */
function focusTextInView(viewer: HTMLElement | null): void {
  const pane = viewer?.querySelector<HTMLElement>('.text-pane');
  if (!pane) return;
  const band = pane.getBoundingClientRect();
  const texts = Array.from(pane.querySelectorAll<HTMLTextAreaElement>('textarea.zone-text'));
  const shown = texts.find((t) => {
    const r = t.getBoundingClientRect();
    return r.bottom > band.top && r.top < band.bottom;
  });
  (shown ?? texts[0])?.focus();
}

/**
 * Brings zone `zoneId`'s element in the pane `pane` (`.pdf-pane`, `.text-pane`) into view, when the two panes are side
 * by side: in a long document the other pane is otherwise thousands of pixels away. On a narrow screen (panes one
 * above the other) it would scroll the page away from what was just touched, so it does nothing there.
 */
function follow(pane: string, zoneId: string): void {
  const target = document.querySelector<HTMLElement>(pane);
  const other = document.querySelector<HTMLElement>(pane === '.pdf-pane' ? '.text-pane' : '.pdf-pane');
  if (!target || !other) return;
  const a = target.getBoundingClientRect();
  const b = other.getBoundingClientRect();
  if (a.top >= b.bottom || b.top >= a.bottom) return; // not side by side
  const reveal = () =>
    target
      .querySelector<HTMLElement>(`[data-zone-id="${CSS.escape(zoneId)}"]`)
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  reveal();
  // A zone's text far away was a placeholder of about its height: once its editor is in, in view as it now is.
  requestAnimationFrame(reveal);
}

/**
 * The selected zone's label, set as a whole when the field is left (or on Enter), not per keystroke: a label is an
 * attribute, and each change of it is an op that another user's change of it can overwrite. Escape puts it back.
 * While it is being edited, another user's change of it does not overwrite the draft; once left, it shows theirs.
 */
function LabelField({
  label,
  disabled,
  title,
  onCommit,
}: {
  label: string;
  disabled: boolean;
  /** Why it is disabled (a lock's holder), when it is. */
  title?: string;
  onCommit: (label: string) => void;
}) {
  const [draft, setDraft] = useState(label);
  const [editing, setEditing] = useState(false);
  if (!editing && draft !== label) setDraft(label);
  const commit = () => {
    setEditing(false);
    const next = draft.trim();
    if (next !== label) onCommit(next);
    else setDraft(label);
  };
  return (
    <label className="inline-field">
      Label
      <input
        type="text"
        value={draft}
        maxLength={DEFAULT_LIMITS.maxLabelLength}
        disabled={disabled}
        title={title}
        onFocus={() => setEditing(true)}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
          else if (e.key === 'Escape') {
            e.preventDefault();
            setDraft(label);
            setEditing(false);
          }
        }}
      />
    </label>
  );
}

interface ZoneItemProps {
  doc: DocumentClient;
  zone: Zone;
  /** Its number, in reading order. */
  n: number;
  /** Its place in the list (0-based): in reading order unfiltered, `n - 1`. */
  index: number;
  /** Listed, but it does not match the filter (see `useShownZones`). */
  unmatched: boolean;
  holder: string | null;
  lockAction: LockAction;
  /** The document failed: its text and lock cannot be changed. */
  readOnly: boolean;
  editors: readonly Cursor[];
  names: Map<string, string>;
  /** Who last changed the zone, as shown ("you", a name, or an id). */
  changedBy: string;
  selected: boolean;
  onFocus: (zone: Zone) => void;
  onSelection: (zone: Zone, selection: TextSelection | null) => void;
  onToggleLock: (zoneId: string) => void;
  /** Which zones are near the visible part of the pane (by `index`). */
  zoneWindow: ZoneWindow;
}

/**
 * One zone of the text pane. Its editor is there while it is near the visible part of the pane, has the focus, is
 * selected, or others are in it (their carets are drawn in it); otherwise a placeholder of about the editor's
 * height stands in, with the zone's text as plain text (so the browser's find still finds it). A placeholder the find
 * revealed stays, under the zone's head line, until clicked or left far behind (see `ZonePlaceholder`).
 */
const ZoneItem = memo(function ZoneItem(props: ZoneItemProps) {
  const { doc, zone: z, n, index, selected, editors, zoneWindow } = props;
  const near = useInWindow(zoneWindow, index);
  const [focused, setFocused] = useState(false);
  const [found, setFound] = useState(false);
  const live = focused || selected || editors.length > 0 || (near && !found);
  // Found, then left far behind (it came near as the find scrolled to it): a placeholder like the others again.
  const wasNear = useRef(false);
  useEffect(() => {
    if (!found) wasNear.current = false;
    else if (near) wasNear.current = true;
    else if (wasNear.current) setFound(false);
  }, [found, near]);
  // Found, then clicked or selected in: its editor takes the focus, with the caret or selection where it was.
  const item = useRef<HTMLDivElement>(null);
  const pending = useRef<{ start: number; end: number } | null>(null);
  const edit = useCallback(
    (selection: { start: number; end: number }) => {
      pending.current = selection;
      setFound(false);
      zoneWindow.focus(index); // near, wherever it is
    },
    [zoneWindow, index],
  );
  useLayoutEffect(() => {
    const ta = item.current?.querySelector('textarea');
    const selection = pending.current;
    if (!live || !ta || !selection) return;
    pending.current = null;
    ta.focus({ preventScroll: true });
    ta.setSelectionRange(selection.start, selection.end);
  }, [live]);
  // Its place in the list (`aria-posinset`, `aria-setsize`): a screen reader says "12 of 1,500" wherever it is, even
  // far from the screen (of the zones listed: filtered, of those). The size is written in by the item itself (see `ZoneWindow.onCount`).
  useLayoutEffect(() => {
    const el = item.current;
    if (!el) return;
    return zoneWindow.onCount((count) => el.setAttribute('aria-setsize', String(count)));
  }, [zoneWindow]);
  const placeholder = !live && !found;
  return (
    // An item far from view is named (its text is hidden), and a click on it (a screen reader's activation of it, say)
    // makes it the editor, with the caret at the start.
    // biome-ignore lint/a11y/useSemanticElements: an item of the zone list, in its group (see `ZoneGroup`)
    // biome-ignore lint/a11y/useKeyWithClickEvents: from the keyboard, Tab goes from zone to zone (see `ZoneWindow.has`)
    <div
      ref={item}
      role="listitem"
      aria-posinset={index + 1}
      aria-label={placeholder ? placeholderName(z, n, pageNumber(pageIndex(z.page))) : undefined}
      className={`zone-item${selected ? ' selected' : ''}${editors.length ? ' others-editing' : ''}`}
      data-zone-id={z.id}
      onClick={placeholder ? () => edit({ start: 0, end: 0 }) : undefined}
      onFocus={() => {
        setFocused(true);
        setFound(false);
        zoneWindow.focus(index);
      }}
      onBlur={(e) => {
        if (e.currentTarget.contains(e.relatedTarget)) return;
        setFocused(false);
        // To another zone, that zone says so as it gets the focus: its neighbours must not go before it has it.
        const toZone = e.relatedTarget && e.currentTarget.closest('.zone-list')?.contains(e.relatedTarget);
        if (!toZone && zoneWindow.focusedIndex === index) zoneWindow.focus(null);
      }}
    >
      {live || found ? <ZoneHead {...props} /> : null}
      {live ? (
        <ZoneTextEditor {...props} />
      ) : (
        <ZonePlaceholder
          documentId={doc.documentId}
          zoneId={z.id}
          text={z.text}
          found={found}
          onFound={() => setFound(true)}
          onEdit={edit}
        />
      )}
    </div>
  );
});

/** A zone's head line: its number, page and type, who last changed it, who is in it, and its lock. */
function ZoneHead({
  zone: z,
  n,
  unmatched,
  holder,
  lockAction,
  readOnly,
  editors,
  names,
  changedBy,
  onToggleLock,
}: ZoneItemProps) {
  const page = pageNumber(pageIndex(z.page));
  return (
    <div className="zone-head">
      <span className="zone-number" style={{ background: ZONE_COLORS[z.type] ?? ZONE_COLORS.other }}>
        {n}
      </span>
      <span className="zone-meta">
        p.{page} · {z.type}
        {z.label && z.label.toLowerCase() !== z.type ? ` · ${z.label}` : ''}
      </span>
      {z.confidence < LOW_CONFIDENCE && (
        <span className="zone-confidence" title="The analysis was unsure of this zone">
          confidence {Math.round(z.confidence * 100)}%
        </span>
      )}
      {unmatched && <span className="zone-unmatched">not matching the filters</span>}
      {z.updatedBy && (
        <span
          className="zone-changed"
          title={`Last changed by ${changedBy}, ${new Date(z.updatedAt).toLocaleString()}`}
        >
          changed by {changedBy} · {clockTime(z.updatedAt, Date.now())}
        </span>
      )}
      {editors.map((c) => (
        <span key={c.userId} className="chip" style={{ background: userColor(c.userId) }}>
          {names.get(c.userId) ?? c.userId}
        </span>
      ))}
      {holder && (
        <span className="lock-note" id={`lock-${z.id}`}>
          <LockIcon /> locked by {holder}
        </span>
      )}
      <LockButton
        action={lockAction}
        holder={holder}
        className="small"
        zoneLabel={`zone ${n}`}
        disabled={readOnly}
        onClick={() => onToggleLock(z.id)}
      />
    </div>
  );
}

/** A zone's text editor, with others' carets in it. */
function ZoneTextEditor({
  doc,
  zone: z,
  n,
  holder,
  readOnly,
  editors,
  names,
  onFocus,
  onSelection,
}: ZoneItemProps) {
  const page = pageNumber(pageIndex(z.page));
  const remote = useMemo(
    () =>
      editors.flatMap((c) =>
        c.selection
          ? [
              {
                userId: c.userId,
                name: names.get(c.userId) ?? c.userId,
                color: userColor(c.userId),
                selection: c.selection,
              },
            ]
          : [],
      ),
    [editors, names],
  );
  return (
    <ZoneText
      doc={doc}
      zone={z}
      label={`Text of zone ${n} (${z.type}, page ${page})`}
      describedBy={holder ? `lock-${z.id}` : undefined}
      onFocus={() => onFocus(z)}
      remote={remote}
      onSelection={(selection) => onSelection(z, selection)}
      readOnly={readOnly}
    />
  );
}

type LockAction = 'lock' | 'unlock' | 'force' | 'blocked';
const LOCK_LABELS: Record<LockAction, string> = {
  lock: 'Lock',
  unlock: 'Unlock',
  force: 'Force unlock',
  blocked: 'Lock',
};

/** A zone's lock button: Lock, Unlock (mine), Force unlock (the owner, someone else's), or disabled. */
function LockButton({
  action,
  holder,
  className,
  zoneLabel,
  disabled = false,
  onClick,
}: {
  action: LockAction;
  holder: string | null;
  className?: string;
  /** Besides someone else's lock: the document can no longer be changed. */
  disabled?: boolean;
  /** Named in the accessible label ("Lock zone 3"). */
  zoneLabel?: string;
  onClick: () => void;
}) {
  const label = LOCK_LABELS[action];
  return (
    <button
      type="button"
      className={className}
      onClick={onClick}
      disabled={disabled || action === 'blocked'}
      aria-label={zoneLabel ? `${label} ${zoneLabel}` : undefined}
      title={
        action === 'force'
          ? `Release ${holder}'s lock (you own this document)`
          : action === 'blocked'
            ? `Locked by ${holder}`
            : undefined
      }
    >
      {label}
    </button>
  );
}
