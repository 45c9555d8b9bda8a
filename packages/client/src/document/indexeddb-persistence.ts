import type { ZoneDocument } from '@syncline/doc';
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
  /**
   * The snapshot this page last saved (or loaded) for each record, by `cacheKey`, and whether it is known to be in the
   * database (`written`: loaded, or the save that wrote it completed): a save with the same one (the same value, at
   * the same version) then writes only the rest of the record. Held weakly: a snapshot no client holds any more will
   * not be saved again.
   */
  private readonly stored = new Map<string, StoredEntry>();

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
    const rows = (await this.run('readonly', (store) => {
      const old = store.get(documentId);
      old.onsuccess = () => {
        legacy = old.result;
      };
      return store.getAll(this.clientRange(documentId));
    })) as unknown[];
    const records = assemble([legacy, ...rows]);
    for (const { record, snapshotVersion } of records) {
      if (snapshotVersion === undefined) continue;
      // The client that takes this record over saves it with this same snapshot: no need to write it again. (A
      // snapshot of this page's own at that version stays: its client saves that one.)
      const key = cacheKey(documentId, clientKeyOf(record));
      const known = this.stored.get(key);
      if (known?.version === snapshotVersion && known.written && known.snapshot.deref() !== undefined)
        continue;
      this.stored.set(key, {
        snapshot: new WeakRef(record.snapshot),
        version: snapshotVersion,
        written: true,
      });
    }
    return records.map((r) => r.record);
  }

  /**
   * Writes the record, its snapshot stored apart (once per snapshot: a client saves the same one, with the ops
   * committed since, until it starts again from a newer one), so that an edit of a big document writes its ops and
   * not the whole document.
   */
  async save(record: PersistedDoc): Promise<void> {
    const clientKey = clientKeyOf(record);
    const cached = cacheKey(record.documentId, clientKey);
    const { snapshot, ...rest } = record;
    const version = record.version - (record.format === 2 ? (record.committed?.length ?? 0) : 0);
    const known = this.stored.get(cached);
    // Only a snapshot known to be stored is left out: one whose save is still under way may yet fail (a full disk),
    // and a record saved after it, without it, would then point at nothing, in place of the record before.
    const stored =
      known?.written === true && known.snapshot.deref() === snapshot && known.version === version;
    const entry: StoredEntry =
      stored && known ? known : { snapshot: new WeakRef(snapshot), version, written: false };
    this.stored.set(cached, entry);
    const key = keyOf(record.documentId, clientKey);
    const row = { ...rest, snapshotVersion: version };
    const at: StoredSnapshot = {
      kind: 'snapshot',
      documentId: record.documentId,
      clientKey,
      version,
      snapshot,
    };
    try {
      // Every request at once, and committed at once (no read first): what a keystroke saves is stored even when
      // the tab closes a moment later. (No other page saves under this key while my client holds its claim.)
      await this.run(
        'readwrite',
        (store) => {
          if (!stored) {
            store.delete(this.snapshotRange(record.documentId, clientKey));
            store.put(at, snapshotKey(record.documentId, clientKey, version));
          }
          return store.put(row, key);
        },
        { commit: true },
      );
      entry.written = true;
    } catch (cause) {
      // Whether the snapshot is stored is not known now: the next save writes it.
      if (this.stored.get(cached) === entry) this.stored.delete(cached);
      throw cause ?? new Error('could not save the record');
    }
  }

  async delete(documentId: string, clientKey?: string): Promise<void> {
    if (clientKey !== undefined) this.stored.delete(cacheKey(documentId, clientKey));
    else for (const key of this.stored.keys()) if (JSON.parse(key)[0] === documentId) this.stored.delete(key);
    await this.run(
      'readwrite',
      (store) => {
        if (clientKey !== undefined) {
          store.delete(this.snapshotRange(documentId, clientKey));
          return store.delete(keyOf(documentId, clientKey));
        }
        store.delete(this.clientRange(documentId));
        return store.delete(documentId);
      },
      { commit: true },
    );
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

  /**
   * Every `[documentId, clientKey]` key of the document, and every snapshot key `[documentId, clientKey, 'snapshot',
   * version]` (arrays sort after strings, an empty array after both).
   */
  private clientRange(documentId: string): IDBKeyRange {
    return this.keyRange.bound([documentId], [documentId, []]);
  }

  /** The snapshot keys of one client's record. */
  private snapshotRange(documentId: string, clientKey: string): IDBKeyRange {
    return snapshotKeys(this.keyRange, documentId, clientKey);
  }

  private get keyRange(): typeof IDBKeyRange {
    const range = this.options.keyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
    if (!range) throw new Error('IDBKeyRange is not available');
    return range;
  }

  private get factory(): IDBFactory | undefined {
    return this.options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  private async run(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => IDBRequest,
    options?: { commit?: boolean },
  ): Promise<unknown> {
    const from = this.options.migrateFrom;
    if (from) {
      // A failed move leaves the records where they were: tried again by the next instance (the next page load).
      this.migration ??= this.migrate(from.name, from.userId).catch(() => {});
      await this.migration;
    }
    return this.idb.run(mode, work, options);
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
      const records = assemble((await old.run('readonly', (store) => store.getAll())) as unknown[])
        .map((r) => r.record)
        .filter((r) => r.userId === userId);
      for (const record of records) {
        const key = keyOf(record.documentId, clientKeyOf(record));
        const here = (await this.idb.run('readonly', (store) => store.get(key))) as
          | { savedAt?: unknown }
          | undefined;
        if (typeof here?.savedAt !== 'number' || here.savedAt < record.savedAt)
          await this.idb.run('readwrite', (store) => {
            // Stored whole here: a snapshot stored apart for the key would be left over.
            store.delete(snapshotKeys(this.keyRange, record.documentId, clientKeyOf(record)));
            return store.put(record, key);
          });
        await old.run('readwrite', (store) => {
          store.delete(snapshotKeys(this.keyRange, record.documentId, clientKeyOf(record)));
          return store.delete(key);
        });
      }
    } finally {
      await old.close();
    }
  }
}

/**
 * The records among stored rows: those stored whole (by an older version) as they are, the others with the snapshot
 * stored apart that they name (`snapshotVersion`); a record whose snapshot is missing is left out.
 */
function assemble(rows: readonly unknown[]): { record: PersistedDoc; snapshotVersion?: number }[] {
  const snapshots = new Map<string, ZoneDocument>();
  for (const row of rows) {
    if (isStoredSnapshot(row))
      snapshots.set(JSON.stringify([row.documentId, row.clientKey, row.version]), row.snapshot);
  }
  const records: { record: PersistedDoc; snapshotVersion?: number }[] = [];
  for (const row of rows) {
    if (isStoredSnapshot(row) || typeof row !== 'object' || row === null) continue;
    const { snapshotVersion, ...rest } = row as { snapshotVersion?: unknown } & Record<string, unknown>;
    if (snapshotVersion === undefined) {
      if (isPersistedDoc(rest)) records.push({ record: rest });
      continue;
    }
    const key = typeof rest.clientKey === 'string' ? rest.clientKey : '';
    const record = {
      ...rest,
      snapshot: snapshots.get(JSON.stringify([rest.documentId, key, snapshotVersion])),
    };
    if (record.snapshot !== undefined && isPersistedDoc(record))
      records.push({ record, snapshotVersion: snapshotVersion as number });
  }
  return records;
}

/** A snapshot stored apart from its record (`save`), under `snapshotKey`. */
/** What `IndexedDBDocPersistence` knows of a record's stored snapshot (see its `stored`). */
interface StoredEntry {
  snapshot: WeakRef<ZoneDocument>;
  version: number;
  written: boolean;
}

interface StoredSnapshot {
  kind: 'snapshot';
  documentId: string;
  clientKey: string;
  version: number;
  snapshot: ZoneDocument;
}

const isStoredSnapshot = (row: unknown): row is StoredSnapshot =>
  typeof row === 'object' &&
  row !== null &&
  (row as StoredSnapshot).kind === 'snapshot' &&
  typeof (row as StoredSnapshot).clientKey === 'string' &&
  Number.isSafeInteger((row as StoredSnapshot).version) &&
  typeof (row as StoredSnapshot).snapshot === 'object' &&
  (row as StoredSnapshot).snapshot !== null;

const snapshotKey = (documentId: string, clientKey: string, version: number): IDBValidKey => [
  documentId,
  clientKey,
  'snapshot',
  version,
];

/** The keys of the snapshots stored apart for one client's record. */
const snapshotKeys = (range: typeof IDBKeyRange, documentId: string, clientKey: string): IDBKeyRange =>
  range.bound([documentId, clientKey, 'snapshot'], [documentId, clientKey, 'snapshot', []]);

const cacheKey = (documentId: string, clientKey: string): string => JSON.stringify([documentId, clientKey]);

/** A record's key: its document's id for the client key `''` (where an older version kept the one record). */
const keyOf = (documentId: string, clientKey: string): IDBValidKey =>
  clientKey === '' ? documentId : [documentId, clientKey];
