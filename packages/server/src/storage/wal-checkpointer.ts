import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a SQLite file's write-ahead log from a worker thread.
 *
 * SQLite checkpoints the WAL itself, by default in whichever connection commits once the log passes 1,000
 * pages: that commit copies the log into the database file and fsyncs both (synchronous = NORMAL syncs only
 * at checkpoints), a stall of several milliseconds every few hundred commits, taken by the event loop that
 * serves every socket. With a checkpointer the stores' connections only checkpoint as a fallback, past
 * `FALLBACK_PAGES` (if the worker fell behind or died), and the worker does it every `intervalMs` on its own
 * connection, so the fsyncs never block the server.
 *
 * One worker per file, shared by the stores that open it (the log and document stores use the same file);
 * `acquire` returns the release function, and the worker stops (after a last checkpoint) with the last release.
 */

/** The stores' own automatic checkpoint threshold while a worker checkpoints (pages; ~64 MB of 4 KiB pages). */
export const FALLBACK_PAGES = 16_384;
const DEFAULT_INTERVAL_MS = 200;

type Shared = { worker: Worker; refs: number; exited: Promise<void> };
const byPath = new Map<string, Shared>();

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints. Default 200 ms. */
  intervalMs?: number;
  busyTimeoutMs?: number;
  /** Told about a failed checkpoint (the file stays consistent; the stores' fallback still applies). */
  onError?: (message: string) => void;
}

/** Starts (or joins) the checkpointer of the SQLite file at `path`; returns the function that releases it. */
export function acquireWalCheckpointer(
  path: string,
  options: WalCheckpointerOptions = {},
): () => Promise<void> {
  const key = resolve(path);
  let shared = byPath.get(key);
  if (!shared) {
    const worker = new Worker(workerUrl(), {
      workerData: {
        path: key,
        intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // never what keeps a process alive
    worker.on('message', (m: { type?: string; message?: string }) => {
      if (m?.type === 'error') options.onError?.(m.message ?? 'checkpoint failed');
    });
    worker.on('error', (err) => options.onError?.(err.message));
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    shared = { worker, refs: 0, exited };
    byPath.set(key, shared);
    void exited.then(() => {
      if (byPath.get(key) === shared) byPath.delete(key);
    });
  }
  const mine = shared;
  mine.refs++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--mine.refs > 0) return;
    if (byPath.get(key) === mine) byPath.delete(key);
    mine.worker.postMessage('stop');
    const timeout = setTimeout(() => void mine.worker.terminate(), 2_000);
    await mine.exited;
    clearTimeout(timeout);
  };
}

/** How many checkpointer workers are running (one per file in use): for tests and metrics. */
export function runningCheckpointers(): number {
  return byPath.size;
}

/** The compiled worker script, beside this module (dist) or, when this runs from source, in dist. */
function workerUrl(): URL {
  const beside = new URL('./wal-checkpoint-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/storage/wal-checkpoint-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `the WAL checkpoint worker script is missing (${fileURLToPath(beside)}); build the package first`,
  );
}
