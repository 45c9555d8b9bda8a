import { KeyedQueue } from '../storage/postgres-keyed-queue.js';
import { PostgresPool, type PostgresPoolOptions } from '../storage/postgres-pool.js';
import type { DeletedDocument, DocStore, DocUser, DocumentInfo, OpRecord, Snapshot } from './doc-store.js';
import {
  checkAtOrBelow,
  checkDelete,
  checkDocUser,
  checkDocumentId,
  checkEnsure,
  checkOpsRange,
  checkUserIds,
  DeletedDocumentError,
  DuplicateOpError,
  decodeDocData,
  deletedDocument,
  docUser,
  encodeOp,
  encodeSnapshot,
  snapshotAheadError,
  unknownDocumentError,
} from './memory-doc-store.js';

export type PostgresDocStoreOptions =
  /** Opens (and on `close()` ends) a pool of its own. */
  | (PostgresPoolOptions & { pool?: undefined })
  /** A pool shared with other stores; `close()` leaves it open for its owner to end. */
  | { pool: PostgresPool };

interface DocumentRow {
  version: number;
  owner_id: string | null;
  created_at: number;
}

interface OpRow {
  version: number;
  op: string;
  user_id: string;
  op_id: string;
  ts: number;
}

const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * `pg_advisory_xact_lock(DOCUMENT_LOCK_CLASS, hashtext(id))`: taken by `delete` and by `ensure` when it creates, so the
 * two never interleave. A delete of an id with no row yet locks no row: an ensure whose statement began before the
 * tombstone was committed could still insert the document, live beside its tombstone.
 */
const DOCUMENT_LOCK_CLASS = 0x53594f; // "SYO"
const LOCK_DOCUMENT = `SELECT pg_advisory_xact_lock(${DOCUMENT_LOCK_CLASS}, hashtext($1))`;

/**
 * The `DocStore` on PostgreSQL, for several nodes sequencing the same documents.
 *
 * `appendOp` is one call of `syncline_doc_append_op`, which locks the document's row, checks that the op's version
 * is the document's version + 1, inserts the op and moves the version, in one transaction. Of two nodes committing
 * the same version, the second waits for the first's lock, then sees the version taken and gets `false`: it
 * transforms its op over the winner and retries. Within this process, appends to a document are queued so they
 * apply in call order (several `appendOp`s for consecutive versions started together all commit).
 */
export class PostgresDocStore implements DocStore {
  private readonly db: PostgresPool;
  private readonly ownsPool: boolean;
  private readonly appends = new KeyedQueue();
  private closed = false;

  constructor(options: PostgresDocStoreOptions) {
    if (options.pool) {
      this.db = options.pool;
      this.ownsPool = false;
    } else {
      this.db = new PostgresPool(options);
      this.ownsPool = true;
    }
  }

  async ensure(documentId: string, ownerId: string, now: number): Promise<DocumentInfo> {
    this.checkOpen();
    checkEnsure(documentId, ownerId, now);
    // Opening an existing document (the common case) is one read; a new one is created once even if several
    // nodes ensure it together (ON CONFLICT DO NOTHING waits for the other insert, then the read finds its row),
    // under the document's lock, which a delete takes too (its tombstone is then seen, or its delete sees the row).
    const existing = await this.db.query<DocumentRow>(
      'SELECT version, owner_id, created_at FROM syncline_doc_documents WHERE document_id = $1',
      [documentId],
    );
    if (existing.rows.length > 0) return toInfo(documentId, existing.rows[0]);
    for (let attempt = 0; ; attempt++) {
      const rows = await this.db.transaction(async (client) => {
        await client.query(LOCK_DOCUMENT, [documentId]);
        return (
          await client.query<DocumentRow>(
            `WITH created AS (
           INSERT INTO syncline_doc_documents (document_id, version, owner_id, created_at)
           SELECT $1::text, 0, $2::text, $3::float8
           WHERE NOT EXISTS (SELECT 1 FROM syncline_doc_documents WHERE document_id = $1)
             AND NOT EXISTS (SELECT 1 FROM syncline_doc_deleted WHERE document_id = $1)
           ON CONFLICT (document_id) DO NOTHING
           RETURNING version, owner_id, created_at
         )
         SELECT version, owner_id, created_at FROM created
         UNION ALL
         SELECT version, owner_id, created_at FROM syncline_doc_documents WHERE document_id = $1`,
            [documentId, ownerId, now],
          )
        ).rows;
      });
      // The statement's snapshot may predate a concurrent creator's commit: then neither branch has a row, and
      // the next attempt (a new snapshot) reads it.
      if (rows.length > 0) return toInfo(documentId, rows[0]);
      if (await this.isDeleted(documentId)) throw new DeletedDocumentError(documentId);
      if (attempt >= 2) throw new Error(`could not create or read document ${JSON.stringify(documentId)}`);
    }
  }

  async info(documentId: string): Promise<DocumentInfo | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const { rows } = await this.db.query<DocumentRow>(
      'SELECT version, owner_id, created_at FROM syncline_doc_documents WHERE document_id = $1',
      [documentId],
    );
    return rows[0] && toInfo(documentId, rows[0]);
  }

  async snapshot(documentId: string, atOrBelow?: number): Promise<Snapshot | undefined> {
    this.checkOpen();
    const bound = clampVersion(checkAtOrBelow(documentId, atOrBelow));
    const { rows } = await this.db.query<{ version: number; data: string; ts: number }>(
      `SELECT version, data, ts FROM syncline_doc_snapshots
       WHERE document_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 1`,
      [documentId, bound],
    );
    const row = rows[0];
    if (!row) return undefined;
    const data = decodeDocData(row.data, `snapshot ${row.version} of document ${JSON.stringify(documentId)}`);
    return { documentId, version: row.version, data, ts: row.ts };
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    const s = encodeSnapshot(snapshot);
    // The document's row is read `FOR SHARE`: a `delete` (which takes it `FOR UPDATE`) waits for this insert, or this
    // insert waits for the delete and then finds no row. Without the lock a snapshot save racing a delete could
    // insert its row after the delete removed the snapshots, bringing back the deleted document's content. (A
    // document's version only grows, so a snapshot at or below the version read stays valid.)
    const { rows } = await this.db.query<{ current: number | null }>(
      `WITH doc AS (SELECT version FROM syncline_doc_documents WHERE document_id = $1 FOR SHARE),
       saved AS (
         INSERT INTO syncline_doc_snapshots (document_id, version, data, ts)
         SELECT $1::text, $2::bigint, $3::text, $4::float8 FROM doc WHERE doc.version >= $2::bigint
         ON CONFLICT (document_id, version) DO UPDATE SET data = excluded.data, ts = excluded.ts
         RETURNING 1
       )
       SELECT (SELECT version FROM doc) AS current, (SELECT count(*) FROM saved) AS saved`,
      [s.documentId, s.version, s.json, s.ts],
    );
    const current = rows[0]?.current ?? null;
    if (current === null) throw unknownDocumentError(s.documentId);
    if (s.version > current) throw snapshotAheadError(s, current);
  }

  async appendOp(record: OpRecord): Promise<boolean> {
    this.checkOpen();
    const op = encodeOp(record);
    const outcome = await this.appends.run(op.documentId, async () => {
      this.checkOpen();
      const { rows } = await this.db.query<{ outcome: string }>(
        'SELECT syncline_doc_append_op($1, $2, $3, $4, $5, $6) AS outcome',
        [op.documentId, op.version, op.json, op.userId, op.opId, op.ts],
      );
      return rows[0].outcome;
    });
    switch (outcome) {
      case 'committed':
        return true;
      case 'conflict':
        return false;
      case 'duplicate':
        throw new DuplicateOpError(op.documentId, op.userId, op.opId);
      case 'unknown':
        throw unknownDocumentError(op.documentId);
      default:
        throw new Error(`unexpected result of syncline_doc_append_op: ${outcome}`);
    }
  }

  async ops(documentId: string, from: number, to?: number): Promise<OpRecord[]> {
    this.checkOpen();
    const range = checkOpsRange(documentId, from, to);
    const { rows } = await this.db.query<OpRow>(
      `SELECT version, op, user_id, op_id, ts FROM syncline_doc_ops
       WHERE document_id = $1 AND version > $2 AND version <= $3 ORDER BY version`,
      [documentId, clampVersion(range.from), clampVersion(range.to)],
    );
    return rows.map((row) => toOpRecord(documentId, row));
  }

  async findOp(documentId: string, userId: string, opId: string): Promise<OpRecord | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    if (typeof userId !== 'string') throw new TypeError('userId must be a string');
    if (typeof opId !== 'string') throw new TypeError('opId must be a string');
    const { rows } = await this.db.query<OpRow>(
      `SELECT version, op, user_id, op_id, ts FROM syncline_doc_ops
       WHERE document_id = $1 AND user_id = $2 AND op_id = $3`,
      [documentId, userId, opId],
    );
    return rows[0] && toOpRecord(documentId, rows[0]);
  }

  async saveUser(documentId: string, user: DocUser): Promise<void> {
    this.checkOpen();
    const u = checkDocUser(documentId, user);
    // Only for a document that exists (no row: the document is unknown), its row read `FOR SHARE` so that a racing
    // `delete` (`FOR UPDATE`) cannot remove the users first and have this one inserted after it (see `saveSnapshot`).
    const { rowCount } = await this.db.query(
      `INSERT INTO syncline_doc_users (document_id, user_id, name, avatar, seen_at)
       SELECT d.document_id, $2, $3, $4, $5 FROM syncline_doc_documents d WHERE d.document_id = $1 FOR SHARE
       ON CONFLICT (document_id, user_id) DO UPDATE
         SET name = excluded.name, avatar = excluded.avatar, seen_at = excluded.seen_at`,
      [documentId, u.userId, u.name ?? null, u.avatar ?? null, u.seenAt],
    );
    if (rowCount === 0) throw unknownDocumentError(documentId);
  }

  async users(documentId: string, userIds: readonly string[]): Promise<DocUser[]> {
    this.checkOpen();
    const ids = checkUserIds(documentId, userIds);
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{
      user_id: string;
      name: string | null;
      avatar: string | null;
      seen_at: number;
    }>(
      `SELECT user_id, name, avatar, seen_at FROM syncline_doc_users
       WHERE document_id = $1 AND user_id = ANY($2::text[])`,
      [documentId, ids],
    );
    return rows.map((r) => docUser(r.user_id, r.name, r.avatar, r.seen_at));
  }

  async delete(documentId: string, now: number): Promise<boolean> {
    this.checkOpen();
    checkDelete(documentId, now);
    // Queued behind this process's appends to the document, and under its row's lock (an append on another node
    // waits, then finds no document): no op lands after the delete.
    return this.appends.run(documentId, () =>
      this.db.transaction(async (client) => {
        await client.query(LOCK_DOCUMENT, [documentId]);
        const { rows } = await client.query<{ owner_id: string | null }>(
          'SELECT owner_id FROM syncline_doc_documents WHERE document_id = $1 FOR UPDATE',
          [documentId],
        );
        // The tombstone remembers the owner, so a deletion that failed later on can be finished by them (`deleted`).
        await client.query(
          `INSERT INTO syncline_doc_deleted (document_id, deleted_at, owner_id) VALUES ($1, $2, $3)
           ON CONFLICT (document_id) DO NOTHING`,
          [documentId, now, rows[0]?.owner_id ?? null],
        );
        await client.query('DELETE FROM syncline_doc_ops WHERE document_id = $1', [documentId]);
        await client.query('DELETE FROM syncline_doc_snapshots WHERE document_id = $1', [documentId]);
        await client.query('DELETE FROM syncline_doc_users WHERE document_id = $1', [documentId]);
        await client.query('DELETE FROM syncline_doc_documents WHERE document_id = $1', [documentId]);
        return rows.length > 0;
      }),
    );
  }

  async deleted(documentId: string): Promise<DeletedDocument | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const { rows } = await this.db.query<{ deleted_at: number; owner_id: string | null }>(
      'SELECT deleted_at, owner_id FROM syncline_doc_deleted WHERE document_id = $1',
      [documentId],
    );
    const row = rows[0];
    return row && deletedDocument(documentId, row.deleted_at, row.owner_id);
  }

  private async isDeleted(documentId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM syncline_doc_deleted WHERE document_id = $1', [
      documentId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** Idempotent. Ends the pool if the store opened it, not a shared `{ pool }`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('PostgresDocStore is closed');
  }
}

/** Versions are integers: `version > x` is `version > floor(x)`, `version <= x` is `version <= floor(x)`. */
function clampVersion(bound: number): number {
  return Math.max(-1, Math.min(Math.floor(bound), MAX_VERSION));
}

function toInfo(documentId: string, row: DocumentRow): DocumentInfo {
  const info: DocumentInfo = { documentId, version: row.version, createdAt: row.created_at };
  if (row.owner_id !== null) info.ownerId = row.owner_id;
  return info;
}

function toOpRecord(documentId: string, row: OpRow): OpRecord {
  const op = decodeDocData(row.op, `op ${row.version} of document ${JSON.stringify(documentId)}`);
  return { documentId, version: row.version, op, userId: row.user_id, opId: row.op_id, ts: row.ts };
}
