/**
 * Where documents live: every committed op (full history, with user and time) and periodic snapshots.
 * Loading a document = its latest snapshot + the ops after it. The sequencer commits with `appendOp`,
 * whose version check (a unique (document, version) key) is what makes two writers safe: the loser
 * gets `false`, transforms its op over what won, and retries.
 *
 * Implementations: `MemoryDocStore` (tests), `SqliteDocStore` (embedded default), `PostgresDocStore`; all
 * pass the contract suite in `doc-store.contract.ts`.
 */
export interface OpRecord {
  documentId: string;
  /** The version this op produced (1 for the first op). */
  version: number;
  op: unknown;
  userId: string;
  /** Client-chosen id, unique per user: a re-submitted op is recognised by (documentId, userId, opId). */
  opId: string;
  ts: number;
}

export interface Snapshot {
  documentId: string;
  version: number;
  data: unknown;
  ts: number;
}

export interface DocumentInfo {
  documentId: string;
  /** Latest committed version (0 for a document with no ops). */
  version: number;
  ownerId?: string;
  createdAt: number;
}

/** A deleted document's tombstone (`DocStore.deleted`). */
export interface DeletedDocument {
  documentId: string;
  /** When it was deleted (ms since epoch). */
  deletedAt: number;
  /** Its owner at the time, if it had a row with one. */
  ownerId?: string;
}

/**
 * Someone a document remembers: who opened it, with the name and avatar their token gave them the last time, so
 * its history can name people who are no longer around.
 */
export interface DocUser {
  userId: string;
  name?: string;
  avatar?: string;
  /** When they were last seen with this name (ms since epoch). */
  seenAt: number;
}

export interface DocStore {
  /** Creates the document if it does not exist (owner = the creator). Returns its info either way. */
  ensure(documentId: string, ownerId: string, now: number): Promise<DocumentInfo>;
  info(documentId: string): Promise<DocumentInfo | undefined>;
  /** The latest snapshot at or below `atOrBelow` (default: the latest), if any. */
  snapshot(documentId: string, atOrBelow?: number): Promise<Snapshot | undefined>;
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * Appends an op at `record.version`, which must be the document's version + 1. Resolves `true` when
   * committed, `false` when that version is already taken (another writer won the race).
   */
  appendOp(record: OpRecord): Promise<boolean>;
  /** Ops with `from < version <= to` (to defaults to the latest), in version order. */
  ops(documentId: string, from: number, to?: number): Promise<OpRecord[]>;
  /** The committed op a user submitted with this opId, if any (de-duplication of re-sent ops). */
  findOp(documentId: string, userId: string, opId: string): Promise<OpRecord | undefined>;
  /** Remembers a user of the document (replaces what was remembered of them). The document must exist. */
  saveUser(documentId: string, user: DocUser): Promise<void>;
  /** What is remembered of those of `userIds` the document knows, in no particular order. */
  users(documentId: string, userIds: readonly string[]): Promise<DocUser[]>;
  /**
   * Deletes the document for good: its ops, snapshots and users, and its row. The id is remembered as deleted, so
   * `ensure` refuses to create it again (rejects with a `DeletedDocumentError`); meanwhile `info` reads it as
   * `undefined` and writes to it reject as for an unknown document. Resolves whether there was a document to delete
   * (an id never ensured is remembered as deleted all the same). Idempotent: deleting again keeps the first
   * tombstone (its time and owner).
   */
  delete(documentId: string, now: number): Promise<boolean>;
  /** The tombstone of a deleted document (with its owner, so a deletion that failed later on can be finished). */
  deleted(documentId: string): Promise<DeletedDocument | undefined>;
  close(): Promise<void>;
}
