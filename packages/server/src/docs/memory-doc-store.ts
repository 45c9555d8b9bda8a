import type { DeletedDocument, DocStore, DocUser, DocumentInfo, OpRecord, Snapshot } from './doc-store.js';

// ---------------------------------------------------------------------------------------------------------------
// Shared by every DocStore adapter (this file has no dependencies, so the SQLite and PostgreSQL adapters import
// these from here without pulling in anything else).
// ---------------------------------------------------------------------------------------------------------------

/**
 * Thrown by `appendOp` for an op whose (documentId, userId, opId) is already committed at another version. The
 * sequencer looks a re-sent op up among the ops after its base version before appending; this error is the backstop
 * that keeps one it cannot see there from being committed twice (a server op, always based on the latest version; a
 * client's op re-sent after a rebase onto a snapshot that held it; a lookup that raced with another writer). The
 * sequencer then finds the op with `findOp` and answers `duplicate`.
 */
export class DuplicateOpError extends Error {
  override readonly name = 'DuplicateOpError';
  constructor(
    readonly documentId: string,
    readonly userId: string,
    readonly opId: string,
  ) {
    super(
      `op ${JSON.stringify(opId)} of user ${JSON.stringify(userId)} is already committed to document ${JSON.stringify(documentId)}`,
    );
  }
}

/** Thrown by `ensure` for a document that was deleted (`DocStore.delete`): it cannot be created again. */
export class DeletedDocumentError extends Error {
  override readonly name = 'DeletedDocumentError';
  constructor(readonly documentId: string) {
    super(`document ${JSON.stringify(documentId)} was deleted`);
  }
}

/** Thrown by writes to a document that does not exist (never ensured, or deleted). */
export class UnknownDocumentError extends Error {
  override readonly name = 'UnknownDocumentError';
  constructor(readonly documentId: string) {
    super(`unknown document ${JSON.stringify(documentId)}: call ensure() first`);
  }
}

/** An `OpRecord` checked, with its op serialized as JSON text. */
export interface EncodedOp {
  documentId: string;
  version: number;
  json: string;
  userId: string;
  opId: string;
  ts: number;
}

/** A `Snapshot` checked, with its data serialized as JSON text. */
export interface EncodedSnapshot {
  documentId: string;
  version: number;
  json: string;
  ts: number;
}

/**
 * Serializes an op or snapshot to JSON text, so every adapter reads back exactly
 * `JSON.parse(JSON.stringify(value))`. Throws a clear Error for a value JSON cannot represent (including
 * `undefined`: an op or a snapshot always has data).
 */
export function encodeDocData(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new Error(`${what} cannot be serialized as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (json === undefined) throw new Error(`${what} cannot be serialized as JSON (top-level ${typeof value})`);
  return json;
}

/** Parses stored JSON text. A corrupt row throws: reading a document from a wrong op would corrupt it silently. */
export function decodeDocData(json: string, where: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Error(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function checkDocumentId(documentId: string): void {
  if (typeof documentId !== 'string' || documentId.length === 0) {
    throw new TypeError('documentId must be a non-empty string');
  }
}

function checkString(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
}

function checkTime(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError(`${name} must be a finite number`);
}

function checkBound(value: unknown, name: string): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number`);
}

export function checkEnsure(documentId: string, ownerId: string, now: number): void {
  checkDocumentId(documentId);
  checkString(ownerId, 'ownerId');
  checkTime(now, 'now');
}

export function encodeOp(record: OpRecord): EncodedOp {
  if (typeof record !== 'object' || record === null) throw new TypeError('record must be an object');
  checkDocumentId(record.documentId);
  if (!Number.isSafeInteger(record.version) || record.version < 1) {
    throw new TypeError('record.version must be an integer >= 1');
  }
  checkString(record.userId, 'record.userId');
  checkString(record.opId, 'record.opId');
  checkTime(record.ts, 'record.ts');
  return {
    documentId: record.documentId,
    version: record.version,
    json: encodeDocData(record.op, 'op'),
    userId: record.userId,
    opId: record.opId,
    ts: record.ts,
  };
}

export function encodeSnapshot(snapshot: Snapshot): EncodedSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw new TypeError('snapshot must be an object');
  checkDocumentId(snapshot.documentId);
  if (!Number.isSafeInteger(snapshot.version) || snapshot.version < 0) {
    throw new TypeError('snapshot.version must be an integer >= 0');
  }
  checkTime(snapshot.ts, 'snapshot.ts');
  return {
    documentId: snapshot.documentId,
    version: snapshot.version,
    json: encodeDocData(snapshot.data, 'snapshot data'),
    ts: snapshot.ts,
  };
}

/** A `DocUser` checked, with only the fields it has (what every adapter reads back). */
export function checkDocUser(documentId: string, user: DocUser): DocUser {
  checkDocumentId(documentId);
  if (typeof user !== 'object' || user === null) throw new TypeError('user must be an object');
  checkString(user.userId, 'user.userId');
  if (user.name !== undefined) checkString(user.name, 'user.name');
  if (user.avatar !== undefined) checkString(user.avatar, 'user.avatar');
  checkTime(user.seenAt, 'user.seenAt');
  return docUser(user.userId, user.name, user.avatar, user.seenAt);
}

/** The user ids of a `users` lookup, checked and without repeats. */
export function checkUserIds(documentId: string, userIds: readonly string[]): string[] {
  checkDocumentId(documentId);
  if (!Array.isArray(userIds)) throw new TypeError('userIds must be an array');
  for (const id of userIds) checkString(id, 'userIds[]');
  return [...new Set(userIds)];
}

/** A `DocUser` from stored columns (absent or NULL name and avatar are left out). */
export function docUser(
  userId: string,
  name: string | null | undefined,
  avatar: string | null | undefined,
  seenAt: number,
): DocUser {
  const u: DocUser = { userId, seenAt };
  if (name != null) u.name = name;
  if (avatar != null) u.avatar = avatar;
  return u;
}

/** A tombstone as the stores read it back (no `ownerId` key when it had none). */
export function deletedDocument(
  documentId: string,
  deletedAt: number,
  ownerId: string | null | undefined,
): DeletedDocument {
  const d: DeletedDocument = { documentId, deletedAt };
  if (ownerId != null) d.ownerId = ownerId;
  return d;
}

/** Normalizes `ops` bounds: `from < version <= to`, `to` defaulting to the latest. */
export function checkOpsRange(documentId: string, from: number, to?: number): { from: number; to: number } {
  checkDocumentId(documentId);
  checkBound(from, 'from');
  if (to !== undefined) checkBound(to, 'to');
  return { from, to: to === undefined ? Number.MAX_SAFE_INTEGER : Math.min(to, Number.MAX_SAFE_INTEGER) };
}

/** Normalizes the `atOrBelow` bound of `snapshot` (default: the latest). */
export function checkAtOrBelow(documentId: string, atOrBelow?: number): number {
  checkDocumentId(documentId);
  if (atOrBelow === undefined) return Number.MAX_SAFE_INTEGER;
  checkBound(atOrBelow, 'atOrBelow');
  return Math.min(atOrBelow, Number.MAX_SAFE_INTEGER);
}

export function unknownDocumentError(documentId: string): Error {
  return new UnknownDocumentError(documentId);
}

export function checkDelete(documentId: string, now: number): void {
  checkDocumentId(documentId);
  checkTime(now, 'now');
}

export function snapshotAheadError(snapshot: EncodedSnapshot, current: number): Error {
  return new Error(
    `snapshot version ${snapshot.version} of document ${JSON.stringify(snapshot.documentId)} is ahead of its latest committed version ${current}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

interface MemoryDocument {
  info: { version: number; ownerId?: string; createdAt: number };
  /** `ops[i].version === i + 1` (the history never has holes). */
  ops: EncodedOp[];
  /** userId -> opId -> version. Nested, so no separator can make two keys collide. */
  opIds: Map<string, Map<string, number>>;
  /** Ordered by version, at most one per version. */
  snapshots: EncodedSnapshot[];
  /** userId -> what is remembered of them (`saveUser`). */
  users: Map<string, DocUser>;
}

/**
 * A `DocStore` in memory, for unit tests and single-process demos. Same semantics as the durable stores,
 * including JSON serialization of ops and snapshot data (so a test cannot pass here and fail on SQLite because
 * it stored a Date or mutated an object after appending it).
 *
 * Every method does its work synchronously before its promise settles, so calls are applied in call order: of
 * several `appendOp`s started together for the same version, the first one called wins.
 */
export class MemoryDocStore implements DocStore {
  private readonly docs = new Map<string, MemoryDocument>();
  /** Deleted ids -> their tombstones. */
  private readonly tombstones = new Map<string, DeletedDocument>();
  private closed = false;

  async ensure(documentId: string, ownerId: string, now: number): Promise<DocumentInfo> {
    this.checkOpen();
    checkEnsure(documentId, ownerId, now);
    let doc = this.docs.get(documentId);
    if (!doc) {
      if (this.tombstones.has(documentId)) throw new DeletedDocumentError(documentId);
      doc = {
        info: { version: 0, ownerId, createdAt: now },
        ops: [],
        opIds: new Map(),
        snapshots: [],
        users: new Map(),
      };
      this.docs.set(documentId, doc);
    }
    return toInfo(documentId, doc);
  }

  async info(documentId: string): Promise<DocumentInfo | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const doc = this.docs.get(documentId);
    return doc && toInfo(documentId, doc);
  }

  async snapshot(documentId: string, atOrBelow?: number): Promise<Snapshot | undefined> {
    this.checkOpen();
    const bound = checkAtOrBelow(documentId, atOrBelow);
    const snapshots = this.docs.get(documentId)?.snapshots ?? [];
    for (let i = snapshots.length - 1; i >= 0; i--) {
      if (snapshots[i].version <= bound) return toSnapshot(snapshots[i]);
    }
    return undefined;
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    const encoded = encodeSnapshot(snapshot);
    const doc = this.docs.get(encoded.documentId);
    if (!doc) throw unknownDocumentError(encoded.documentId);
    if (encoded.version > doc.info.version) throw snapshotAheadError(encoded, doc.info.version);
    const list = doc.snapshots;
    let i = list.length;
    while (i > 0 && list[i - 1].version > encoded.version) i--;
    if (i > 0 && list[i - 1].version === encoded.version) list[i - 1] = encoded;
    else list.splice(i, 0, encoded);
  }

  async appendOp(record: OpRecord): Promise<boolean> {
    this.checkOpen();
    const encoded = encodeOp(record);
    const doc = this.docs.get(encoded.documentId);
    if (!doc) throw unknownDocumentError(encoded.documentId);
    if (encoded.version !== doc.info.version + 1) return false;
    let byUser = doc.opIds.get(encoded.userId);
    if (byUser?.has(encoded.opId)) {
      throw new DuplicateOpError(encoded.documentId, encoded.userId, encoded.opId);
    }
    if (!byUser) {
      byUser = new Map();
      doc.opIds.set(encoded.userId, byUser);
    }
    byUser.set(encoded.opId, encoded.version);
    doc.ops.push(encoded);
    doc.info.version = encoded.version;
    return true;
  }

  async ops(documentId: string, from: number, to?: number): Promise<OpRecord[]> {
    this.checkOpen();
    const range = checkOpsRange(documentId, from, to);
    const ops = this.docs.get(documentId)?.ops ?? [];
    // ops[i].version === i + 1, so the versions from < v <= to are the indexes floor(from) <= i < floor(to).
    const start = Math.max(0, Math.floor(range.from));
    const end = Math.min(ops.length, Math.floor(range.to));
    return ops.slice(start, Math.max(start, end)).map(toOpRecord);
  }

  async findOp(documentId: string, userId: string, opId: string): Promise<OpRecord | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    checkString(userId, 'userId');
    checkString(opId, 'opId');
    const doc = this.docs.get(documentId);
    const version = doc?.opIds.get(userId)?.get(opId);
    return doc && version !== undefined ? toOpRecord(doc.ops[version - 1]) : undefined;
  }

  async saveUser(documentId: string, user: DocUser): Promise<void> {
    this.checkOpen();
    const u = checkDocUser(documentId, user);
    const doc = this.docs.get(documentId);
    if (!doc) throw unknownDocumentError(documentId);
    doc.users.set(u.userId, u);
  }

  async users(documentId: string, userIds: readonly string[]): Promise<DocUser[]> {
    this.checkOpen();
    const ids = checkUserIds(documentId, userIds);
    const known = this.docs.get(documentId)?.users;
    const out: DocUser[] = [];
    for (const id of ids) {
      const u = known?.get(id);
      if (u) out.push({ ...u });
    }
    return out;
  }

  async delete(documentId: string, now: number): Promise<boolean> {
    this.checkOpen();
    checkDelete(documentId, now);
    if (!this.tombstones.has(documentId)) {
      this.tombstones.set(
        documentId,
        deletedDocument(documentId, now, this.docs.get(documentId)?.info.ownerId),
      );
    }
    return this.docs.delete(documentId);
  }

  async deleted(documentId: string): Promise<DeletedDocument | undefined> {
    this.checkOpen();
    checkDocumentId(documentId);
    const d = this.tombstones.get(documentId);
    return d && { ...d };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.docs.clear();
    this.tombstones.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('MemoryDocStore is closed');
  }
}

function toInfo(documentId: string, doc: MemoryDocument): DocumentInfo {
  const info: DocumentInfo = { documentId, version: doc.info.version, createdAt: doc.info.createdAt };
  if (doc.info.ownerId !== undefined) info.ownerId = doc.info.ownerId;
  return info;
}

// Stored JSON was produced by JSON.stringify, so decoding cannot fail here.
function toOpRecord(e: EncodedOp): OpRecord {
  const op = decodeDocData(e.json, 'op');
  return { documentId: e.documentId, version: e.version, op, userId: e.userId, opId: e.opId, ts: e.ts };
}

function toSnapshot(e: EncodedSnapshot): Snapshot {
  const data = decodeDocData(e.json, 'snapshot data');
  return { documentId: e.documentId, version: e.version, data, ts: e.ts };
}
