import type { DocPersistence, PersistedDoc } from './persistence.js';

export interface IndexedDBDocPersistenceOptions {
  /** Database name; use one per app and user so two accounts never share unconfirmed edits. */
  name?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

const STORE = 'documents';

/**
 * Keeps each document's unconfirmed ops in IndexedDB (one record per document id), so edits made
 * offline survive a reload: the next `DocumentClient` for the document restores and re-submits them.
 */
export class IndexedDBDocPersistence implements DocPersistence {
  private db: Promise<IDBDatabase> | undefined;
  private readonly name: string;
  private readonly factory: IDBFactory | undefined;

  constructor(options: IndexedDBDocPersistenceOptions = {}) {
    this.name = options.name ?? 'syncline-documents';
    this.factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  async load(documentId: string): Promise<PersistedDoc | undefined> {
    return (await this.run('readonly', (store) => store.get(documentId))) as PersistedDoc | undefined;
  }

  async save(record: PersistedDoc): Promise<void> {
    await this.run('readwrite', (store) => store.put(record, record.documentId));
  }

  async delete(documentId: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(documentId));
  }

  /** Closes the database connection (a later call reopens it). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).close();
  }

  /** Runs `work` in a transaction; resolves with its request's result once the transaction commits. */
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
        request.result.createObjectStore(STORE);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB open blocked'));
    });
    return this.db;
  }
}
