import { IndexedDBStore } from '../indexeddb-store.js';
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
  private readonly idb: IndexedDBStore;

  constructor(options: IndexedDBDocPersistenceOptions = {}) {
    this.idb = new IndexedDBStore(
      options.name ?? 'syncline-documents',
      STORE,
      options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB,
      (db, store) => db.createObjectStore(store),
    );
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
  close(): Promise<void> {
    return this.idb.close();
  }

  private run(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
    return this.idb.run(mode, work);
  }
}
