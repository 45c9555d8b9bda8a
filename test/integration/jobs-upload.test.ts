import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryFileStore, MemoryJobStore, type NewJob } from '@syncline/server';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, tempDir, waitFor } from './helpers.js';
import { makeTextPdf, startJobServer } from './jobs-fixtures.js';

/** The PDFs stored under a SQLite server's data directory. */
const storedPdfs = async (dir: string): Promise<string[]> =>
  readdir(join(dir, 'files/document')).catch(() => []);

describe('uploads that cannot be stored', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('a failed group commit answers the upload 503 unavailable at once, leaves no file, and the server stops', async () => {
    const dir = await tempDir(cleanup);
    const fatal: unknown[] = [];
    const s = await startJobServer(cleanup, {
      storage: { sqlite: join(dir, 'syncline.db') },
      onFatal: (err) => fatal.push(err),
    });
    const pdf = await makeTextPdf(2);
    // From now on a turn that writes a document op fails at its COMMIT (as a full disk would).
    const db = (s.server as unknown as { sqlite: { db: Database.Database } }).sqlite.db;
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TEMP TRIGGER fail_at_commit AFTER INSERT ON doc_ops BEGIN INSERT INTO child VALUES (1); END;`);
    const t0 = performance.now();
    const r = await s.upload('olga', pdf);
    expect(r).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(performance.now() - t0).toBeLessThan(5_000);
    await waitFor(() => fatal.length === 1, 5_000, 'onFatal');
    // The upload's writes were lost: its file is not kept either.
    await waitFor(async () => (await storedPdfs(dir)).length === 0, 5_000, 'the upload’s file is discarded');
  });

  it('an upload whose job cannot be queued leaves neither its file nor a catalogue entry behind', async () => {
    // The job store refuses the job (a database hiccup) after the file and the catalogue entry were written.
    class NoNewJobs extends MemoryJobStore {
      override async createJob(_job: NewJob): Promise<never> {
        throw new Error('database unavailable');
      }
    }
    const store = new NoNewJobs();
    const files = new MemoryFileStore();
    const written: string[] = [];
    const put = files.put.bind(files);
    files.put = (key, bytes) => {
      written.push(key);
      return put(key, bytes);
    };
    const s = await startJobServer(cleanup, { jobs: { store, files } });
    const r = await s.upload('olga', await makeTextPdf(1));
    expect(r).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(written).toHaveLength(1);
    expect(await files.get(written[0])).toBeUndefined();
    expect(await store.listDocuments()).toEqual([]);
    const list = (await (await s.get('olga', '/api/documents')).json()) as { documents: unknown[] };
    expect(list.documents).toEqual([]);
  });
});
