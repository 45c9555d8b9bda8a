import { docRoom } from '@syncline/protocol';
import type { Hub } from '../core/hub.js';
import type { JobStore } from './job-store.js';

/** The events of a committed op (PROTOCOL.md §13.6): the document was edited. */
const EDIT_EVENTS: ReadonlySet<string> = new Set([
  'zone_create',
  'zone_update',
  'zone_edit',
  'zone_delete',
  'doc_op',
]);
const DOC_ROOM_PREFIX = docRoom('');

/** How long an edit waits before it is written to the catalogue, with the others of that time. Default 10 s. */
export const TOUCH_INTERVAL_MS = 10_000;

/**
 * Keeps the catalogue's `updatedAt` of edited documents current (a blank document's list row says when it last
 * changed, on every device), without a write per op: the ops this node commits are noted in memory (the latest time
 * per document), and once per `intervalMs` after the first one the store is told (`JobStore.touchDocument`: one
 * update per edited document, never dating one back). So `updatedAt` is at most that late; ops of a node that stops
 * within it are not recorded. A document not in the catalogue costs an update that matches nothing.
 */
export class CatalogueTouch {
  private readonly pending = new Map<string, number>();
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly store: JobStore,
    private readonly intervalMs = TOUCH_INTERVAL_MS,
  ) {
    hub.onPublished.push((room, type) => {
      if (this.closed || !EDIT_EVENTS.has(type) || !room.startsWith(DOC_ROOM_PREFIX)) return;
      this.pending.set(room.slice(DOC_ROOM_PREFIX.length), hub.clock.now());
      this.timer ??= hub.clock.setTimeout(() => void this.flush(), this.intervalMs);
    });
  }

  /** Writes the edits noted so far (a failure is logged: the next edit of the document records it again). */
  async flush(): Promise<void> {
    if (this.timer !== null) this.hub.clock.clearTimeout(this.timer);
    this.timer = null;
    const edits = [...this.pending];
    this.pending.clear();
    await Promise.all(
      edits.map(([documentId, at]) =>
        this.store.touchDocument(documentId, at).catch((err: unknown) => {
          this.hub.log.warn({ err: String(err), documentId }, 'could not record when the document changed');
        }),
      ),
    );
  }

  /** Writes what is noted, then notes nothing more (before the store closes). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
