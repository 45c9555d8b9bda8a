import type { Op, ZoneDocument } from '@syncline/doc';

/** An op of mine the server had not confirmed when the state was saved. */
export interface PersistedOp {
  opId: string;
  op: Op;
}

/**
 * What a document client keeps across reloads, per document: its unconfirmed ops, and the server
 * document (and version) they are expressed against, so that the next client for the same document can
 * show them at once and rebase them onto what the server has committed since. With the client's
 * `keepConfirmed` option, a record without ops is kept too: the server document as last confirmed, which the next
 * client shows at once and catches up from its version the same way.
 */
export interface PersistedDoc {
  /** Format of this record. */
  format: 1;
  documentId: string;
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
  /** The confirmed server version `snapshot` is at. */
  version: number;
  snapshot: ZoneDocument;
  /** The op that was in flight (it may have been committed: it is re-sent with the same opId). */
  inflight: PersistedOp | null;
  /** Ops not sent yet, in order; each is expressed against the document after the ones before it. */
  pending: PersistedOp[];
  /** The ids of every op above, in order (what the server may know of). */
  opIds: string[];
  /** Clock time of the save (ms). */
  savedAt: number;
}

/**
 * Where document clients keep their unconfirmed ops. The client saves after every change of them
 * (coalesced to one write per turn of the event loop) and deletes the record once everything is confirmed; with
 * `keepConfirmed` it saves the confirmed state instead, at most once every `keepConfirmedEveryMs`.
 */
export interface DocPersistence {
  load(documentId: string): Promise<PersistedDoc | undefined>;
  save(record: PersistedDoc): Promise<void>;
  delete(documentId: string): Promise<void>;
  /**
   * `keepConfirmed` saves through this, and only when a persistence has it (both built-in ones do): saves `record`
   * (a confirmed state, no ops) unless the stored record holds an op whose id is not in `mine` (the ops this client
   * saved or restored), in one atomic step. Another tab of the same user with the document open keeps its unsent
   * edits in the same record: a blind `save` of my confirmed state would erase them.
   */
  saveKept?(record: PersistedDoc, mine: ReadonlySet<string>): Promise<void>;
}

/** Whether the stored `record` holds an op not among `mine` (another client's unsent edit). */
export const holdsOthersOps = (record: unknown, mine: ReadonlySet<string>): boolean =>
  isPersistedDoc(record) && record.opIds.some((id) => !mine.has(id));

/**
 * Keeps records in memory: they survive a `DocumentClient` being closed and created again (share one instance; a
 * document client without a configured persistence uses one per `SynclineClient`: `defaultDocPersistence`), not a
 * page reload. Use `IndexedDBDocPersistence` for that.
 */
export class MemoryDocPersistence implements DocPersistence {
  private readonly records = new Map<string, PersistedDoc>();

  async load(documentId: string): Promise<PersistedDoc | undefined> {
    const record = this.records.get(documentId);
    return record === undefined ? undefined : structuredClone(record);
  }

  async save(record: PersistedDoc): Promise<void> {
    // Kept as given, not copied: the client writes a fresh record per save and never changes its snapshot
    // or ops afterwards (documents are immutable values), and copying a large document on every turn with
    // an unconfirmed edit costs more than the edit. `load` hands out copies.
    this.records.set(record.documentId, record);
  }

  async delete(documentId: string): Promise<void> {
    this.records.delete(documentId);
  }

  async saveKept(record: PersistedDoc, mine: ReadonlySet<string>): Promise<void> {
    if (!holdsOthersOps(this.records.get(record.documentId), mine))
      this.records.set(record.documentId, record);
  }

  /** Documents with a saved record (for tests and debugging). */
  get documentIds(): string[] {
    return [...this.records.keys()];
  }
}

/** Whether `value` looks like a record this version can restore (storage may hold anything). */
export function isPersistedDoc(value: unknown): value is PersistedDoc {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<PersistedDoc>;
  const isOp = (o: unknown) =>
    typeof o === 'object' && o !== null && typeof (o as PersistedOp).opId === 'string' && 'op' in o;
  return (
    r.format === 1 &&
    typeof r.documentId === 'string' &&
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
