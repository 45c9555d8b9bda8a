import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDocStore } from '../docs/sqlite-doc-store.js';
import { SqliteLogStore } from '../storage/sqlite-log-store.js';
import { describeJobStoreContract } from './job-store.contract.js';
import { SQLITE_JOB_MIGRATIONS, SQLITE_JOB_SCHEMA_VERSION, SqliteJobStore } from './sqlite-job-store.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-job-'));
  tempDirs.push(dir);
  return dir;
}
const removeTempDirs = () => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};

describeJobStoreContract(
  'SqliteJobStore (file)',
  () => new SqliteJobStore({ path: join(tempDir(), 'jobs.db') }),
  removeTempDirs,
);
describeJobStoreContract('SqliteJobStore (:memory:)', () => new SqliteJobStore({ path: ':memory:' }));

describe('SqliteJobStore', () => {
  afterEach(removeTempDirs);

  it('shares the file with the log and doc stores and keeps jobs across reopen', async () => {
    const path = join(tempDir(), 'syncline.db');
    const log = new SqliteLogStore({ path });
    const docs = new SqliteDocStore({ path });
    const jobs = new SqliteJobStore({ path });
    await log.append('doc:a', [{ type: 't', data: 1, ts: 1 }]);
    await docs.ensure('a', 'alice', 1);
    await jobs.createJob({ id: 'j1', kind: 'processing', ownerId: 'alice', documentId: 'a', now: 5 });
    await jobs.claimNext({ now: 6 });
    await jobs.updateJob('j1', { now: 7, page: 2, pages: 9 });
    await Promise.all([log.close(), docs.close(), jobs.close()]);

    const again = new SqliteJobStore({ path });
    expect(await again.getJob('j1')).toMatchObject({ state: 'running', page: 2, pages: 9, attempts: 1 });
    expect(await again.requeueRunning(8)).toBe(1);
    await again.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM job_schema').pluck().get()).toBe(SQLITE_JOB_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('opens a file of job schema 1 and counts the claims of its jobs from their attempts', async () => {
    const path = join(tempDir(), 'jobs.db');
    const v1 = new Database(path);
    v1.exec(SQLITE_JOB_MIGRATIONS[0]);
    v1.exec('CREATE TABLE job_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    v1.exec('INSERT INTO job_schema (id, version) VALUES (1, 1)');
    v1.exec(`INSERT INTO job_jobs (id, kind, state, owner_id, document_id, params, progress, created_at, updated_at,
               attempts, run_after, heartbeat_at, result)
             VALUES ('j1', 'processing', 'running', 'alice', 'a', 'null', 0.5, 1, 2, 2, 1, 2, 'null')`);
    v1.close();
    const store = new SqliteJobStore({ path });
    expect(await store.getJob('j1')).toMatchObject({ state: 'running', attempts: 2, run: 2 });
    // The run that held it (claim 2) is fenced off once another claims it.
    const next = await store.claimNext({ now: 10_000, staleBefore: 5_000 });
    expect(next).toMatchObject({ attempts: 3, run: 3 });
    expect(await store.updateJob('j1', { now: 10_001, progress: 1 }, ['running'], 2)).toBeUndefined();
    await store.close();
  });

  it('refuses a database written by a newer job schema version', () => {
    const path = join(tempDir(), 'jobs.db');
    const db = new Database(path);
    db.exec('CREATE TABLE job_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    db.prepare('INSERT INTO job_schema (id, version) VALUES (1, ?)').run(SQLITE_JOB_SCHEMA_VERSION + 1);
    db.close();
    expect(() => new SqliteJobStore({ path })).toThrow(/newer/);
  });

  it('does not close a caller-owned database', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteJobStore({ db });
      await store.close();
      expect(db.open).toBe(true);
    } finally {
      db.close();
    }
  });
});
