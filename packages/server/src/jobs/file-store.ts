/**
 * Where uploaded PDFs and finished exports are kept, by key (`document/<id>.pdf`, `export/<id>.jsonl`).
 *
 * Files are not in the job database: a 50 MiB PDF written through better-sqlite3 (synchronous) would stall
 * the event loop that serves every socket, and would bloat the WAL; on disk it is written asynchronously
 * and streamed back. The catalogue (names, owners, sizes, status) stays in the `JobStore`. Several nodes
 * need a shared volume or another `FileStore` (object storage) behind this interface.
 *
 * Implementations: `DiskFileStore` (default, under the data dir), `MemoryFileStore`.
 */
export interface FileStore {
  /** Stores (or replaces) a file. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The file's bytes, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size in bytes, or `undefined` when there is no such file. */
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
}

// The characters of document ids (the room key's, `|` included) and `/` between parts.
const KEY = /^[A-Za-z0-9_.@~|+=:-]+(\/[A-Za-z0-9_.@~|+=:-]+)*$/;

/** Refuses keys that could leave the store's directory (`..`, absolute paths, odd characters). */
export function checkFileKey(key: string): void {
  if (
    typeof key !== 'string' ||
    key.length > 300 ||
    !KEY.test(key) ||
    key.split('/').some((p) => /^\.+$/.test(p))
  ) {
    throw new RangeError(`invalid file key ${JSON.stringify(key)}`);
  }
}
