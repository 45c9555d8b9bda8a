'use client';
import type { DocumentClient } from '@syncline/client';
import type { HistoryEntry } from '@syncline/protocol';
import { useEffect, useState } from 'react';
import { useDocumentLease } from './use-document-lease.js';

export interface DocumentHistoryOptions {
  /** How many of the latest entries to keep. Default 50 (at most 1,000). */
  limit?: number;
  /** Fetch nothing while false (a closed panel). Default true. */
  enabled?: boolean;
  /** The shortest time between two requests while ops keep coming, in ms. Default 1,000. */
  refreshMs?: number;
}

export interface DocumentHistory {
  /** The latest committed ops, described, oldest first (`doc.history`). */
  entries: HistoryEntry[];
  /** True until the first page arrived; false while disabled or without a document (nothing is asked). */
  loading: boolean;
  /** Why the last request failed, or null. */
  error: string | null;
  /** Older entries exist than the first one here (`loadOlder` fetches them). */
  hasOlder: boolean;
  /** Fetches the `limit` entries before the first one here and keeps them (they are not trimmed away again). */
  loadOlder: () => Promise<void>;
}

const noOlder = () => Promise.resolve();
const EMPTY: DocumentHistory = {
  entries: [],
  loading: true,
  error: null,
  hasOlder: false,
  loadOlder: noOlder,
};
/** Disabled, or no document: nothing is asked, so nothing is loading. */
const IDLE: DocumentHistory = { ...EMPTY, loading: false };
const NONE = { doc: null, history: EMPTY };
const hasOlder = (entries: readonly HistoryEntry[]) => (entries[0]?.version ?? 1) > 1;

/**
 * The latest entries of a document's history (who committed which op, when, on which zones), kept current
 * while the component is mounted: when the document's version moves past the last entry, the entries after
 * it are fetched (one request at a time, at most one per `refreshMs` while ops keep coming, so a room full
 * of typists does not turn every keystroke into a request per reader). When the document is re-opened from
 * a snapshot (`resync`: a reset, a repaired replica), the page is fetched again.
 */
export function useDocumentHistory(
  documentId: string | null | undefined,
  options: DocumentHistoryOptions = {},
): DocumentHistory {
  const { enabled = true, refreshMs = 1000 } = options;
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), 1000);
  const doc = useDocumentLease(documentId)?.doc ?? null;
  // The history with the replica it is of: another document's (the id just changed) is never shown for this one.
  const [state, setState] = useState<{ doc: DocumentClient | null; history: DocumentHistory }>(NONE);

  useEffect(() => {
    setState(NONE);
    if (!doc || !enabled) return;
    let live = true;
    let entries: HistoryEntry[] = [];
    let last = -1; // the version the entries reach (-1: nothing fetched yet)
    let running = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastRequestAt = Number.NEGATIVE_INFINITY;
    let generation = 0; // bumped by a resync: a page asked for before it is dropped
    let cap = limit; // entries kept: `limit`, plus the older pages asked for
    const publish = (error: string | null = null) =>
      setState({ doc, history: { entries, loading: false, error, hasOlder: hasOlder(entries), loadOlder } });

    const loadOlder = async () => {
      const first = entries[0]?.version;
      if (!live || first === undefined || first <= 1) return;
      const from = Math.max(0, first - 1 - limit);
      const asked = generation;
      try {
        const page = await doc.history({ from, limit: first - 1 - from });
        if (!live || asked !== generation || entries[0]?.version !== first) return;
        entries = [...page, ...entries];
        cap = entries.length;
        publish();
      } catch (e) {
        if (live) publish((e as Error).message);
      }
    };

    const fetchNow = async () => {
      running = true;
      lastRequestAt = Date.now();
      const version = doc.version;
      const asked = generation;
      let failed = false;
      // The first page, or a jump past what one page holds: the latest `limit` entries, replacing.
      const fresh = last < 0 || version - last > limit;
      try {
        const page = await doc.history(
          fresh ? { from: Math.max(0, version - limit), limit } : { from: last, limit },
        );
        if (!live) return;
        if (asked !== generation) {
          // Re-opened from a snapshot meanwhile: this page is of the old history. The resync could not ask
          // while this request ran, so the page is asked for again below.
          last = -1;
        } else {
          if (fresh) cap = limit;
          entries = (fresh ? page : [...entries, ...page]).slice(-cap);
          last = Math.max(fresh ? Math.max(0, version - limit) : last, page.at(-1)?.version ?? 0);
          publish();
        }
      } catch (e) {
        failed = true; // tried again on the next change of the document, not in a loop
        if (live) publish((e as Error).message);
      } finally {
        running = false;
      }
      if (live && !failed && (last < 0 || doc.version > last)) schedule();
    };

    const schedule = () => {
      if (!live || running || timer !== undefined) return;
      const wait = Math.max(0, lastRequestAt + refreshMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        void fetchNow();
      }, wait);
    };

    const offChange = doc.subscribe(() => {
      if (doc.version > last) schedule();
    });
    // Re-opened from a snapshot (a reset, a repaired replica): the page is fetched again.
    const offResync = doc.on('resync', () => {
      generation++;
      last = -1;
      schedule();
    });
    doc.ready.then(
      () => schedule(),
      (e: Error) => live && publish(e.message),
    );
    return () => {
      live = false;
      offChange();
      offResync();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [doc, enabled, limit, refreshMs]);

  if (!enabled || !documentId) return IDLE;
  return doc && state.doc === doc ? state.history : EMPTY;
}
