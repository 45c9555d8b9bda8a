/**
 * One IndexedDB object store, opened lazily: what the outbox and the document persistence both need.
 * `run` performs one request in a transaction and resolves with its result once the transaction commits.
 */
export class IndexedDBStore {
  private db: Promise<IDBDatabase> | undefined;
  /** The connection `db` resolved to, once it did. */
  private current: IDBDatabase | undefined;

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
    let db = await this.open();
    let tx: IDBTransaction;
    try {
      tx = db.transaction(this.store, mode);
    } catch (error) {
      // The connection closed under us (the browser closed it, or another version was opened) before `onclose`
      // said so: open it again, once.
      if ((error as { name?: string } | null)?.name !== 'InvalidStateError') throw error;
      this.forget(db);
      db = await this.open();
      tx = db.transaction(this.store, mode);
    }
    return new Promise((resolve, reject) => {
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
    this.current = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  /**
   * The connection, opened on first use. A failed open is not kept (the next call tries again: one transient error,
   * "connection to IndexedDB server lost", must not end persistence for the page's life), nor is a connection the
   * browser closed or another version asked to close.
   */
  private open(): Promise<IDBDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available'));
    if (this.db) return this.db;
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(this.name, 1);
      request.onupgradeneeded = () => this.create(request.result, this.store);
      request.onsuccess = () => {
        const db = request.result;
        db.onclose = () => this.forget(db);
        db.onversionchange = () => {
          db.close();
          this.forget(db);
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB open blocked'));
    });
    this.db = opening;
    opening.then(
      (db) => {
        this.current = db;
      },
      () => {
        if (this.db === opening) this.db = undefined;
      },
    );
    return opening;
  }

  /** Drops the cached connection if it is `db` (closed under us): the next call opens a new one. */
  private forget(db: IDBDatabase): void {
    if (this.current !== db) return;
    this.current = undefined;
    this.db = undefined;
  }
}
