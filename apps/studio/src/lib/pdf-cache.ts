/**
 * The PDFs a user opened, kept in this browser so that a document opened offline (after a reload) still shows its
 * pages. One IndexedDB database per user, like their unsent edits (`doc-persistence.ts`): a second account signed in
 * on the same browser never reads the first one's files. `fetchDocumentFile` (api.ts) reads through it, network
 * first: the server decides who may read a PDF, the cached copy is used only when the server cannot be reached (or
 * answers 5xx: down behind a proxy, or failing).
 *
 * IndexedDB rather than the Cache Storage API: the same store Studio already keeps per user, one transaction for the
 * bytes and the size and last use that bound the cache, and testable with fake-indexeddb.
 *
 * Storage never breaks loading: every failure (no IndexedDB, private mode, quota, a database that will not open)
 * makes an operation a no-op (`get` finds nothing), and the PDF comes from the network as it would without a cache.
 */

/** What is kept of a document's PDF besides its bytes. */
export interface PdfEntry {
  documentId: string;
  /** Bytes. */
  size: number;
  /** When the server last sent it (ms since the epoch). */
  fetchedAt: number;
  /** When it was last opened from the network or the cache: the least recently used go first when over budget. */
  usedAt: number;
}

export interface CachedPdf extends PdfEntry {
  bytes: ArrayBuffer;
}

export interface PdfCacheOptions {
  /** The database's name: one per user. */
  name: string;
  indexedDB: IDBFactory;
  /** Most bytes kept in all; the least recently used PDFs go first (`PDF_CACHE_MAX_BYTES`). */
  maxBytes?: number;
  now?: () => number;
}

/** The default budget: four of the largest uploads the server takes by default (50 MiB each), or many small ones. */
export const PDF_CACHE_MAX_BYTES = 200 * 1024 * 1024;
/** A database that has not opened by then is taken as unavailable (some private modes never answer). */
const OPEN_TIMEOUT_MS = 5000;
const VERSION = 1;
/** `documentId` → `PdfEntry`. */
const ENTRIES = 'entries';
/** `documentId` → the PDF's bytes (an `ArrayBuffer`), apart from the entries so bounding the cache reads no bytes. */
const FILES = 'files';

const done = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });

export class PdfCache {
  readonly maxBytes: number;
  private readonly name: string;
  private readonly indexedDB: IDBFactory;
  private readonly now: () => number;
  private opening: Promise<IDBDatabase> | null = null;

  constructor(options: PdfCacheOptions) {
    this.name = options.name;
    this.indexedDB = options.indexedDB;
    this.maxBytes = options.maxBytes ?? PDF_CACHE_MAX_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** The document's cached PDF (now its most recently used), or undefined: none, or storage failed. */
  async get(documentId: string): Promise<CachedPdf | undefined> {
    try {
      let found: CachedPdf | undefined;
      await this.transaction((entries, files) => {
        const entry = entries.get(documentId) as IDBRequest<PdfEntry | undefined>;
        const bytes = files.get(documentId) as IDBRequest<ArrayBuffer | undefined>;
        bytes.onsuccess = () => {
          if (!entry.result || !(bytes.result instanceof ArrayBuffer)) return;
          const used = { ...entry.result, usedAt: this.now() };
          entries.put(used);
          found = { ...used, bytes: bytes.result };
        };
      });
      return found;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps `bytes` as the document's PDF (its most recently used), dropping the least recently used others while over
   * `maxBytes`; one larger than that is not kept. The bytes are copied at once: the caller may hand them on (pdf.js
   * transfers the buffer it is given to its worker). A PDF does not change once uploaded: one already kept at the same
   * size is only marked used, not written again.
   */
  async put(documentId: string, bytes: ArrayBuffer): Promise<void> {
    const size = bytes.byteLength;
    if (size > this.maxBytes) return this.delete(documentId);
    const copy = bytes.slice(0);
    try {
      await this.transaction((entries, files) => {
        const all = entries.getAll() as IDBRequest<PdfEntry[]>;
        all.onsuccess = () => {
          const now = this.now();
          const before = all.result.find((e) => e.documentId === documentId);
          const others = all.result
            .filter((e) => e.documentId !== documentId)
            .sort((a, b) => a.usedAt - b.usedAt);
          let total = others.reduce((sum, e) => sum + e.size, size);
          for (const old of others) {
            if (total <= this.maxBytes) break;
            entries.delete(old.documentId);
            files.delete(old.documentId);
            total -= old.size;
          }
          entries.put({ documentId, size, fetchedAt: now, usedAt: now } satisfies PdfEntry);
          if (before?.size !== size) files.put(copy, documentId);
        };
      });
    } catch {
      // Not kept (quota, storage unavailable): the PDF was loaded all the same.
    }
  }

  /** Drops the document's PDF (it was deleted, or the server refused it). */
  async delete(documentId: string): Promise<void> {
    try {
      await this.transaction((entries, files) => {
        entries.delete(documentId);
        files.delete(documentId);
      });
    } catch {
      // Storage unavailable: nothing readable is kept either.
    }
  }

  /** What is kept, least recently used first (for tests and diagnostics). */
  async entries(): Promise<PdfEntry[]> {
    try {
      let list: PdfEntry[] = [];
      await this.transaction((entries) => {
        const all = entries.getAll() as IDBRequest<PdfEntry[]>;
        all.onsuccess = () => {
          list = all.result.sort((a, b) => a.usedAt - b.usedAt);
        };
      }, 'readonly');
      return list;
    } catch {
      return [];
    }
  }

  /** Closes the database (it opens again on the next use). */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = null;
    (await opening?.catch(() => undefined))?.close();
  }

  /** Runs `body` in one transaction over both stores; settles when it commits (or fails). */
  private async transaction(
    body: (entries: IDBObjectStore, files: IDBObjectStore) => void,
    mode: IDBTransactionMode = 'readwrite',
  ): Promise<void> {
    const db = await this.db();
    const tx = db.transaction([ENTRIES, FILES], mode);
    const committed = done(tx);
    body(tx.objectStore(ENTRIES), tx.objectStore(FILES));
    await committed;
  }

  /** The open database; a failed open is tried again on the next use. */
  private db(): Promise<IDBDatabase> {
    if (!this.opening) {
      const opening = this.open();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = null;
      });
    }
    return this.opening;
  }

  private open(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('IndexedDB did not open in time')), OPEN_TIMEOUT_MS);
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      };
      let request: IDBOpenDBRequest;
      try {
        request = this.indexedDB.open(this.name, VERSION);
      } catch (error) {
        fail(error); // some private modes throw at once
        return;
      }
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(ENTRIES)) db.createObjectStore(ENTRIES, { keyPath: 'documentId' });
        if (!db.objectStoreNames.contains(FILES)) db.createObjectStore(FILES);
      };
      request.onerror = () => fail(request.error);
      request.onblocked = () => fail(new Error('IndexedDB open blocked'));
      request.onsuccess = () => {
        clearTimeout(timer);
        const db = request.result;
        const opening = this.opening;
        // Out of the way of another tab's upgrade or a deletion of the database; opened again on the next use.
        const forget = () => {
          db.close();
          if (this.opening === opening) this.opening = null;
        };
        db.onversionchange = forget;
        db.onclose = forget;
        resolve(db);
      };
    });
  }
}

/** The browser's IndexedDB, if any (reading it throws in some sandboxed frames). */
function browserIndexedDB(): IDBFactory | undefined {
  try {
    return globalThis.indexedDB;
  } catch {
    return undefined;
  }
}

/** One per user for the page's life. */
const byUser = new Map<string, PdfCache>();

/** The database of a user's cached PDFs (beside their unsent edits' `syncline-studio-<user>`). */
// `:` never occurs in an encoded id, so no user's name here is another's unsent-edits database (`syncline-studio-<id>`).
export const pdfCacheName = (userId: string) => `syncline-studio-pdfs:${encodeURIComponent(userId)}`;

/**
 * The cache of `userId`'s PDFs: the same object for every use in the page; `undefined` without IndexedDB (the PDF
 * then always comes from the network). `indexedDB` (tests) is read when the user's cache is made.
 */
export function pdfCacheFor(userId: string, indexedDB = browserIndexedDB()): PdfCache | undefined {
  let cache = byUser.get(userId);
  if (!cache) {
    if (indexedDB === undefined) return undefined;
    cache = new PdfCache({ name: pdfCacheName(userId), indexedDB });
    byUser.set(userId, cache);
  }
  return cache;
}

/** Drops a deleted document's PDF from `userId`'s cache. */
export function forgetPdf(userId: string, documentId: string): Promise<void> {
  return pdfCacheFor(userId)?.delete(documentId) ?? Promise.resolve();
}
