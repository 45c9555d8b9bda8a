import { IndexedDBStore } from './indexeddb-store.js';
import type { OutboxStorage, StoredMessage } from './outbox-storage.js';

export interface IndexedDBOutboxStorageOptions {
  /** Database name; use one per app and user so two accounts never share an outbox. */
  name?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

const STORE = 'messages';

/**
 * Keeps the outbox in IndexedDB so queued messages survive a reload: the next client instance loads and
 * sends them (the server de-duplicates by id, so sending one twice is harmless).
 *
 * Records are keyed by an auto-increment number, which keeps them in insertion order; an index on the
 * message id serves `delete(id)`.
 */
export class IndexedDBOutboxStorage implements OutboxStorage {
  private readonly idb: IndexedDBStore;

  constructor(options: IndexedDBOutboxStorageOptions = {}) {
    this.idb = new IndexedDBStore(
      options.name ?? 'syncline-outbox',
      STORE,
      options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB,
      (db, store) => {
        db.createObjectStore(store, { autoIncrement: true }).createIndex('id', 'id', { unique: true });
      },
    );
  }

  async load(): Promise<StoredMessage[]> {
    return (await this.run('readonly', (store) => store.getAll())) as StoredMessage[];
  }

  async put(message: StoredMessage): Promise<void> {
    try {
      // Added and committed at once, with no read first: a message queued just before the tab closes is kept (an
      // unloading page aborts a transaction not committed yet, and one waiting for a read's result is not).
      await this.run('readwrite', (store) => store.add(message), { commit: true });
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== 'ConstraintError') throw error;
      // A record of this id already (the unique index refused it): replaced, so ids stay unique.
      await this.run('readwrite', (store) => {
        const existing = store.index('id').getKey(message.id);
        existing.onsuccess = () => {
          if (existing.result !== undefined) store.delete(existing.result);
          store.add(message);
        };
        return existing;
      });
    }
  }

  async delete(id: string): Promise<void> {
    await this.run('readwrite', (store) => {
      const key = store.index('id').getKey(id);
      key.onsuccess = () => {
        if (key.result !== undefined) store.delete(key.result);
      };
      return key;
    });
  }

  async clear(): Promise<void> {
    await this.run('readwrite', (store) => store.clear());
  }

  /** Closes the database connection (a later call reopens it). */
  close(): Promise<void> {
    return this.idb.close();
  }

  private run(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => IDBRequest,
    options?: { commit?: boolean },
  ): Promise<unknown> {
    return this.idb.run(mode, work, options);
  }
}
