import {
  type Disposer,
  type DocTransport,
  DocumentClient,
  type DocumentClientOptions,
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
  /** Unused but kept open until my edits are confirmed: the deadline after which it closes anyway. */
  grace: ReturnType<typeof setTimeout> | undefined;
}

/** How long a document nobody uses any more stays open for the server to confirm my last edits. */
export const CLOSE_GRACE_MS = 30_000;

/**
 * One `DocumentClient` per document for every hook of a provider, reference-counted: the first lease
 * opens it, the last release closes it (releasing its locks and leaving its room). Closing waits for a
 * microtask, so a component that unmounts and mounts again at once (React StrictMode, a key change to
 * the same id) keeps the open document; and, while edits of mine are not confirmed yet, until the server has
 * them (at most `CLOSE_GRACE_MS`): closed at once, those typed just before leaving the page were never sent
 * (a document sends one op at a time). The document's room goes through `RoomLeases`, so closing the
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
      const doc = new DocumentClient(transport, documentId, {
        ...this.options(documentId),
      });
      entry = {
        doc,
        issues: new DocumentIssues(doc, this.notifications),
        count: 0,
        closeTransport: transport.dispose,
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
          if ((pending === 0 && !inflight) || status === 'failed') {
            this.close(documentId, held);
            return;
          }
          // My last edits are still on their way: closed once the server has them (or failed), or after the grace.
          const closeIfUnused = () => {
            if (this.unused(documentId, held)) this.close(documentId, held);
          };
          held.grace = setTimeout(closeIfUnused, CLOSE_GRACE_MS);
          held.doc.whenSynced().then(closeIfUnused, closeIfUnused);
        });
      },
    };
  }

  private unused(documentId: string, entry: Entry): boolean {
    return entry.count === 0 && this.entries.get(documentId) === entry;
  }

  private close(documentId: string, entry: Entry): void {
    this.entries.delete(documentId);
    clearTimeout(entry.grace);
    entry.issues.dispose();
    entry.doc.close();
    entry.closeTransport();
  }

  /** Documents open now (for tests and debugging). */
  open(): string[] {
    return [...this.entries.keys()];
  }

  /** Closes every document (the provider is going away). */
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
