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
}

/**
 * One `DocumentClient` per document for every hook of a provider, reference-counted: the first lease
 * opens it, the last release closes it (releasing its locks and leaving its room). Closing waits for a
 * microtask, so a component that unmounts and mounts again at once (React StrictMode, a key change to
 * the same id) keeps the open document. The document's room goes through `RoomLeases`, so closing the
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
      };
      this.entries.set(documentId, entry);
    }
    entry.count++;
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
          if (held.count > 0 || this.entries.get(documentId) !== held) return;
          this.entries.delete(documentId);
          held.issues.dispose();
          held.doc.close();
          held.closeTransport();
        });
      },
    };
  }

  /** Documents open now (for tests and debugging). */
  open(): string[] {
    return [...this.entries.keys()];
  }

  /** Closes every document (the provider is going away). */
  closeAll(): void {
    for (const entry of this.entries.values()) {
      entry.issues.dispose();
      entry.doc.close();
      entry.closeTransport();
    }
    this.entries.clear();
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
      const lease = rooms.acquire(room, 'join');
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
