import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDocStore } from '../docs/sqlite-doc-store.js';
import { SqliteLogStore } from './sqlite-log-store.js';
import { runningCheckpointers } from './wal-checkpointer.js';

const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-wal-'));
  dirs.push(dir);
  return join(dir, 'syncline.db');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Polls until `ok()` (the worker checkpoints every 200 ms, on its own thread), or gives up after `ms`. */
async function eventually(ok: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
/** ~300 pages of WAL (100 appends of 2 KB): well below SQLite's own 1,000-page checkpoint, so only a checkpointer moves them. */
async function write(store: SqliteLogStore) {
  const data = { pad: 'x'.repeat(2000) };
  for (let i = 0; i < 100; i++) await store.append('doc:a', [{ type: 'e', data, ts: i }]);
}
const mainFileSize = (path: string) => statSync(path).size;

describe('background WAL checkpoints', () => {
  it('copy the log into the database file from a worker thread, without waiting for 1,000 pages', async () => {
    const inline = tempDb();
    const a = new SqliteLogStore({ path: inline });
    await write(a);
    // SQLite's own checkpoint happens inside a commit, if at all: nothing moves once the writes are done.
    const inlineSize = mainFileSize(inline);
    await a.close();

    const background = tempDb();
    const b = new SqliteLogStore({ path: background, walCheckpoint: 'background' });
    expect(runningCheckpointers()).toBe(1);
    await write(b);
    const moved = await eventually(() => mainFileSize(background) > 150_000);
    const backgroundSize = mainFileSize(background);
    await b.close();

    expect(inlineSize).toBeLessThan(50_000); // still all in the WAL
    expect(moved).toBe(true);
    expect(backgroundSize).toBeGreaterThan(150_000); // checkpointed into the file
    expect(runningCheckpointers()).toBe(0);
  });

  it('run one worker per file, shared by its stores, stopped with the last of them', async () => {
    const path = tempDb();
    const log = new SqliteLogStore({ path, walCheckpoint: 'background' });
    const docs = new SqliteDocStore({ path, walCheckpoint: 'background' });
    const other = new SqliteLogStore({ path: tempDb(), walCheckpoint: 'background' });
    expect(runningCheckpointers()).toBe(2);
    await log.close();
    expect(runningCheckpointers()).toBe(2);
    await docs.close();
    await docs.close(); // twice is harmless
    expect(runningCheckpointers()).toBe(1);
    await other.close();
    expect(runningCheckpointers()).toBe(0);
  });

  it('are not used for an in-memory database', async () => {
    const store = new SqliteLogStore({ path: ':memory:', walCheckpoint: 'background' });
    expect(runningCheckpointers()).toBe(0);
    await store.close();
  });
});
