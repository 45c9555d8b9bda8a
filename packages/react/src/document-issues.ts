import type {
  Disposer,
  DocConflict,
  DocNotice,
  DocRejection,
  DocumentClient,
  SynclineError,
} from '@syncline/client';
import { conflictZoneWords, describeConflict } from '@syncline/doc';
import type { NotificationCenter, NotificationInput } from './notification-center.js';

/** Something the user should know about a document: a conflict, a refused edit, a notice, an error. */
export interface DocIssue {
  /** Increases with every issue of the document. */
  readonly seq: number;
  readonly kind: 'conflict' | 'rejected' | 'notice' | 'error';
  /** `zone_locked`, `forbidden`, `edit_on_deleted`, `lock_lost`, `edited_by_others`, ... */
  readonly code: string;
  readonly message: string;
  readonly zoneIds: readonly string[];
  readonly at: number;
}

const REJECTED_TITLES: Record<string, string> = {
  zone_locked: 'Edit refused: the zone is locked',
  forbidden: 'Edit refused: not allowed',
  invalid: 'Edit refused: invalid change',
  too_large: 'Edit refused: too large',
};

const NOTICE_MESSAGES: Record<string, string> = {
  lock_lost: 'Your lock on this zone ended',
  zone_deleted: 'Someone deleted that zone; it could not be restored',
  edited_by_others: 'Someone changed that zone since; their work was kept',
  overwritten: 'Someone changed that since; their change was kept',
  discarded_other_user: 'Offline edits of another user on this device were not sent',
};

/** Why a lock of mine ended (`DocNotice.detail` of `lock_lost`). */
const LOCK_LOST_MESSAGES: Record<string, string> = {
  forced: "The document's owner released your lock on this zone",
  expired: 'Your lock on this zone expired',
  refused: 'Your lock on this zone could not be renewed',
  taken: 'Your lock on this zone ended and someone else locked it',
};

/**
 * What the user reads about a conflict: who (by name when known), what happened to which zone (named by
 * `zoneName` of @syncline/doc: its label, type, page and first words as this replica knows them, else as the one
 * who found the conflict knew them; never its id), from the point of view of the one who receives it
 * (`describeConflict` of @syncline/doc).
 */
export function conflictMessage(doc: Pick<DocumentClient, 'zone'>, c: DocConflict): string {
  const zone = c.zoneId === null ? undefined : doc.zone(c.zoneId);
  return describeConflict({
    kind: c.kind,
    origin: c.origin,
    by: c.byUserName ?? c.byUserId,
    zoneId: c.zoneId,
    ...(zone === undefined
      ? { zoneLabel: c.zoneLabel, zoneType: c.zoneType, zonePage: c.zonePage, zoneExcerpt: c.zoneExcerpt }
      : conflictZoneWords(zone)),
    ...(c.attribute === undefined ? {} : { attribute: c.attribute }),
  });
}

/** What the user reads about a refused edit: who holds the lock, when that is why, and that it was undone. */
function rejectionMessage(doc: DocumentClient, r: DocRejection): string {
  if (r.code === 'zone_locked') {
    const lock = r.zoneIds.map((id) => doc.locks[id]).find((l) => l !== undefined);
    if (lock) return `${lock.userName ?? lock.userId} has locked this zone. Your change was undone.`;
  }
  // Server and client messages start in lower case ("too large to send: ..."): a sentence here.
  return `${r.message.charAt(0).toUpperCase()}${r.message.slice(1)}. Your change was undone.`;
}

/**
 * The last issue of one document, as a store (`useSyncExternalStore`), fed by the document client's
 * `conflict`, `rejected`, `notice` and `error` events, each also shown as a toast in `notifications`.
 * One per open document (not per hook), so a toast appears once however many components use it.
 */
export class DocumentIssues {
  private last: DocIssue | null = null;
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: Disposer[];

  constructor(
    doc: DocumentClient,
    private readonly notifications: NotificationCenter | null,
  ) {
    const documentId = doc.documentId;
    this.disposers = [
      doc.on('conflict', (c: DocConflict) => {
        // An edit refused by a lock is told once, by `rejected` (the server sends a `locked` conflict too).
        if (c.kind === 'locked') return;
        this.add(
          {
            kind: 'conflict',
            code: c.kind,
            message: conflictMessage(doc, c),
            zoneIds: c.zoneId ? [c.zoneId] : [],
          },
          { kind: 'conflict', title: 'Edit conflict', documentId },
        );
      }),
      doc.on('rejected', (r: DocRejection) =>
        this.add(
          { kind: 'rejected', code: r.code, message: rejectionMessage(doc, r), zoneIds: r.zoneIds },
          { kind: 'rejected', title: REJECTED_TITLES[r.code] ?? 'Edit refused', documentId },
        ),
      ),
      doc.on('notice', (n: DocNotice) => {
        if (n.reason === 'nothing_to_undo' || n.reason === 'nothing_to_redo') return;
        const message =
          (n.reason === 'lock_lost' && n.detail !== undefined ? LOCK_LOST_MESSAGES[n.detail] : undefined) ??
          NOTICE_MESSAGES[n.reason] ??
          n.reason;
        this.add(
          { kind: 'notice', code: n.reason, message, zoneIds: n.zoneIds },
          { kind: 'info', title: n.action === 'lock' ? 'Lock lost' : 'Note', documentId },
        );
      }),
      doc.on('error', (e: SynclineError) =>
        this.add(
          { kind: 'error', code: e.code, message: e.message, zoneIds: [] },
          { kind: 'error', title: 'Document error', documentId },
        ),
      ),
    ];
  }

  getSnapshot = (): DocIssue | null => this.last;

  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
    this.listeners.clear();
  }

  private add(
    issue: Omit<DocIssue, 'seq' | 'at'>,
    toast: Pick<NotificationInput, 'kind' | 'title' | 'documentId'>,
  ): void {
    this.last = Object.freeze({ ...issue, seq: ++this.seq, at: Date.now() });
    this.notifications?.notify({
      ...toast,
      // The same issue again (each keystroke into a locked zone is refused) replaces its toast.
      id: `doc:${toast.documentId}:${issue.kind}:${issue.code}:${issue.zoneIds.join(',')}`,
      message: issue.message,
      code: issue.code,
      zoneIds: issue.zoneIds,
    });
    for (const l of [...this.listeners]) l();
  }
}
