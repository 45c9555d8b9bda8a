import type Database from 'better-sqlite3';
import type { SqliteGroupCommit } from '../storage/sqlite-group-commit.js';
import { type SqliteFileOptions, type SqliteSharedOptions, storeConnection } from '../storage/sqlite-open.js';
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
  type EncodedOp,
  type EncodedSnapshot,
  encodeOp,
  encodeSnapshot,
  snapshotAheadError,
  unknownDocumentError,
} from './memory-doc-store.js';

export type SqliteDocStoreOptions = SqliteFileOptions | SqliteSharedOptions;

/**
 * Schema migrations: `MIGRATIONS[i]` takes the doc tables from schema version i to i + 1. Append, never edit.
 *
 * The doc store may share its database file with the log store, which owns `PRAGMA user_version`; so every
 * table here is prefixed `doc_` and the doc schema version lives in its own one-row table, `doc_schema`.
 *
 * - A document's version is its highest op's (one index seek in `doc_ops`); `doc_documents.version` is only a
 *   floor (v2: it is no longer bumped per op, one B-tree page less per op to write and commit; the version step
 *   makes an older server, which took it for the version, refuse the file).
 * - `doc_ops` is clustered on (document, version) (WITHOUT ROWID), so loading the ops after a snapshot is one
 *   index range scan; the unique (document, user, op id) index is the backstop against committing an op twice.
 * - `doc_snapshots` is a rowid table: snapshots are large rows, which WITHOUT ROWID tables store poorly.
 * - v3: `doc_users`, who opened each document under which name (`saveUser`), so its history can name them.
 * - v4: `doc_deleted`, the ids of deleted documents (`delete`), which `ensure` refuses to create again.
 * - v5: `doc_deleted.owner_id`, the owner a deleted document had, so they can finish a deletion that failed half-way.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE doc_documents (
     document_id TEXT    PRIMARY KEY,
     version     INTEGER NOT NULL,
     owner_id    TEXT,
     created_at  INTEGER NOT NULL
   );
   CREATE TABLE doc_ops (
     document_id TEXT    NOT NULL,
     version     INTEGER NOT NULL,
     op          TEXT    NOT NULL,
     user_id     TEXT    NOT NULL,
     op_id       TEXT    NOT NULL,
     ts          INTEGER NOT NULL,
     PRIMARY KEY (document_id, version)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX doc_ops_user_op_id ON doc_ops (document_id, user_id, op_id);
   CREATE TABLE doc_snapshots (
     document_id TEXT    NOT NULL,
     version     INTEGER NOT NULL,
     data        TEXT    NOT NULL,
     ts          INTEGER NOT NULL,
     PRIMARY KEY (document_id, version)
   );`,
  `UPDATE doc_documents SET version = max(version, COALESCE((SELECT MAX(version) FROM doc_ops
     WHERE doc_ops.document_id = doc_documents.document_id), 0));`,
  `CREATE TABLE doc_users (
     document_id TEXT    NOT NULL,
     user_id     TEXT    NOT NULL,
     name        TEXT,
     avatar      TEXT,
     seen_at     INTEGER NOT NULL,
     PRIMARY KEY (document_id, user_id)
   ) WITHOUT ROWID;`,
  `CREATE TABLE doc_deleted (
     document_id TEXT    PRIMARY KEY,
     deleted_at  INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  'ALTER TABLE doc_deleted ADD COLUMN owner_id TEXT;',
];

/** The doc schema version this code writes (`doc_schema.version`). */
export const SQLITE_DOC_SCHEMA_VERSION = MIGRATIONS.length;

interface DocumentRow {
  version: number;
  ownerId: string | null;
  createdAt: number;
}

interface OpRow {
  version: number;
  op: string;
  userId: string;
  opId: string;
  ts: number;
}

interface UserRow {
  userId: string;
  name: string | null;
  avatar: string | null;
  seenAt: number;
}

interface SnapshotRow {
  version: number;
  data: string;
  ts: number;
}

/**
 * The embedded durable `DocStore`, on better-sqlite3 (WAL mode when it opens the file itself).
 *
 * better-sqlite3 is synchronous: each method does its work in one synchronous statement or transaction and
 * returns a settled promise, so calls apply in call order (of several `appendOp`s started together for the same
 * version, the first one called wins) and an op is committed before its promise resolves. Writes take the write
 * lock up front (`BEGIN IMMEDIATE`), so several processes sharing the file cannot both pass the version check.
 * On a shared connection with a group commit (the server's), an op is written at once but committed with the rest
 * of the turn's writes, before anything of the turn is sent (see `SqliteGroupCommit`).
 */

export class SqliteDocStore implements DocStore {
  private readonly db: Database.Database;
  /** Lets go of the background WAL checkpointer (if the file has one), after closing. */
  private readonly release: () => Promise<void>;
  /** Whether `close()` closes the connection (false for a caller-owned `{ db }`). */
  private readonly ownsDb: boolean;
  /** The shared connection's group commit: writes join the turn's transaction. */
  private readonly group: SqliteGroupCommit | null;
  private closed = false;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly ensureTx: (documentId: string, ownerId: string, now: number) => DocumentRow;
  private readonly appendTx: (op: EncodedOp) => boolean;
  private readonly saveSnapshotTx: (snapshot: EncodedSnapshot) => void;
  private readonly saveUserTx: (documentId: string, user: DocUser) => void;
  private readonly deleteTx: (documentId: string, now: number) => boolean;

  constructor(options: SqliteDocStoreOptions) {
    const conn = storeConnection(options, 'SqliteDocStore', (db) => {
      migrate(db);
      return prepareStatements(db);
    });
    this.db = conn.db;
    this.stmt = conn.value;
    this.release = conn.release;
    this.ownsDb = conn.ownsDb;
    this.group = conn.group;
    const s = this.stmt;

    const ensure = this.db.transaction((documentId: string, ownerId: string, now: number): DocumentRow => {
      if (s.selectDeleted.get(documentId) !== undefined) throw new DeletedDocumentError(documentId);
      s.insertDocument.run(documentId, ownerId, now);
      return s.selectDocument.get(documentId)!;
    });
    this.ensureTx = (documentId, ownerId, now) => {
      this.group?.join();
      return ensure.immediate(documentId, ownerId, now);
    };

    // One write per op: the version is checked by reading the highest op (under the write lock), and the unique
    // (document, user, op id) index is the duplicate check. Nothing else changes, so the insert needs no savepoint.
    const append = (op: EncodedOp): boolean => {
      const current = s.selectVersion.get(op.documentId);
      if (current === undefined) throw unknownDocumentError(op.documentId);
      if (current !== op.version - 1) return false;
      let changes: number;
      try {
        ({ changes } = s.insertOp.run(op.documentId, op.version, op.json, op.userId, op.opId, op.ts));
      } catch (err) {
        // The (document, version) key conflicts quietly (DO NOTHING): a unique error is the op id index.
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new DuplicateOpError(op.documentId, op.userId, op.opId);
        }
        throw err;
      }
      // Not expected: the version was read under the same lock.
      if (changes === 0) return false;
      return true;
    };
    const appendAlone = this.db.transaction(append);
    this.appendTx = (op) => {
      this.group?.join();
      // In the turn's transaction (the server's shared connection), or a transaction of its own (IMMEDIATE: the
      // write lock up front, so another process cannot pass the same version check in between).
      return this.db.inTransaction ? append(op) : appendAlone.immediate(op);
    };

    const saveSnapshot = this.db.transaction((snapshot: EncodedSnapshot): void => {
      const current = s.selectVersion.get(snapshot.documentId);
      if (current === undefined) throw unknownDocumentError(snapshot.documentId);
      if (snapshot.version > current) throw snapshotAheadError(snapshot, current);
      s.upsertSnapshot.run(snapshot.documentId, snapshot.version, snapshot.json, snapshot.ts);
    });
    this.saveSnapshotTx = (snapshot) => {
      this.group?.join();
      saveSnapshot.immediate(snapshot);
    };

    const saveUser = this.db.transaction((documentId: string, u: DocUser): void => {
      const { changes } = s.upsertUser.run(
        documentId,
        u.userId,
        u.name ?? null,
        u.avatar ?? null,
        u.seenAt,
        documentId,
      );
      if (changes === 0) throw unknownDocumentError(documentId);
    });
    this.saveUserTx = (documentId, user) => {
      this.group?.join();
      saveUser.immediate(documentId, user);
    };

    const remove = this.db.transaction((documentId: string, now: number): boolean => {
      // First, while the row still names the owner (the tombstone keeps it).
      s.insertDeleted.run(documentId, now, documentId);
      s.deleteOps.run(documentId);
      s.deleteSnapshots.run(documentId);
      s.deleteUsers.run(documentId);
      const { changes } = s.deleteDocument.run(documentId);
      return changes > 0;
    });
    this.deleteTx = (documentId, now) => {
      this.group?.join();
      return remove.immediate(documentId, now);
    };
  }

  async ensure(documentId: string, ownerId: string, now: number): Promise<DocumentInfo> {
    this.checkOpen();
    checkEnsure(documentId, ownerId, now);
    // Opening an existing document (the common case) needs no write lock.
    const row = this.stmt.selectDocument.get(documentId) ?? this.ensureTx(documentId, ownerId, now);
    return toInfo(documentId, row);
  }

  async info(documentId: string): Promise<DocumentInfo | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const row = this.stmt.selectDocument.get(documentId);
    return row && toInfo(documentId, row);
  }

  async snapshot(documentId: string, atOrBelow?: number): Promise<Snapshot | undefined> {
    this.checkOpen();
    const bound = checkAtOrBelow(documentId, atOrBelow);
    const row = this.stmt.selectSnapshotAtOrBelow.get(documentId, bound);
    if (!row) return undefined;
    const data = decodeDocData(row.data, `snapshot ${row.version} of document ${JSON.stringify(documentId)}`);
    return { documentId, version: row.version, data, ts: row.ts };
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    this.saveSnapshotTx(encodeSnapshot(snapshot));
  }

  async appendOp(record: OpRecord): Promise<boolean> {
    this.checkOpen();
    return this.appendTx(encodeOp(record));
  }

  async ops(documentId: string, from: number, to?: number): Promise<OpRecord[]> {
    this.checkOpen();
    const range = checkOpsRange(documentId, from, to);
    return this.stmt.selectOps
      .all(documentId, range.from, range.to)
      .map((row) => toOpRecord(documentId, row));
  }

  async findOp(documentId: string, userId: string, opId: string): Promise<OpRecord | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    if (typeof userId !== 'string') throw new TypeError('userId must be a string');
    if (typeof opId !== 'string') throw new TypeError('opId must be a string');
    const row = this.stmt.selectOpByOpId.get(documentId, userId, opId);
    return row && toOpRecord(documentId, row);
  }

  async saveUser(documentId: string, user: DocUser): Promise<void> {
    this.checkOpen();
    this.saveUserTx(documentId, checkDocUser(documentId, user));
  }

  async users(documentId: string, userIds: readonly string[]): Promise<DocUser[]> {
    this.checkOpen();
    const ids = checkUserIds(documentId, userIds);
    if (ids.length === 0) return [];
    return this.stmt.selectUsers
      .all(documentId, JSON.stringify(ids))
      .map((r) => docUser(r.userId, r.name, r.avatar, r.seenAt));
  }

  async delete(documentId: string, now: number): Promise<boolean> {
    this.checkOpen();
    checkDelete(documentId, now);
    return this.deleteTx(documentId, now);
  }

  async deleted(documentId: string): Promise<DeletedDocument | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const row = this.stmt.selectTombstone.get(documentId);
    return row && deletedDocument(documentId, row.deletedAt, row.ownerId);
  }

  /** Idempotent. Closes the connection if the store opened it (`{ path }`), not a caller-owned `{ db }`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ownsDb && this.db.open) this.db.close();
    await this.release();
  }

  private checkOpen(): void {
    if (this.closed || !this.db.open) throw new Error('SqliteDocStore is closed');
  }
}

function toInfo(documentId: string, row: DocumentRow): DocumentInfo {
  const info: DocumentInfo = { documentId, version: row.version, createdAt: row.createdAt };
  if (row.ownerId !== null) info.ownerId = row.ownerId;
  return info;
}

function toOpRecord(documentId: string, row: OpRow): OpRecord {
  const op = decodeDocData(row.op, `op ${row.version} of document ${JSON.stringify(documentId)}`);
  return { documentId, version: row.version, op, userId: row.userId, opId: row.opId, ts: row.ts };
}

/** Brings the doc tables to `SQLITE_DOC_SCHEMA_VERSION`, refusing a database written by a newer version. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS doc_schema (
               id      INTEGER PRIMARY KEY CHECK (id = 1),
               version INTEGER NOT NULL
             )`);
    const version =
      (db.prepare('SELECT version FROM doc_schema WHERE id = 1').pluck().get() as number | undefined) ?? 0;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `doc database schema version ${version} is newer than this server supports (${MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    if (version !== MIGRATIONS.length) {
      db.prepare(
        `INSERT INTO doc_schema (id, version) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      ).run(MIGRATIONS.length);
    }
  }).immediate();
}

/** The version of the `doc_documents` row `d`: its highest op's, or the row's floor. */
const VERSION =
  'max(d.version, COALESCE((SELECT MAX(o.version) FROM doc_ops o WHERE o.document_id = d.document_id), 0))';

function prepareStatements(db: Database.Database) {
  return {
    selectDocument: db.prepare<[string], DocumentRow>(
      `SELECT ${VERSION} AS version, owner_id AS ownerId, created_at AS createdAt
       FROM doc_documents d WHERE d.document_id = ?`,
    ),
    insertDocument: db.prepare<[string, string, number]>(
      `INSERT INTO doc_documents (document_id, version, owner_id, created_at) VALUES (?, 0, ?, ?)
       ON CONFLICT (document_id) DO NOTHING`,
    ),
    selectVersion: db
      .prepare<[string], number>(`SELECT ${VERSION} FROM doc_documents d WHERE d.document_id = ?`)
      .pluck(),
    insertOp: db.prepare<[string, number, string, string, string, number]>(
      `INSERT INTO doc_ops (document_id, version, op, user_id, op_id, ts) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (document_id, version) DO NOTHING`,
    ),
    selectOps: db.prepare<[string, number, number], OpRow>(
      `SELECT version, op, user_id AS userId, op_id AS opId, ts FROM doc_ops
       WHERE document_id = ? AND version > ? AND version <= ? ORDER BY version`,
    ),
    selectOpByOpId: db.prepare<[string, string, string], OpRow>(
      `SELECT version, op, user_id AS userId, op_id AS opId, ts FROM doc_ops
       WHERE document_id = ? AND user_id = ? AND op_id = ?`,
    ),
    upsertSnapshot: db.prepare<[string, number, string, number]>(
      `INSERT INTO doc_snapshots (document_id, version, data, ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (document_id, version) DO UPDATE SET data = excluded.data, ts = excluded.ts`,
    ),
    // Only for a document that exists (no row inserted: the caller reports an unknown document).
    upsertUser: db.prepare<[string, string, string | null, string | null, number, string]>(
      `INSERT INTO doc_users (document_id, user_id, name, avatar, seen_at)
       SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM doc_documents WHERE document_id = ?)
       ON CONFLICT (document_id, user_id) DO UPDATE
         SET name = excluded.name, avatar = excluded.avatar, seen_at = excluded.seen_at`,
    ),
    selectUsers: db.prepare<[string, string], UserRow>(
      `SELECT user_id AS userId, name, avatar, seen_at AS seenAt FROM doc_users
       WHERE document_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
    ),
    selectDeleted: db
      .prepare<[string], number>('SELECT deleted_at FROM doc_deleted WHERE document_id = ?')
      .pluck(),
    selectTombstone: db.prepare<[string], { deletedAt: number; ownerId: string | null }>(
      'SELECT deleted_at AS deletedAt, owner_id AS ownerId FROM doc_deleted WHERE document_id = ?',
    ),
    insertDeleted: db.prepare<[string, number, string]>(
      `INSERT INTO doc_deleted (document_id, deleted_at, owner_id)
       VALUES (?, ?, (SELECT owner_id FROM doc_documents WHERE document_id = ?))
       ON CONFLICT (document_id) DO NOTHING`,
    ),
    deleteOps: db.prepare<[string]>('DELETE FROM doc_ops WHERE document_id = ?'),
    deleteSnapshots: db.prepare<[string]>('DELETE FROM doc_snapshots WHERE document_id = ?'),
    deleteUsers: db.prepare<[string]>('DELETE FROM doc_users WHERE document_id = ?'),
    deleteDocument: db.prepare<[string]>('DELETE FROM doc_documents WHERE document_id = ?'),
    selectSnapshotAtOrBelow: db.prepare<[string, number], SnapshotRow>(
      `SELECT version, data, ts FROM doc_snapshots
       WHERE document_id = ? AND version <= ? ORDER BY version DESC LIMIT 1`,
    ),
  };
}
