import { IndexedDBStore } from '../indexeddb-store.js';
import { type DocPersistence, holdsOthersOps, isPersistedDoc, type PersistedDoc } from './persistence.js';

export interface IndexedDBDocPersistenceOptions {
  /** Database name; use one per app and user so two accounts never share unconfirmed edits. */
  name?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
  /**
   * An older database of this persistence (such as the default `syncline-documents`, before the app named one per
   * user) whose records of `userId` are moved into this one before its first load, save or delete; the other
   * users' records stay there for them. Nothing is created when that database does not exist.
   */
  migrateFrom?: { name: string; userId: string };
}

const STORE = 'documents';
const DEFAULT_NAME = 'syncline-documents';

/**
 * Keeps each document's unconfirmed ops in IndexedDB (one record per document id), so edits made
 * offline survive a reload: the next `DocumentClient` for the document restores and re-submits them. With the
 * document client's `keepConfirmed`, also the document as the server last confirmed it, so it opens offline.
 */
export class IndexedDBDocPersistence implements DocPersistence {
  private readonly idb: IndexedDBStore;
  /** The move of the older database's records (`migrateFrom`), started on first use. */
  private migration: Promise<void> | undefined;

  constructor(private readonly options: IndexedDBDocPersistenceOptions = {}) {
    this.idb = new IndexedDBStore(options.name ?? DEFAULT_NAME, STORE, this.factory, (db, store) =>
      db.createObjectStore(store),
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

  /** `save`, unless the stored record holds another client's unsent ops: read and written in one transaction. */
  async saveKept(record: PersistedDoc, mine: ReadonlySet<string>): Promise<void> {
    await this.run('readwrite', (store) => {
      const stored = store.get(record.documentId);
      stored.onsuccess = () => {
        if (!holdsOthersOps(stored.result, mine)) store.put(record, record.documentId);
      };
      return stored;
    });
  }

  /** Closes the database connection (a later call reopens it). */
  close(): Promise<void> {
    return this.idb.close();
  }

  private get factory(): IDBFactory | undefined {
    return this.options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  private async run(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const from = this.options.migrateFrom;
    if (from) {
      // A failed move leaves the records where they were: tried again by the next instance (the next page load).
      this.migration ??= this.migrate(from.name, from.userId).catch(() => {});
      await this.migration;
    }
    return this.idb.run(mode, work);
  }

  /**
   * Moves `userId`'s records from the database `name` into this one: each is written here (unless a record saved
   * later is here already), then deleted there.
   */
  private async migrate(name: string, userId: string): Promise<void> {
    const factory = this.factory;
    if (!factory || name === (this.options.name ?? DEFAULT_NAME)) return;
    // Opening a database that does not exist creates it: look first where the browser can tell.
    if (typeof factory.databases === 'function') {
      const existing = await factory.databases();
      if (!existing.some((db) => db.name === name)) return;
    }
    const old = new IndexedDBStore(name, STORE, factory, (db, store) => db.createObjectStore(store));
    try {
      const records = ((await old.run('readonly', (store) => store.getAll())) as unknown[]).filter(
        (r): r is PersistedDoc => isPersistedDoc(r) && r.userId === userId,
      );
      for (const record of records) {
        const here = await this.idb.run('readonly', (store) => store.get(record.documentId));
        if (!isPersistedDoc(here) || here.savedAt < record.savedAt)
          await this.idb.run('readwrite', (store) => store.put(record, record.documentId));
        await old.run('readwrite', (store) => store.delete(record.documentId));
      }
    } finally {
      await old.close();
    }
  }
}
