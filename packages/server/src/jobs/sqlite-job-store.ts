import { JOB_STATES } from '@syncline/protocol';
import type Database from 'better-sqlite3';
import { type SqliteFileOptions, type SqliteSharedOptions, storeConnection } from '../storage/sqlite-open.js';
import { type Job, type JobPatch, type JobState, type NewJob, newJobRecord } from './job.js';
import {
  DOC_COLUMNS,
  type DocumentRow,
  encodeJobValue,
  JOB_COLUMNS,
  type JobRow,
  toDocument,
  toJob,
} from './job-rows.js';
import { type ClaimOptions, clampLimit, type JobQuery, type JobStore } from './job-store.js';
import type { UploadedDocument, UploadedDocumentPatch } from './uploaded-document.js';

/**
 * Its own file, or a connection shared with the other stores (`{ db }`): on one with a group commit (the server's),
 * a job write made while the turn's transaction is open is committed with it, others commit by themselves.
 */
export type SqliteJobStoreOptions = SqliteFileOptions | SqliteSharedOptions;

/**
 * Schema migrations: `SQLITE_JOB_MIGRATIONS[i]` takes the job tables from version i to i + 1. Append, never
 * edit.
 * The tables are prefixed `job_` and versioned in their own `job_schema` row, as the doc tables are, so
 * the store can share the file of the log and doc stores. Job rows are small; PDF bytes are not here
 * (see `FileStore`).
 */
export const SQLITE_JOB_MIGRATIONS: readonly string[] = [
  `CREATE TABLE job_jobs (
     seq          INTEGER PRIMARY KEY AUTOINCREMENT,
     id           TEXT    NOT NULL UNIQUE,
     kind         TEXT    NOT NULL,
     state        TEXT    NOT NULL,
     owner_id     TEXT    NOT NULL,
     document_id  TEXT    NOT NULL,
     params       TEXT    NOT NULL,
     progress     REAL    NOT NULL,
     stage        TEXT,
     page         INTEGER,
     pages        INTEGER,
     created_at   INTEGER NOT NULL,
     updated_at   INTEGER NOT NULL,
     started_at   INTEGER,
     finished_at  INTEGER,
     attempts     INTEGER NOT NULL,
     run_after    INTEGER NOT NULL,
     heartbeat_at INTEGER,
     error        TEXT,
     result       TEXT    NOT NULL
   );
   CREATE INDEX job_jobs_state ON job_jobs (state, run_after);
   CREATE INDEX job_jobs_document ON job_jobs (document_id, created_at);
   CREATE TABLE job_documents (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     document_id TEXT    NOT NULL UNIQUE,
     name        TEXT    NOT NULL,
     owner_id    TEXT    NOT NULL,
     size        INTEGER NOT NULL,
     created_at  INTEGER NOT NULL,
     updated_at  INTEGER NOT NULL,
     status      TEXT    NOT NULL,
     pages       INTEGER,
     job_id      TEXT
   );
   CREATE INDEX job_documents_owner ON job_documents (owner_id, created_at);`,
  // 2: `run`, the claim counter that fences a runner's writes (`attempts` is reset by a retry). A job claimed
  // before counts its attempts as its claims.
  `ALTER TABLE job_jobs ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
   UPDATE job_jobs SET run = attempts;`,
];

export const SQLITE_JOB_SCHEMA_VERSION = SQLITE_JOB_MIGRATIONS.length;

/**
 * The embedded `JobStore` on better-sqlite3. Each method is one synchronous statement or an immediate
 * transaction, so a claim or a compare-and-set is atomic also against other processes sharing the file.
 */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  /** Lets go of the background WAL checkpointer (if the file has one), after closing. */
  private readonly release: () => Promise<void>;
  private readonly ownsDb: boolean;
  private closed = false;
  private readonly s: ReturnType<typeof prepare>;
  private readonly claimTx: (o: ClaimOptions) => Job | undefined;
  private readonly updateTx: (
    id: string,
    patch: JobPatch,
    ifState?: readonly JobState[],
    ifRun?: number,
  ) => Job | undefined;

  constructor(options: SqliteJobStoreOptions) {
    const conn = storeConnection(options, 'SqliteJobStore', (db) => {
      migrate(db);
      return prepare(db);
    });
    this.db = conn.db;
    this.s = conn.value;
    this.release = conn.release;
    this.ownsDb = conn.ownsDb;
    const s = this.s;
    const claim = this.db.transaction((o: ClaimOptions): Job | undefined => {
      const row = s.claimable.get({
        now: o.now,
        stale: o.staleBefore ?? Number.MIN_SAFE_INTEGER,
        kinds: o.kinds ? JSON.stringify(o.kinds) : null,
      });
      if (!row) return undefined;
      s.markClaimed.run({ id: row.id, now: o.now });
      return toJob(s.selectJob.get(row.id)!);
    });
    this.claimTx = (o) => claim.immediate(o);
    const update = this.db.transaction(
      (id: string, patch: JobPatch, ifState?: readonly JobState[], ifRun?: number) => {
        const row = s.selectJob.get(id);
        if (!row || (ifState && !ifState.includes(row.state as JobState))) return undefined;
        if (ifRun !== undefined && row.run !== ifRun) return undefined;
        const sets: string[] = ['updated_at = @now'];
        const params: Record<string, unknown> = { id, now: patch.now };
        for (const [key, value] of Object.entries(patch)) {
          if (key === 'now' || value === undefined) continue;
          const column = JOB_COLUMNS[key as keyof typeof JOB_COLUMNS];
          if (!column) throw new Error(`updateJob: unknown field ${JSON.stringify(key)}`);
          sets.push(`${column} = @${key}`);
          params[key] = encodeJobValue(key, value);
        }
        this.db.prepare(`UPDATE job_jobs SET ${sets.join(', ')} WHERE id = @id`).run(params);
        return toJob(s.selectJob.get(id)!);
      },
    );
    this.updateTx = (id, patch, ifState, ifRun) => update.immediate(id, patch, ifState, ifRun);
  }

  async createJob(n: NewJob): Promise<Job> {
    this.check();
    const j = newJobRecord(n);
    this.s.insertJob.run({
      ...j,
      params: JSON.stringify(j.params),
      result: JSON.stringify(j.result),
      error: null,
    });
    return j;
  }

  async getJob(id: string): Promise<Job | undefined> {
    this.check();
    const row = this.s.selectJob.get(id);
    return row && toJob(row);
  }

  async updateJob(
    id: string,
    patch: JobPatch,
    ifState?: readonly JobState[],
    ifAttempt?: number,
  ): Promise<Job | undefined> {
    this.check();
    return this.updateTx(id, patch, ifState, ifAttempt);
  }

  async claimNext(o: ClaimOptions): Promise<Job | undefined> {
    this.check();
    return this.claimTx(o);
  }

  async listJobs(q: JobQuery): Promise<Job[]> {
    this.check();
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: clampLimit(q.limit) };
    if (q.documentId !== undefined) {
      where.push('document_id = @documentId');
      params.documentId = q.documentId;
    }
    if (q.ownerId !== undefined) {
      where.push('owner_id = @ownerId');
      params.ownerId = q.ownerId;
    }
    if (q.kind !== undefined) {
      where.push('kind = @kind');
      params.kind = q.kind;
    }
    if (q.states) {
      if (q.states.length === 0) return [];
      where.push(`state IN (${q.states.map((_, i) => `@s${i}`).join(', ')})`);
      q.states.forEach((s, i) => {
        params[`s${i}`] = s;
      });
    }
    const sql = `SELECT * FROM job_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY created_at DESC, seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as JobRow[]).map(toJob);
  }

  async requeueRunning(now: number): Promise<number> {
    this.check();
    return this.s.requeueRunning.run({ now }).changes;
  }

  async countByState(): Promise<Record<JobState, number>> {
    this.check();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of this.s.countByState.all()) counts[r.state as JobState] = r.n;
    return counts;
  }

  async addDocument(d: UploadedDocument): Promise<void> {
    this.check();
    this.s.insertDocument.run({
      document_id: d.documentId,
      name: d.name,
      owner_id: d.ownerId,
      size: d.size,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      status: d.status,
      pages: d.pages,
      job_id: d.jobId,
    });
  }

  async getDocument(documentId: string): Promise<UploadedDocument | undefined> {
    this.check();
    const row = this.s.selectDocument.get(documentId);
    return row && toDocument(row);
  }

  async updateDocument(
    documentId: string,
    patch: UploadedDocumentPatch,
  ): Promise<UploadedDocument | undefined> {
    this.check();
    const sets: string[] = ['updated_at = @now'];
    const params: Record<string, unknown> = { documentId, now: patch.now };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'now' || value === undefined) continue;
      const column = DOC_COLUMNS[key as keyof typeof DOC_COLUMNS];
      if (!column) throw new Error(`updateDocument: unknown field ${JSON.stringify(key)}`);
      sets.push(`${column} = @${key}`);
      params[key] = value;
    }
    this.db
      .prepare(`UPDATE job_documents SET ${sets.join(', ')} WHERE document_id = @documentId`)
      .run(params);
    return this.getDocument(documentId);
  }

  async touchDocument(documentId: string, at: number): Promise<void> {
    this.check();
    this.s.touchDocument.run({ documentId, at });
  }

  async deleteJobs(documentId: string): Promise<number> {
    this.check();
    return this.s.deleteJobs.run(documentId).changes;
  }

  async deleteDocument(documentId: string): Promise<boolean> {
    this.check();
    return this.s.deleteDocument.run(documentId).changes > 0;
  }

  async listDocuments(q: { ownerId?: string; limit?: number } = {}): Promise<UploadedDocument[]> {
    this.check();
    const limit = clampLimit(q.limit);
    const rows =
      q.ownerId === undefined
        ? this.s.listDocuments.all(limit)
        : this.s.listOwnerDocuments.all(q.ownerId, limit);
    return rows.map(toDocument);
  }

  /** Idempotent. Closes the connection only if the store opened it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ownsDb && this.db.open) this.db.close();
    await this.release();
  }

  private check(): void {
    if (this.closed || !this.db.open) throw new Error('SqliteJobStore is closed');
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS job_schema (
               id      INTEGER PRIMARY KEY CHECK (id = 1),
               version INTEGER NOT NULL
             )`);
    const version =
      (db.prepare('SELECT version FROM job_schema WHERE id = 1').pluck().get() as number | undefined) ?? 0;
    if (version > SQLITE_JOB_MIGRATIONS.length) {
      throw new Error(
        `job database schema version ${version} is newer than this server supports (${SQLITE_JOB_MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < SQLITE_JOB_MIGRATIONS.length; v++) db.exec(SQLITE_JOB_MIGRATIONS[v]);
    if (version !== SQLITE_JOB_MIGRATIONS.length) {
      db.prepare(
        `INSERT INTO job_schema (id, version) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      ).run(SQLITE_JOB_MIGRATIONS.length);
    }
  }).immediate();
}

function prepare(db: Database.Database) {
  return {
    insertJob: db.prepare(
      `INSERT INTO job_jobs (id, kind, state, owner_id, document_id, params, progress, stage, page, pages,
         created_at, updated_at, started_at, finished_at, attempts, run, run_after, heartbeat_at, error, result)
       VALUES (@id, @kind, @state, @ownerId, @documentId, @params, @progress, @stage, @page, @pages,
         @createdAt, @updatedAt, @startedAt, @finishedAt, @attempts, @run, @runAfter, @heartbeatAt, @error, @result)`,
    ),
    selectJob: db.prepare<[string], JobRow>('SELECT * FROM job_jobs WHERE id = ?'),
    // The kinds in the query (a JSON list, or NULL for any): filtered after a LIMIT, 100 older jobs of other kinds
    // hid a claimable one.
    claimable: db.prepare<
      [{ now: number; stale: number; kinds: string | null }],
      { id: string; kind: string }
    >(
      `SELECT id, kind FROM job_jobs
       WHERE ((state = 'queued' AND run_after <= @now)
          OR (state = 'running' AND COALESCE(heartbeat_at, 0) < @stale))
         AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
       ORDER BY created_at, seq LIMIT 1`,
    ),
    markClaimed: db.prepare<[{ id: string; now: number }]>(
      `UPDATE job_jobs SET state = 'running', attempts = attempts + 1, run = run + 1, started_at = COALESCE(started_at, @now),
         heartbeat_at = @now, updated_at = @now WHERE id = @id`,
    ),
    requeueRunning: db.prepare<[{ now: number }]>(
      `UPDATE job_jobs SET state = 'queued', heartbeat_at = NULL, run_after = @now, updated_at = @now
       WHERE state = 'running'`,
    ),
    countByState: db.prepare<[], { state: string; n: number }>(
      'SELECT state, COUNT(*) AS n FROM job_jobs GROUP BY state',
    ),
    insertDocument: db.prepare(
      `INSERT INTO job_documents (document_id, name, owner_id, size, created_at, updated_at, status, pages, job_id)
       VALUES (@document_id, @name, @owner_id, @size, @created_at, @updated_at, @status, @pages, @job_id)`,
    ),
    touchDocument: db.prepare<[{ documentId: string; at: number }]>(
      'UPDATE job_documents SET updated_at = MAX(updated_at, @at) WHERE document_id = @documentId',
    ),
    deleteDocument: db.prepare<[string]>('DELETE FROM job_documents WHERE document_id = ?'),
    deleteJobs: db.prepare<[string]>('DELETE FROM job_jobs WHERE document_id = ?'),
    selectDocument: db.prepare<[string], DocumentRow>('SELECT * FROM job_documents WHERE document_id = ?'),
    listDocuments: db.prepare<[number], DocumentRow>(
      'SELECT * FROM job_documents ORDER BY created_at DESC, seq DESC LIMIT ?',
    ),
    listOwnerDocuments: db.prepare<[string, number], DocumentRow>(
      'SELECT * FROM job_documents WHERE owner_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?',
    ),
  };
}
