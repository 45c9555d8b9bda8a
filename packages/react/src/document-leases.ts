import {
  CLOSE_TIMEOUT_MS,
  type Disposer,
  type DocTransport,
  DocumentClient,
  type DocumentClientOptions,
  defaultDocPersistence,
  type SynclineClient,
} from '@syncline/client';
import { DocumentIssues } from './document-issues.js';
import type { NotificationCenter } from './notification-center.js';
import type { RoomLeases } from './room-leases.js';

export interface DocumentLease {
  readonly doc: DocumentClient;
  readonly issues: DocumentIssues;
  release: Disposer;
}

interface Entry {
  doc: DocumentClient;
  issues: DocumentIssues;
  count: number;
  closeTransport: Disposer;
  /** How long the document stays open, unused, for the server to confirm my last edits: its `closeTimeoutMs`. */
  graceMs: number;
  /** Unused but kept open until my edits are confirmed: the deadline after which it closes anyway. */
  grace: ReturnType<typeof setTimeout> | undefined;
}

/**
 * One `DocumentClient` per document for every hook of a provider, reference-counted: the first lease
 * opens it, the last release closes it (releasing its locks and leaving its room). Closing waits for a
 * microtask, so a component that unmounts and mounts again at once (React StrictMode, a key change to
 * the same id) keeps the open document; and, while edits of mine are not confirmed yet, until the server has
 * them, for at most the document's `closeTimeoutMs` (default `CLOSE_TIMEOUT_MS`, 10 s): closed at once, those
 * typed just before leaving the page were never sent (a document sends one op at a time). This wait is the only
 * one: the document is still open meanwhile, so a lease taken then gets it back as it is (no new client waiting
 * for the old one's close), my locks but those of the zones these edits touch are released as it starts, and the
 * document is then closed with `close({ timeoutMs: 0 })`. What was not confirmed stays in
 * the document's persistence (by default the client's memory, `defaultDocPersistence(client)`, which
 * `client.doc()` shares) and is sent by the next client of the document. The room is left after the document's
 * close is done, never while it is still sending. The document's room goes through `RoomLeases`, so closing the
 * document does not take the room from a progress or collaboration hook that shares it.
 */
export class DocumentLeases {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: SynclineClient,
    private readonly rooms: RoomLeases,
    private readonly options: (documentId: string) => DocumentClientOptions,
    private readonly notifications: NotificationCenter | null,
  ) {}

  acquire(documentId: string): DocumentLease {
    let entry = this.entries.get(documentId);
    if (!entry) {
      const transport = leasedTransport(this.client, this.rooms);
      const options = this.options(documentId);
      const doc = new DocumentClient(transport, documentId, {
        ...options,
        // The client's memory, not one per leased transport: a document opened again finds what this one left.
        persistence: options.persistence ?? defaultDocPersistence(this.client),
      });
      entry = {
        doc,
        issues: new DocumentIssues(doc, this.notifications),
        count: 0,
        closeTransport: transport.dispose,
        graceMs: options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS,
        grace: undefined,
      };
      this.entries.set(documentId, entry);
    }
    entry.count++;
    clearTimeout(entry.grace);
    entry.grace = undefined;
    const held = entry;
    let released = false;
    return {
      doc: held.doc,
      issues: held.issues,
      release: () => {
        if (released) return;
        released = true;
        held.count--;
        queueMicrotask(() => {
          if (!this.unused(documentId, held)) return;
          const { pending, inflight, status } = held.doc.getSnapshot();
          if ((pending === 0 && !inflight) || status === 'failed' || !(held.graceMs > 0)) {
            this.close(documentId, held);
            return;
          }
          // My last edits are still on their way: closed once the server has them (or failed), or after the grace.
          // Meanwhile others need not see my locks, but those of the zones these edits touch (see releaseIdleLocks).
          held.doc.releaseIdleLocks();
          const closeIfUnused = () => {
            if (this.unused(documentId, held)) this.close(documentId, held);
          };
          held.grace = setTimeout(closeIfUnused, Math.min(held.graceMs, 2 ** 31 - 1));
          held.doc.whenSynced().then(closeIfUnused, closeIfUnused);
        });
      },
    };
  }

  private unused(documentId: string, entry: Entry): boolean {
    return entry.count === 0 && this.entries.get(documentId) === entry;
  }

  /**
   * Closes the document now (the grace, if any, is over): `timeoutMs: 0`, since the wait for my last edits was the
   * grace. Its room lease is given back once the close is done, never while it may still send (the server would
   * answer its ops `not_joined`).
   */
  private close(documentId: string, entry: Entry): void {
    this.entries.delete(documentId);
    clearTimeout(entry.grace);
    entry.issues.dispose();
    void entry.doc.close({ timeoutMs: 0 }).then(entry.closeTransport, entry.closeTransport);
  }

  /** Documents open now (for tests and debugging). */
  open(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Closes every document at once, also those waiting for my last edits to be confirmed (the provider is going
   * away, and with it usually its client): what is unconfirmed stays in each document's persistence (the client's
   * memory by default: sent when the document is opened again on the same client; IndexedDB across reloads).
   */
  closeAll(): void {
    for (const [documentId, entry] of [...this.entries]) this.close(documentId, entry);
  }
}

/** The client as a document transport whose room membership goes through the leases. */
function leasedTransport(client: SynclineClient, rooms: RoomLeases): DocTransport & { dispose: Disposer } {
  const held = new Map<string, Disposer>();
  return {
    get userId() {
      return client.userId;
    },
    get state() {
      return client.state;
    },
    request: (method, data, options) => client.request(method, data, options),
    subscribe: (type, handler) => client.subscribe(type, handler),
    on: (name, listener) => client.on(name, listener),
    // Lock leases are reckoned on the server's clock (a device clock minutes off would renew too late).
    serverNow: () => client.serverNow(),
    join(room) {
      // A document joins again when told it is not in the room (its join failed, the server did not re-enter the
      // room after a reconnect, `not_joined`): the room is entered again, as the client's own `join` would.
      const lease = rooms.acquire(room, 'join', { again: held.has(room) });
      held.get(room)?.();
      held.set(room, lease.release);
      return lease.entered;
    },
    async leave(room) {
      held.get(room)?.();
      held.delete(room);
    },
    dispose() {
      for (const release of held.values()) release();
      held.clear();
    },
  };
}
