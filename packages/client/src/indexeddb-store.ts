/**
 * One IndexedDB object store, opened lazily: what the outbox and the document persistence both need.
 * `run` performs one request in a transaction and resolves with its result once the transaction commits.
 */
export class IndexedDBStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(
    private readonly name: string,
    private readonly store: string,
    private readonly factory: IDBFactory | undefined,
    /** Creates the object store (and its indexes) when the database is new. */
    private readonly create: (db: IDBDatabase, store: string) => void,
  ) {}

  async run(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => IDBRequest,
    options: { commit?: boolean } = {},
  ): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(this.store, mode);
      let request: IDBRequest;
      try {
        request = work(tx.objectStore(this.store));
      } catch (error) {
        // Nothing of it may commit: the requests made before the throw are undone with the transaction.
        tx.abort();
        reject(error);
        return;
      }
      // `commit`: `work` made every request of the transaction (none waits for a result): it is committed now, not
      // after a round trip to the database for each request's result. A page closed in that round trip aborts a
      // transaction not committed yet: an edit saved just before the tab closes would be lost.
      if (options.commit) tx.commit?.();
      tx.oncomplete = () => resolve(request.result);
      // A request's error reaches the transaction before its abort sets `tx.error`: the request says what failed.
      tx.onerror = (event) => reject((event.target as IDBRequest | null)?.error ?? tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  /** Closes the database connection (a later call reopens it). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).close();
  }

  private open(): Promise<IDBDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available'));
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(this.name, 1);
      request.onupgradeneeded = () => this.create(request.result, this.store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB open blocked'));
    });
    return this.db;
  }
}
