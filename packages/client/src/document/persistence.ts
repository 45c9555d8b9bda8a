import { applyOps, type Op, type ZoneDocument } from '@syncline/doc';

/** An op of mine the server had not confirmed when the state was saved. */
export interface PersistedOp {
  opId: string;
  op: Op;
  /** `LocalOp.madeAt`: the confirmed version it was made on (absent in a record of an older version). */
  madeAt?: number;
}

/**
 * What a document client keeps across reloads: its unconfirmed ops, and the server document (and version) they are
 * expressed against, so that a later client of the same document can show them at once and rebase them onto what
 * the server has committed since. Each document client keeps its own record (`clientKey`): two tabs of one user
 * editing a document offline keep two records, and neither overwrites the other's edits. With the client's
 * `keepConfirmed` option, a record without ops is kept too: the server document as last confirmed, which the next
 * client shows at once and catches up from its version the same way.
 */
export interface PersistedDoc {
  /**
   * Format of this record: 1, `snapshot` is the server document at `version`; 2, it is the document at an earlier
   * version, and `committed` holds the ops since (a version earlier than 2 ignores such a record rather than misread
   * it).
   */
  format: 1 | 2;
  documentId: string;
  /**
   * The document client that wrote it (random, one per client, or the key of the record it took over). Absent in a
   * record of an older version, which kept one record per document: the key `''`.
   */
  clientKey?: string;
  /**
   * Whose ops these are: a client signed in as someone else does not re-submit them. For a record without ops
   * (`keepConfirmed`), who was signed in: it is shown to no one else.
   */
  userId?: string;
  /**
   * The last ops (`opIds`), when another user typed them on top of `userId`'s restored ops before a handshake
   * said who was signed in: theirs, not `userId`'s.
   */
  typedBy?: { userId: string; opIds: string[] };
  /** The confirmed server version the ops below are expressed against. */
  version: number;
  /** The server document at `version` (format 1), or at `version - committed.length` (format 2). */
  snapshot: ZoneDocument;
  /**
   * Format 2: the ops the server committed after `snapshot`, in order, up to `version`. A client keeps writing the
   * same `snapshot` (the same value) with a growing list of ops, and starts again from a newer one now and then
   * (`JOURNAL_SAVE_MAX`): a persistence can then store the snapshot once and per save only what changed
   * (`IndexedDBDocPersistence` does), rather than a big document on every edit.
   */
  committed?: Op[];
  /** The op that was in flight (it may have been committed: it is re-sent with the same opId). */
  inflight: PersistedOp | null;
  /** Ops not sent yet, in order; each is expressed against the document after the ones before it. */
  pending: PersistedOp[];
  /** The ids of every op above, in order (what the server may know of). */
  opIds: string[];
  /** Clock time of the save (ms). */
  savedAt: number;
}

/** The key a record is stored under, within its document: its client's (`''` for a record of an older version). */
export const clientKeyOf = (record: PersistedDoc): string => record.clientKey ?? '';

/**
 * Gives up a claim (`DocPersistence.claim`): the record's client is gone, so a later client may take the record
 * over.
 */
export type ReleaseClaim = () => void;

/**
 * Where document clients keep their unconfirmed ops: one record per document client (`PersistedDoc.clientKey`). A
 * client saves its own record after every change of its ops (coalesced to one write per turn of the event loop)
 * and deletes it once everything is confirmed; with `keepConfirmed` it saves the confirmed state instead, at most
 * once every `keepConfirmedEveryMs`. A new client of a document loads every record of it, takes over those whose
 * clients are gone (`claim`) and sends their edits; the records of live clients (another tab) it leaves to them.
 * Writes must be applied in the order they were issued.
 */
export interface DocPersistence {
  /** Every record of the document, one per client key. */
  loadAll(documentId: string): Promise<PersistedDoc[]>;
  /** Writes `record` as its client's record (`clientKeyOf`), replacing only that one. */
  save(record: PersistedDoc): Promise<void>;
  /** Deletes the record of the client `clientKey`, or without one every record of the document (it was deleted). */
  delete(documentId: string, clientKey?: string): Promise<void>;
  /**
   * Claims the record `clientKey` of `documentId` for as long as the caller lives: resolves with the function that
   * gives it up, or with null when a live client holds it (another tab's, which will send its edits itself). A
   * persistence without `claim` treats every record as its to take (right when one page at a time uses it).
   * `fresh`: the key is a client's new random one, which nobody else can know yet (no need to ask around).
   */
  claim?(documentId: string, clientKey: string, options?: { fresh?: boolean }): Promise<ReleaseClaim | null>;
  /**
   * Like `claim`, but when a live client holds the record, waits until it gives it up (its tab closed) and claims it
   * then; null once `signal` aborts. A client that left another tab's record alone takes it over this way once that
   * tab is gone, rather than at the next load of the document.
   */
  waitForClaim?(documentId: string, clientKey: string, signal: AbortSignal): Promise<ReleaseClaim | null>;
}

/** The most recently saved of `records`. */
export const newestRecord = (records: readonly PersistedDoc[]): PersistedDoc | undefined =>
  records.reduce<PersistedDoc | undefined>(
    (a, b) => (a === undefined || b.savedAt > a.savedAt ? b : a),
    undefined,
  );

/**
 * Claims held in this page (or process): what `claim` falls back to without the Web Locks API, and all the memory
 * persistence needs (its records live no longer than the page).
 */
export class LocalClaims {
  /** Held keys, each with the claims waiting for it in order (`waitForClaim`): one list while the key is held. */
  private readonly held = new Map<string, (() => void)[]>();

  claim(documentId: string, clientKey: string): Promise<ReleaseClaim | null> {
    const key = JSON.stringify([documentId, clientKey]);
    if (this.held.has(key)) return Promise.resolve(null);
    this.held.set(key, []);
    return Promise.resolve(this.releaser(key));
  }

  waitForClaim(documentId: string, clientKey: string, signal: AbortSignal): Promise<ReleaseClaim | null> {
    const key = JSON.stringify([documentId, clientKey]);
    const waiters = this.held.get(key);
    if (signal.aborted) return Promise.resolve(null);
    if (!waiters) return this.claim(documentId, clientKey);
    return new Promise((resolve) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted);
        resolve(this.releaser(key));
      };
      const aborted = () => {
        const i = waiters.indexOf(granted);
        if (i >= 0) waiters.splice(i, 1);
        resolve(null);
      };
      waiters.push(granted);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Gives the key up: to the first claim waiting for it, else to anyone. */
  private releaser(key: string): ReleaseClaim {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.held.get(key)?.shift();
      if (next) next();
      else this.held.delete(key);
    };
  }
}

/**
 * Keeps records in memory: they survive a `DocumentClient` being closed and created again (share one instance; a
 * document client without a configured persistence uses one per `SynclineClient`: `defaultDocPersistence`), not a
 * page reload. Use `IndexedDBDocPersistence` for that.
 */
export class MemoryDocPersistence implements DocPersistence {
  private readonly records = new Map<string, Map<string, PersistedDoc>>();
  private readonly claims = new LocalClaims();

  /** The most recently saved record of the document (for tests and debugging). */
  async load(documentId: string): Promise<PersistedDoc | undefined> {
    const record = newestRecord([...(this.records.get(documentId)?.values() ?? [])]);
    return record === undefined ? undefined : structuredClone(record);
  }

  async loadAll(documentId: string): Promise<PersistedDoc[]> {
    return [...(this.records.get(documentId)?.values() ?? [])].map((r) => structuredClone(r));
  }

  async save(record: PersistedDoc): Promise<void> {
    // Kept as given, not copied: the client writes a fresh record per save and never changes its snapshot
    // or ops afterwards (documents are immutable values), and copying a large document on every turn with
    // an unconfirmed edit costs more than the edit. `loadAll` hands out copies.
    let byClient = this.records.get(record.documentId);
    if (!byClient) this.records.set(record.documentId, (byClient = new Map()));
    byClient.set(clientKeyOf(record), record);
  }

  async delete(documentId: string, clientKey?: string): Promise<void> {
    const byClient = this.records.get(documentId);
    if (clientKey !== undefined) byClient?.delete(clientKey);
    if (clientKey === undefined || byClient?.size === 0) this.records.delete(documentId);
  }

  claim(documentId: string, clientKey: string): Promise<ReleaseClaim | null> {
    return this.claims.claim(documentId, clientKey);
  }

  waitForClaim(documentId: string, clientKey: string, signal: AbortSignal): Promise<ReleaseClaim | null> {
    return this.claims.waitForClaim(documentId, clientKey, signal);
  }

  /** Documents with a saved record (for tests and debugging). */
  get documentIds(): string[] {
    return [...this.records.keys()];
  }

  /** How many records the document has, one per client that saved one (for tests and debugging). */
  recordCount(documentId: string): number {
    return this.records.get(documentId)?.size ?? 0;
  }
}

/**
 * The server document at the record's `version`: its snapshot, with its committed ops applied (format 2). An op that
 * does not apply is passed over, as a client whose copy diverged from the server's goes on without it: the document
 * is then not the server's, and the next open finds that out (its checksum) and rebases onto the server's snapshot,
 * as it would from a record saved whole while the copy had diverged.
 */
export function recordDocument(record: PersistedDoc): ZoneDocument {
  return replayRecord(record).doc;
}

/** `recordDocument`, and whether every committed op applied. */
export function replayRecord(record: PersistedDoc): { doc: ZoneDocument; complete: boolean } {
  if (record.format !== 2) return { doc: record.snapshot, complete: true };
  // In one pass: up to 200 ops, which one by one would copy a big document's zones 200 times.
  const { doc, failed } = applyOps(record.snapshot, record.committed ?? [], 'skip');
  return { doc, complete: failed.length === 0 };
}

/** Whether `value` looks like a record this version can restore (storage may hold anything). */
export function isPersistedDoc(value: unknown): value is PersistedDoc {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<PersistedDoc>;
  const isOp = (o: unknown) =>
    typeof o === 'object' && o !== null && typeof (o as PersistedOp).opId === 'string' && 'op' in o;
  return (
    (r.format === 1 ||
      (r.format === 2 &&
        Array.isArray(r.committed) &&
        Number.isSafeInteger(r.version) &&
        r.committed.length <= (r.version as number))) &&
    typeof r.documentId === 'string' &&
    (r.clientKey === undefined || typeof r.clientKey === 'string') &&
    Number.isSafeInteger(r.version) &&
    typeof r.snapshot === 'object' &&
    r.snapshot !== null &&
    (r.inflight === null || isOp(r.inflight)) &&
    Array.isArray(r.pending) &&
    r.pending.every(isOp) &&
    (r.typedBy === undefined ||
      (typeof r.typedBy === 'object' &&
        r.typedBy !== null &&
        typeof r.typedBy.userId === 'string' &&
        Array.isArray(r.typedBy.opIds) &&
        r.typedBy.opIds.every((id) => typeof id === 'string')))
  );
}
