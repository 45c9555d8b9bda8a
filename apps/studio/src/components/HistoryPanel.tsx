import type { Zone } from '@syncline/doc';
import { useDocumentHistory, userColor } from '@syncline/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { rememberNames, unnamedAuthor } from '../lib/author-names.js';
import { type HistoryItem, historyItems, historyVerb, relativeTime } from '../lib/history.js';
import { showZone } from '../lib/zone-focus.js';

/** How many of the latest ops the panel asks for (typing runs make them fewer lines). */
const LIMIT = 300;

interface Props {
  documentId: string;
  /** The document's zones now, and their numbers in reading order (as the text pane shows them). */
  zones: Readonly<Record<string, Zone>>;
  numbers: ReadonlyMap<string, number>;
  /** Names of the users seen in this document (presence, locks); others show the name the history gives. */
  names: ReadonlyMap<string, string>;
  /** Names from elsewhere (the document's own, those this browser kept), for authors the history does not name. */
  otherNames?: ReadonlyMap<string, string>;
  selfId: string;
  /** No connection to the server (offline, reconnecting): the history cannot be asked for until it is back. */
  offline?: boolean;
  onClose: () => void;
}

/**
 * Who changed what, and when: the document's history from the server (`useDocumentHistory`), newest first,
 * a run of typing in one zone as one line. Zones that still exist are links to their text.
 */
export function HistoryPanel({
  documentId,
  zones,
  numbers,
  names,
  otherNames,
  selfId,
  offline = false,
  onClose,
}: Props) {
  const history = useDocumentHistory(documentId, { limit: LIMIT });
  const items = useMemo(() => historyItems(history.entries), [history.entries]);
  // The names the history gives are kept, to name these people later (offline too: author-names.ts).
  useEffect(() => {
    rememberNames(
      selfId,
      history.entries.flatMap((e) => (e.userName === undefined ? [] : [[e.userId, e.userName] as const])),
    );
  }, [selfId, history.entries]);
  const [loadingOlder, setLoadingOlder] = useState(false);
  // "2 min ago" moves on by itself.
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  const now = Date.now();
  // Opened, it takes the focus: it comes after the whole zone list, which Tab would have to go through first. Closed
  // with Escape or Close, the focus goes back to what opened it (the History button).
  const panel = useRef<HTMLElement>(null);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    opener.current = document.activeElement;
    panel.current?.focus();
  }, []);
  const close = () => {
    onClose();
    const back = opener.current;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  };
  // A zone named here: shown, with the caret in its text. Beside the zones' text (a wide window) the panel stays, to
  // go on from; over it (a narrow one, where it takes the whole screen) it closes, else the text and the caret put in
  // it would be under it, and what is typed would go in unseen.
  const showFromHere = (zoneId: string) => {
    const here = panel.current?.getBoundingClientRect();
    const text = document.querySelector('.text-pane')?.getBoundingClientRect();
    if (here && text && here.left <= text.left + 1) onClose();
    showZone(documentId, zoneId, { focus: true });
  };

  const who = (item: HistoryItem) =>
    item.userId === selfId
      ? 'You'
      : (names.get(item.userId) ??
        item.userName ??
        otherNames?.get(item.userId) ??
        unnamedAuthor(item.userId, true));
  const zoneRef = (item: HistoryItem) => {
    if (item.kind === 'meta') return null;
    if (item.zoneIds.length > 2) return <>{item.zoneIds.length} zones</>;
    if (item.kind === 'zone_delete') return <>{item.zoneIds.length === 1 ? 'a zone' : 'two zones'}</>;
    return item.zoneIds.map((id, i) => {
      const n = numbers.get(id);
      const zone = zones[id];
      return (
        <span key={id}>
          {i > 0 && ' and '}
          {zone && n !== undefined ? (
            <button
              type="button"
              className="link history-zone"
              onClick={() => showFromHere(id)}
              title={zone.label || zone.text.slice(0, 80) || `Zone ${n}`}
            >
              zone {n}
            </button>
          ) : (
            'a zone since deleted'
          )}
        </span>
      );
    });
  };

  return (
    <aside
      ref={panel}
      className="history-panel"
      aria-label="History"
      data-testid="history"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        e.preventDefault();
        close();
      }}
    >
      <div className="history-head">
        <h2>History</h2>
        <button type="button" className="small" onClick={close} aria-label="Close history">
          Close
        </button>
      </div>
      {history.error && (
        <p className="error" role="alert">
          The history could not be loaded: {history.error}
        </p>
      )}
      {/* Asked for, it comes once the connection is back: said, not an endless "Loading…". */}
      {history.loading && !history.error && (
        <p className="empty" role="status">
          {offline
            ? 'No connection to the server: the history is loaded once the connection is back.'
            : 'Loading…'}
        </p>
      )}
      {!history.loading && items.length === 0 && !history.error && <p className="empty">No changes yet.</p>}
      <ol className="history-list">
        {items.map((item) => (
          <li key={item.from} className="history-item" data-user={item.userId} data-kind={item.kind}>
            <span className="history-dot" style={{ background: userColor(item.userId) }} aria-hidden="true" />
            <span className="history-text">
              <strong>{who(item)}</strong> {historyVerb(item.kind, item.box)} {zoneRef(item)}
              {item.count > 1 && <span className="history-count"> ({item.count} edits)</span>}
              <time
                dateTime={new Date(item.ts).toISOString()}
                title={`${new Date(item.ts).toLocaleString()} · version ${item.from === item.to ? item.from : `${item.from}–${item.to}`}`}
              >
                {relativeTime(item.ts, now)}
              </time>
            </span>
          </li>
        ))}
      </ol>
      {history.hasOlder && (
        <button
          type="button"
          className="link history-older"
          disabled={loadingOlder}
          onClick={() => {
            setLoadingOlder(true);
            void history.loadOlder().finally(() => setLoadingOlder(false));
          }}
        >
          {loadingOlder ? 'Loading…' : 'Show older changes'}
        </button>
      )}
    </aside>
  );
}
