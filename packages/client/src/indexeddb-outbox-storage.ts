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
  private db: Promise<IDBDatabase> | undefined;
  private readonly name: string;
  private readonly factory: IDBFactory | undefined;

  constructor(options: IndexedDBOutboxStorageOptions = {}) {
    this.name = options.name ?? 'syncline-outbox';
    this.factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  async load(): Promise<StoredMessage[]> {
    return (await this.run('readonly', (store) => store.getAll())) as StoredMessage[];
  }

  async put(message: StoredMessage): Promise<void> {
    await this.run('readwrite', (store) => {
      // Replace an earlier record of the same id, if any, so ids stay unique.
      const existing = store.index('id').getKey(message.id);
      existing.onsuccess = () => {
        if (existing.result !== undefined) store.delete(existing.result);
        store.add(message);
      };
      return existing;
    });
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
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).close();
  }

  /** Runs `work` in a transaction; resolves with the first request's result once the transaction commits. */
  private async run(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  private open(): Promise<IDBDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available'));
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(this.name, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { autoIncrement: true });
        store.createIndex('id', 'id', { unique: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB open blocked'));
    });
    return this.db;
  }
}
