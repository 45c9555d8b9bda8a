import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The worker thread of `WalCheckpointer`: its own connection to the database file, checkpointing the WAL
 * (PASSIVE: never waits for, nor blocks, the writers) every `intervalMs`. The copy into the database file and
 * its fsync happen here, off the thread that serves the sockets.
 */
const { path, intervalMs, busyTimeoutMs } = workerData as {
  path: string;
  intervalMs: number;
  busyTimeoutMs: number;
};
const db = new Database(path, { timeout: busyTimeoutMs });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
parentPort?.postMessage({ type: 'ready' });
