import { IndexedDBStore } from '../indexeddb-store.js';
import { BroadcastClaims } from './broadcast-claims.js';
import {
  clientKeyOf,
  type DocPersistence,
  isPersistedDoc,
  LocalClaims,
  newestRecord,
  type PersistedDoc,
  type ReleaseClaim,
} from './persistence.js';

export interface IndexedDBDocPersistenceOptions {
  /** Database name; use one per app and user so two accounts never share unconfirmed edits. */
  name?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
  /** The `IDBKeyRange` of that IndexedDB (default `globalThis.IDBKeyRange`): a document's records are a key range. */
  keyRange?: typeof IDBKeyRange;
  /**
   * An older database of this persistence (such as the default `syncline-documents`, before the app named one per
   * user) whose records of `userId` are moved into this one before its first load, save or delete; the other
   * users' records stay there for them. Nothing is created when that database does not exist.
   */
  migrateFrom?: { name: string; userId: string };
  /**
   * Tells live clients' records from those of clients that are gone (`claim`), across the tabs of the browser.
   * Default `navigator.locks` (the Web Locks API, in secure contexts: HTTPS or localhost). Without it, claims go over
   * a `BroadcastChannel` (`broadcastChannel`); without either, only the clients of this page count as live: a new
   * tab may take over the record of another open tab, and then both save under one key, as all tabs did with one
   * record per document (the edits of the tab that saved first can be lost if both close before sending them).
   */
  locks?: LockManager | null;
  /**
   * Without Web Locks, claims go over a `BroadcastChannel` named after the database (`BroadcastClaims`: weaker than a
   * lock, far better than none); this is its constructor. Default `globalThis.BroadcastChannel`; null: only this
   * page's clients count as live.
   */
  broadcastChannel?: typeof BroadcastChannel | null;
}

const STORE = 'documents';
const DEFAULT_NAME = 'syncline-documents';

/**
 * Keeps each document client's unconfirmed ops in IndexedDB (a record per document and client, under the key
 * `[documentId, clientKey]`; a record of an older version, one per document, under the key `documentId`), so edits
 * made offline survive a reload: the next `DocumentClient` for the document restores and re-submits them. With the
 * document client's `keepConfirmed`, also the document as the server last confirmed it, so it opens offline. A
 * client holds a Web Lock named after its record while it lives (`claim`), so that another tab leaves its record
 * alone.
 */
export class IndexedDBDocPersistence implements DocPersistence {
  private readonly idb: IndexedDBStore;
  /** The move of the older database's records (`migrateFrom`), started on first use. */
  private migration: Promise<void> | undefined;
  private readonly localClaims = new LocalClaims();
  private broadcastClaims: BroadcastClaims | undefined;

  constructor(private readonly options: IndexedDBDocPersistenceOptions = {}) {
    this.idb = new IndexedDBStore(options.name ?? DEFAULT_NAME, STORE, this.factory, (db, store) =>
      db.createObjectStore(store),
    );
  }

  /** The most recently saved record of the document (for tests and debugging). */
  async load(documentId: string): Promise<PersistedDoc | undefined> {
    return newestRecord(await this.loadAll(documentId));
  }

  async loadAll(documentId: string): Promise<PersistedDoc[]> {
    let legacy: unknown;
    const records = (await this.run('readonly', (store) => {
      const old = store.get(documentId);
      old.onsuccess = () => {
        legacy = old.result;
      };
      return store.getAll(this.clientRange(documentId));
    })) as unknown[];
    return [legacy, ...records].filter(isPersistedDoc);
  }

  async save(record: PersistedDoc): Promise<void> {
    await this.run('readwrite', (store) => store.put(record, keyOf(record.documentId, clientKeyOf(record))));
  }

  async delete(documentId: string, clientKey?: string): Promise<void> {
    await this.run('readwrite', (store) => {
      if (clientKey !== undefined) return store.delete(keyOf(documentId, clientKey));
      store.delete(this.clientRange(documentId));
      return store.delete(documentId);
    });
  }

  claim(
    documentId: string,
    clientKey: string,
    options: { fresh?: boolean } = {},
  ): Promise<ReleaseClaim | null> {
    const locks = this.locks;
    if (!locks) {
      const broadcast = this.broadcast;
      if (!broadcast) return this.localClaims.claim(documentId, clientKey);
      // A client's fresh key is nobody else's: no need to ask the other pages. Any other key is asked about, even
      // one no record has now: a live client deletes its record whenever all its edits are confirmed.
      return options.fresh
        ? Promise.resolve(broadcast.claimNew(documentId, clientKey))
        : broadcast.claim(documentId, clientKey);
    }
    return new Promise<ReleaseClaim | null>((resolve, reject) => {
      locks
        .request(this.lockName(documentId, clientKey), { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(null);
            return undefined;
          }
          // Held until released: the lock is the callback's promise.
          return new Promise<void>((release) => resolve(release));
        })
        .catch(reject);
    });
  }

  waitForClaim(documentId: string, clientKey: string, signal: AbortSignal): Promise<ReleaseClaim | null> {
    const locks = this.locks;
    if (!locks) return (this.broadcast ?? this.localClaims).waitForClaim(documentId, clientKey, signal);
    return new Promise<ReleaseClaim | null>((resolve) => {
      locks
        .request(
          this.lockName(documentId, clientKey),
          { signal },
          () => new Promise<void>((release) => resolve(release)),
        )
        .catch(() => resolve(null)); // aborted while waiting
    });
  }

  /** Claims over a BroadcastChannel (made on first use), when there is one. */
  private get broadcast(): BroadcastClaims | undefined {
    const Channel =
      this.options.broadcastChannel === undefined
        ? (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
        : this.options.broadcastChannel;
    if (!Channel) return undefined;
    this.broadcastClaims ??= new BroadcastClaims(
      `syncline-doc-claims:${this.options.name ?? DEFAULT_NAME}`,
      Channel,
    );
    return this.broadcastClaims;
  }

  private get locks(): LockManager | null | undefined {
    return this.options.locks === undefined
      ? (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
      : this.options.locks;
  }

  private lockName(documentId: string, clientKey: string): string {
    return `syncline-doc:${JSON.stringify([this.options.name ?? DEFAULT_NAME, documentId, clientKey])}`;
  }

  /**
   * Closes the database connection (a later call reopens it), and the claims' channel once no claim of this page is
   * held (it answers for them till then).
   */
  close(): Promise<void> {
    this.broadcastClaims?.close();
    return this.idb.close();
  }

  /** Every `[documentId, clientKey]` key of the document (arrays sort after strings, an empty array after both). */
  private clientRange(documentId: string): IDBKeyRange {
    const range = this.options.keyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
    if (!range) throw new Error('IDBKeyRange is not available');
    return range.bound([documentId], [documentId, []]);
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
        const key = keyOf(record.documentId, clientKeyOf(record));
        const here = await this.idb.run('readonly', (store) => store.get(key));
        if (!isPersistedDoc(here) || here.savedAt < record.savedAt)
          await this.idb.run('readwrite', (store) => store.put(record, key));
        await old.run('readwrite', (store) => store.delete(key));
      }
    } finally {
      await old.close();
    }
  }
}

/** A record's key: its document's id for the client key `''` (where an older version kept the one record). */
const keyOf = (documentId: string, clientKey: string): IDBValidKey =>
  clientKey === '' ? documentId : [documentId, clientKey];
