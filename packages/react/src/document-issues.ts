import type {
  Disposer,
  DocConflict,
  DocNotice,
  DocRejection,
  DocumentClient,
  SynclineError,
} from '@syncline/client';
import { type ConflictZoneWords, conflictZoneWords, describeConflict, zoneName } from '@syncline/doc';
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

/**
 * What a notice says is made of: the zone (`zoneName` words, else "that zone", "those zones"), `was` or `were` for it,
 * who made the change (by name, else their id; `undefined` when the SDK could not know who), the same by name only
 * (`named`: for a notice that can say who by their role instead), `undone` or `redone`.
 */
type NoticeWords = {
  zone: string;
  was: string;
  by: string | undefined;
  named: string | undefined;
  done: string;
};

const NOTICE_MESSAGES: Record<string, (w: NoticeWords) => string> = {
  lock_lost: ({ zone }) => `Your lock on ${zone} ended`,
  zone_deleted: ({ zone, by, done }) =>
    by
      ? `${by} deleted ${zone}; your change to it could not be ${done}`
      : `${sentence(zone)} was deleted; your change to it could not be ${done}`,
  edited_by_others: ({ zone, was, by }) =>
    by
      ? `${by} changed ${zone} since; their work was kept`
      : `${sentence(zone)} ${was} changed by others since; their work was kept`,
  overwritten: ({ zone, was, by }) =>
    by
      ? `${by} changed ${zone} since; their change was kept`
      : `${sentence(zone)} ${was} changed since; that change was kept`,
  discarded_other_user: () => 'Offline edits of another user on this device were not sent',
};

/** Why a lock of mine ended (`DocNotice.detail` of `lock_lost`). */
const LOCK_LOST_MESSAGES: Record<string, (w: NoticeWords) => string> = {
  // By name when known ("Olga (the document's owner) released..."); else the role says who, not an id.
  forced: ({ zone, named }) =>
    named
      ? `${named} (the document's owner) released your lock on ${zone}`
      : `The document's owner released your lock on ${zone}`,
  expired: ({ zone }) => `Your lock on ${zone} expired`,
  // Every connection of mine was gone past the grace period (offline, the laptop asleep): the server let it go.
  left: ({ zone }) => `Your lock on ${zone} was released while you were away`,
  refused: ({ zone, by }) =>
    by
      ? `Your lock on ${zone} could not be renewed: ${by} has locked it`
      : `Your lock on ${zone} could not be renewed`,
  taken: ({ zone, by }) => `Your lock on ${zone} ended and ${by ?? 'another user'} locked it`,
};

/** `text` as the start of a sentence. */
const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/**
 * The zone a notice or a refusal is about, as the user tells it apart (`zoneName` of @syncline/doc: "the heading
 * “Introduction” on page 2"): the one zone of `zoneIds` as this replica has it, else the words the SDK gave (a deleted
 * zone as it last was); `undefined` when nothing is known.
 */
function zoneWords(
  doc: Pick<DocumentClient, 'zone'>,
  zoneIds: readonly string[],
  known: ConflictZoneWords,
): string | undefined {
  const zone = zoneIds.length === 1 ? doc.zone(zoneIds[0]) : undefined;
  const w = zone === undefined ? known : conflictZoneWords(zone);
  return zoneName({ label: w.zoneLabel, type: w.zoneType, page: w.zonePage, text: w.zoneExcerpt });
}

/** The document as the messages read it: its zones, and (optional) the people its replica knows by name. */
type DocWords = Pick<DocumentClient, 'zone'> & Partial<Pick<DocumentClient, 'user'>>;

/** `userId`'s name: the one the event gave, else the one the replica knows; `undefined` when neither. */
function knownName(doc: DocWords, userId: string, given: string | undefined): string | undefined {
  const name = given?.trim() ? given : doc.user?.(userId)?.name;
  return name?.trim() ? name : undefined;
}

/** What to call `userId`: its `knownName`, else the id. */
const nameOf = (doc: DocWords, userId: string, given: string | undefined): string =>
  knownName(doc, userId, given) ?? userId;

/** Who a notice names: the latest author by name (else id), and how many others there were. */
function noticeBy(doc: DocWords, n: DocNotice): string | undefined {
  if (n.byUserId === undefined) return undefined;
  const by = nameOf(doc, n.byUserId, n.byUserName);
  const others = (n.byUserIds?.length ?? 1) - 1;
  return others <= 0 ? by : `${by} and ${others === 1 ? 'someone else' : `${others} others`}`;
}

/**
 * What the user reads about a notice of the document: an undo or redo that could not take back all of my change
 * (who got in the way, and which zone), a lock of mine that ended (on which zone, and who took it), ...
 */
export function noticeMessage(doc: DocWords, n: DocNotice): string {
  const name = zoneWords(doc, n.zoneIds, n);
  const many = name === undefined && n.zoneIds.length > 1;
  const words: NoticeWords = {
    // Several zones, one of them deleted (the SDK names it when it knows which): the one deleted is not known here.
    zone:
      name ?? (!many ? 'that zone' : n.reason === 'zone_deleted' ? 'a zone you had changed' : 'those zones'),
    was: many && n.reason !== 'zone_deleted' ? 'were' : 'was',
    by: noticeBy(doc, n),
    named: n.byUserId === undefined ? undefined : knownName(doc, n.byUserId, n.byUserName),
    done: n.action === 'redo' ? 'redone' : 'undone',
  };
  const message =
    (n.reason === 'lock_lost' && n.detail !== undefined ? LOCK_LOST_MESSAGES[n.detail] : undefined) ??
    NOTICE_MESSAGES[n.reason];
  return message === undefined ? n.reason : message(words);
}

/**
 * What the user reads about a conflict: who (by name when known), what happened to which zone (named by
 * `zoneName` of @syncline/doc: its label, type, page and first words as this replica knows them, else as the one
 * who found the conflict knew them; never its id), from the point of view of the one who receives it
 * (`describeConflict` of @syncline/doc).
 */
export function conflictMessage(doc: DocWords, c: DocConflict): string {
  const zone = c.zoneId === null ? undefined : doc.zone(c.zoneId);
  return describeConflict({
    kind: c.kind,
    origin: c.origin,
    by: c.byUserId === null ? (c.byUserName ?? null) : nameOf(doc, c.byUserId, c.byUserName),
    zoneId: c.zoneId,
    ...(zone === undefined
      ? { zoneLabel: c.zoneLabel, zoneType: c.zoneType, zonePage: c.zonePage, zoneExcerpt: c.zoneExcerpt }
      : conflictZoneWords(zone)),
    ...(c.attribute === undefined ? {} : { attribute: c.attribute }),
  });
}

/**
 * What the user reads about a refused edit: who holds the lock on which zone (`zoneName` words), when that is why,
 * and that it was undone.
 */
export function rejectionMessage(doc: DocWords & Pick<DocumentClient, 'locks'>, r: DocRejection): string {
  if (r.code === 'zone_locked') {
    const zoneId = r.zoneIds.find((id) => doc.locks[id] !== undefined);
    const lock = zoneId === undefined ? undefined : doc.locks[zoneId];
    if (zoneId !== undefined && lock) {
      const zone = zoneWords(doc, [zoneId], {}) ?? 'that zone';
      return `${nameOf(doc, lock.userId, lock.userName)} has locked ${zone}. Your change was undone.`;
    }
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
          // Two conflicts on one zone (its label and its type, or two users) are two toasts; the same again replaces.
          `${c.attribute ?? ''}/${c.byUserId ?? ''}`,
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
        this.add(
          { kind: 'notice', code: n.reason, message: noticeMessage(doc, n), zoneIds: n.zoneIds },
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

  /** `detail`: what else tells this issue from another of the same kind, code and zones (a toast each). */
  private add(
    issue: Omit<DocIssue, 'seq' | 'at'>,
    toast: Pick<NotificationInput, 'kind' | 'title' | 'documentId'>,
    detail = '',
  ): void {
    this.last = Object.freeze({ ...issue, seq: ++this.seq, at: Date.now() });
    this.notifications?.notify({
      ...toast,
      // The same issue again (each keystroke into a locked zone is refused) replaces its toast.
      id: `doc:${toast.documentId}:${issue.kind}:${issue.code}:${issue.zoneIds.join(',')}${detail && `:${detail}`}`,
      message: issue.message,
      code: issue.code,
      zoneIds: issue.zoneIds,
    });
    for (const l of [...this.listeners]) l();
  }
}
