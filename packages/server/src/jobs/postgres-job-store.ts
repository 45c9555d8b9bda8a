import { JOB_STATES } from '@syncline/protocol';
import { PostgresPool, type PostgresPoolOptions } from '../storage/postgres-pool.js';
import { type Job, type JobJson, type JobPatch, type JobState, type NewJob, newJobRecord } from './job.js';
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

export type PostgresJobStoreOptions =
  /** Opens (and on `close()` ends) a pool of its own. */
  | (PostgresPoolOptions & { pool?: undefined })
  /** A pool shared with other stores; `close()` leaves it open for its owner to end. */
  | { pool: PostgresPool };

const JOB_FIELDS =
  'id, kind, state, owner_id, document_id, params, progress, stage, page, pages, created_at, updated_at, ' +
  'started_at, finished_at, attempts, run, run_after, heartbeat_at, error, result';
const DOCUMENT_FIELDS = 'document_id, name, owner_id, size, created_at, updated_at, status, pages, job_id';

/**
 * The `JobStore` on PostgreSQL: a queue any node can take work from.
 *
 * `claimNext` is one statement: it picks the oldest claimable job with `FOR UPDATE SKIP LOCKED` and marks it
 * running. Nodes claiming at once skip each other's locked rows instead of queueing behind them, and a job is
 * handed to one caller only (a row claimed and committed meanwhile fails the statement's recheck of its state).
 * `updateJob` with `ifState` is a compare-and-set: `UPDATE … WHERE state = ANY(…)`, which re-reads the row under
 * its lock, so of two racing transitions exactly one applies.
 */
export class PostgresJobStore implements JobStore {
  private readonly db: PostgresPool;
  private readonly ownsPool: boolean;
  private closed = false;

  constructor(options: PostgresJobStoreOptions) {
    if (options.pool) {
      this.db = options.pool;
      this.ownsPool = false;
    } else {
      this.db = new PostgresPool(options);
      this.ownsPool = true;
    }
  }

  async createJob(n: NewJob): Promise<Job> {
    this.check();
    const j = newJobRecord(n);
    await this.db.query(
      `INSERT INTO syncline_jobs (${JOB_FIELDS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        j.id,
        j.kind,
        j.state,
        j.ownerId,
        j.documentId,
        JSON.stringify(j.params),
        j.progress,
        j.stage,
        j.page,
        j.pages,
        j.createdAt,
        j.updatedAt,
        j.startedAt,
        j.finishedAt,
        j.attempts,
        j.run,
        j.runAfter,
        j.heartbeatAt,
        null,
        JSON.stringify(j.result),
      ],
    );
    // A copy: the caller's params object is not the stored one.
    return { ...j, params: JSON.parse(JSON.stringify(j.params)) as JobJson };
  }

  async getJob(id: string): Promise<Job | undefined> {
    this.check();
    const { rows } = await this.db.query<JobRow>(`SELECT ${JOB_FIELDS} FROM syncline_jobs WHERE id = $1`, [
      id,
    ]);
    return rows[0] && toJob(rows[0]);
  }

  async updateJob(
    id: string,
    patch: JobPatch,
    ifState?: readonly JobState[],
    ifRun?: number,
  ): Promise<Job | undefined> {
    this.check();
    const values: unknown[] = [id, ifState ?? null, patch.now, ifRun ?? null];
    const sets = ['updated_at = $3'];
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'now' || value === undefined) continue;
      const column = JOB_COLUMNS[key as keyof typeof JOB_COLUMNS];
      if (!column) throw new Error(`updateJob: unknown field ${JSON.stringify(key)}`);
      values.push(encodeJobValue(key, value));
      sets.push(`${column} = $${values.length}`);
    }
    const { rows } = await this.db.query<JobRow>(
      `UPDATE syncline_jobs SET ${sets.join(', ')}
       WHERE id = $1 AND ($2::text[] IS NULL OR state = ANY($2::text[]))
         AND ($4::int IS NULL OR run = $4::int)
       RETURNING ${JOB_FIELDS}`,
      values,
    );
    return rows[0] && toJob(rows[0]);
  }

  async claimNext(o: ClaimOptions): Promise<Job | undefined> {
    this.check();
    const { rows } = await this.db.query<JobRow>(
      `WITH next AS (
         SELECT id FROM syncline_jobs
         WHERE ((state = 'queued' AND run_after <= $1)
                OR ($2::float8 IS NOT NULL AND state = 'running' AND COALESCE(heartbeat_at, 0) < $2::float8))
           AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
         ORDER BY created_at, seq
         LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE syncline_jobs j
       SET state = 'running', attempts = j.attempts + 1, run = j.run + 1, started_at = COALESCE(j.started_at, $1),
           heartbeat_at = $1, updated_at = $1
       FROM next WHERE j.id = next.id
       RETURNING ${JOB_FIELDS.split(', ')
         .map((f) => `j.${f}`)
         .join(', ')}`,
      [o.now, o.staleBefore ?? null, o.kinds ?? null],
    );
    return rows[0] && toJob(rows[0]);
  }

  async listJobs(q: JobQuery): Promise<Job[]> {
    this.check();
    if (q.states && q.states.length === 0) return [];
    const { rows } = await this.db.query<JobRow>(
      `SELECT ${JOB_FIELDS} FROM syncline_jobs
       WHERE ($1::text IS NULL OR document_id = $1)
         AND ($2::text IS NULL OR owner_id = $2)
         AND ($3::text IS NULL OR kind = $3)
         AND ($4::text[] IS NULL OR state = ANY($4::text[]))
       ORDER BY created_at DESC, seq DESC
       LIMIT $5`,
      [q.documentId ?? null, q.ownerId ?? null, q.kind ?? null, q.states ?? null, clampLimit(q.limit)],
    );
    return rows.map(toJob);
  }

  async requeueRunning(now: number): Promise<number> {
    this.check();
    const { rowCount } = await this.db.query(
      `UPDATE syncline_jobs SET state = 'queued', heartbeat_at = NULL, run_after = $1, updated_at = $1
       WHERE state = 'running'`,
      [now],
    );
    return rowCount ?? 0;
  }

  async countByState(): Promise<Record<JobState, number>> {
    this.check();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    const { rows } = await this.db.query<{ state: string; n: number }>(
      'SELECT state, count(*) AS n FROM syncline_jobs GROUP BY state',
    );
    for (const r of rows) counts[r.state as JobState] = r.n;
    return counts;
  }

  async addDocument(d: UploadedDocument): Promise<void> {
    this.check();
    await this.db.query(
      `INSERT INTO syncline_uploaded_documents (${DOCUMENT_FIELDS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [d.documentId, d.name, d.ownerId, d.size, d.createdAt, d.updatedAt, d.status, d.pages, d.jobId],
    );
  }

  async getDocument(documentId: string): Promise<UploadedDocument | undefined> {
    this.check();
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT ${DOCUMENT_FIELDS} FROM syncline_uploaded_documents WHERE document_id = $1`,
      [documentId],
    );
    return rows[0] && toDocument(rows[0]);
  }

  async updateDocument(
    documentId: string,
    patch: UploadedDocumentPatch,
  ): Promise<UploadedDocument | undefined> {
    this.check();
    const values: unknown[] = [documentId, patch.now];
    const sets = ['updated_at = $2'];
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'now' || value === undefined) continue;
      const column = DOC_COLUMNS[key as keyof typeof DOC_COLUMNS];
      if (!column) throw new Error(`updateDocument: unknown field ${JSON.stringify(key)}`);
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    const { rows } = await this.db.query<DocumentRow>(
      `UPDATE syncline_uploaded_documents SET ${sets.join(', ')} WHERE document_id = $1
       RETURNING ${DOCUMENT_FIELDS}`,
      values,
    );
    return rows[0] && toDocument(rows[0]);
  }

  async touchDocument(documentId: string, at: number): Promise<void> {
    this.check();
    await this.db.query(
      'UPDATE syncline_uploaded_documents SET updated_at = GREATEST(updated_at, $2) WHERE document_id = $1',
      [documentId, at],
    );
  }

  async deleteJobs(documentId: string): Promise<number> {
    this.check();
    const { rowCount } = await this.db.query('DELETE FROM syncline_jobs WHERE document_id = $1', [
      documentId,
    ]);
    return rowCount ?? 0;
  }

  async deleteDocument(documentId: string): Promise<boolean> {
    this.check();
    const { rowCount } = await this.db.query(
      'DELETE FROM syncline_uploaded_documents WHERE document_id = $1',
      [documentId],
    );
    return (rowCount ?? 0) > 0;
  }

  async listDocuments(q: { ownerId?: string; limit?: number } = {}): Promise<UploadedDocument[]> {
    this.check();
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT ${DOCUMENT_FIELDS} FROM syncline_uploaded_documents
       WHERE ($1::text IS NULL OR owner_id = $1)
       ORDER BY created_at DESC, seq DESC
       LIMIT $2`,
      [q.ownerId ?? null, clampLimit(q.limit)],
    );
    return rows.map(toDocument);
  }

  /** Idempotent. Ends the pool if the store opened it, not a shared `{ pool }`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.db.close();
  }

  private check(): void {
    if (this.closed) throw new Error('PostgresJobStore is closed');
  }
}
