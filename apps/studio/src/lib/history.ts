import type { HistoryEntry } from '@syncline/protocol';

/** One line of the history panel: one op, or a run of one user's typing in one zone. */
export interface HistoryItem {
  /** The first and last version of the run (equal for one op). */
  from: number;
  to: number;
  userId: string;
  /** The author's name as the document remembers them, if it does. */
  userName?: string;
  kind: string;
  zoneIds: string[];
  /** When the last op of the run was committed (ms since the epoch). */
  ts: number;
  /** How many ops the line stands for. */
  count: number;
  /** A change of nothing but the zone's box: `moved` (its size kept) or `resized` (`HistoryEntry.box`). */
  box?: 'moved' | 'resized';
}

/** Typing in one zone by one user merges into one line while no more than this passes between two ops. */
export const RUN_GAP_MS = 2 * 60_000;

/**
 * The history as lines, newest first. A user's text edits in one zone make one line as long as nothing but
 * text edits comes between them (other people typing at the same time, in that zone or another, does not
 * split it) and no more than `RUN_GAP_MS` passes between two of them: a paragraph typed is one line, not one
 * per keystroke, and three people typing together are three lines. Everything else is a line of its own.
 * Lines are ordered by their last op, the one whose time they show: a run that went on after someone else's
 * line began is above it, so the times only ever go back down the list.
 */
export function historyItems(entries: readonly HistoryEntry[]): HistoryItem[] {
  const items: HistoryItem[] = [];
  for (const e of entries) {
    const prev = e.kind === 'zone_edit' && e.zoneIds.length === 1 ? typingRun(items, e) : undefined;
    if (prev) {
      prev.to = e.version;
      prev.ts = e.ts;
      prev.count++;
      if (e.userName !== undefined) prev.userName = e.userName;
    } else {
      const item: HistoryItem = {
        from: e.version,
        to: e.version,
        userId: e.userId,
        kind: e.kind,
        zoneIds: [...e.zoneIds],
        ts: e.ts,
        count: 1,
      };
      if (e.userName !== undefined) item.userName = e.userName;
      if (e.box !== undefined) item.box = e.box;
      items.push(item);
    }
  }
  // Each line's `to` is its own (versions are unique): newest last op first.
  return items.sort((a, b) => b.to - a.to);
}

/** The line `e` (a one-zone text edit) continues: its user's latest in the trailing run of text edits. */
function typingRun(items: HistoryItem[], e: HistoryEntry): HistoryItem | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.kind !== 'zone_edit') return undefined;
    if (item.userId === e.userId) {
      const same = item.zoneIds.length === 1 && item.zoneIds[0] === e.zoneIds[0];
      return same && e.ts - item.ts <= RUN_GAP_MS ? item : undefined;
    }
  }
  return undefined;
}

const VERBS: Record<string, string> = {
  zone_create: 'added',
  zone_update: 'changed',
  zone_edit: 'edited the text of',
  zone_delete: 'deleted',
  mixed: 'changed',
};

/**
 * What a line says was done, before the zones it names: "edited the text of", "deleted", ...; a change of a zone's
 * box alone says whether it was "moved" or "resized" (`box`), not just "changed".
 */
export function historyVerb(kind: string, box?: HistoryItem['box']): string {
  if (kind === 'meta') return "changed the document's details";
  if (kind === 'zone_update' && box !== undefined) return box;
  return VERBS[kind] ?? 'changed';
}

/** "just now", "5 s ago", "3 min ago", "2 h ago", then the date. */
export function relativeTime(ts: number, now: number): string {
  const s = Math.round((now - ts) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  return new Date(ts).toLocaleDateString();
}

/** When something happened, without ticking: the time of day for today, the date before. */
export function clockTime(ts: number, now: number): string {
  const d = new Date(ts);
  const sameDay = d.toDateString() === new Date(now).toDateString();
  return (sameDay ? timeFormat() : dayFormat()).format(d);
}

// Made once: toLocaleTimeString builds a formatter on every call (most of a long document's render time once).
let times: Intl.DateTimeFormat | undefined;
let days: Intl.DateTimeFormat | undefined;
const timeFormat = () =>
  (times ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }));
const dayFormat = () => (days ??= new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }));
