/**
 * Collaborative documents on the wire. A document `doc:<id>` is a JSON value (zones keyed by id) edited
 * with ot-json1 ops (ot-text-unicode for zone text) and sequenced by the server. Commands are `request`s
 * with these methods; committed ops arrive as room events of the document's room, in version order:
 * `zone_create`, `zone_update`, `zone_edit`, `zone_delete` (single-zone ops, the seed's names) or
 * `doc_op` (anything else), each with `{documentId, version, op, opId, userId}`.
 */
export const DOC_METHODS = {
  /**
   * `{documentId, since?, reason?, opIds?}` -> `DocSnapshot`. Creates an empty document on first open. With
   * `since`, the snapshot also carries the ops after it; without them, `committed` says which of the caller's
   * `opIds` it holds; `reason` (checksum, gap, reset, ...) counts a repaired replica in the server's metrics
   * (`resume` does not).
   */
  open: 'doc.open',
  /** `{documentId, op, v, opId, made?}` -> `{version}`: `v` is the version the op is based on; `made`, the one it was made on when the client rebased it. */
  submit: 'doc.submit',
  /** `{documentId, from?, limit?}` -> `{entries: HistoryEntry[]}`. */
  history: 'doc.history',
  /**
   * `{documentId, userIds}` -> `{users: DocUserInfo[]}`: the names the document remembers for those users
   * (who last opened it under which name), to name the authors of zones and ops who are not around.
   */
  users: 'doc.users',
  /** `{documentId, zoneId, renew?}` -> `ZoneLock` (locks; with `renew: true` only extends a lock still yours, else `not_found`). */
  lock: 'doc.lock',
  /** `{documentId, zoneId, force?}` -> `{}`; `force` is for the document's owner. */
  unlock: 'doc.unlock',
} as const;

/**
 * Why a client re-opens a document (`doc.open`'s `reason`): its replica was restored from storage, failed a
 * checksum, missed versions, was reset, was refused with `bad_version`, did not take an op, or just resumes.
 * Every reason but `resume` counts a repaired replica; the server counts any other string as `other`.
 */
export const DOC_OPEN_REASONS = [
  'restore',
  'checksum',
  'gap',
  'reset',
  'bad_version',
  'diverged',
  'resume',
] as const;
export type DocOpenReason = (typeof DOC_OPEN_REASONS)[number];

export interface ZoneLock {
  zoneId: string;
  userId: string;
  userName?: string;
  /** ms since epoch; renew before then (`doc.lock` again). */
  expiresAt: number;
}

export interface PresenceMember {
  userId: string;
  userName?: string;
  avatar?: string;
  /** Open connections (tabs, devices) of this user in the room. */
  connections: number;
  /**
   * `idle` when every session of the user in the room said it is idle (`presence.status`: the page hidden, no
   * input for a while); absent when at least one is active.
   */
  status?: PresenceStatus;
}

/** A present user's activity (`presence.status`, `user_status`). */
export type PresenceStatus = 'active' | 'idle';

export interface DocSnapshot {
  documentId: string;
  version: number;
  snapshot: unknown;
  checksum: string;
  locks: ZoneLock[];
  members: PresenceMember[];
  ownerId?: string;
  /** With `doc.open {since}`: the committed ops after `since`, up to `version`. */
  ops?: DocOpEventData[];
  /**
   * With `doc.open {opIds}` and no `ops`: those of the caller's op ids the document committed (at or below `version`),
   * with their versions.
   */
  committed?: { opId: string; version: number }[];
}

export interface DocSubmit {
  documentId: string;
  op: unknown;
  v: number;
  opId: string;
}

export interface DocOpEventData {
  documentId: string;
  version: number;
  op: unknown;
  opId: string;
  userId: string;
  /** The zones the op touches. */
  zoneIds: string[];
}

/** What a document remembers of one of its users: the name and avatar they last opened it with. */
export interface DocUserInfo {
  userId: string;
  name?: string;
  avatar?: string;
}

/** Most user ids one `doc.users` request may ask for. */
export const DOC_USERS_MAX = 100;

export interface HistoryEntry {
  version: number;
  userId: string;
  /** The author's display name, as the document last saw them (absent for authors it never saw by name). */
  userName?: string;
  ts: number;
  opId: string;
  kind: string;
  zoneIds: string[];
  /**
   * For an op that changed nothing but zones' boxes (`bbox`, with the page and reading order a move may change):
   * `moved` when each box kept its size, `resized` when one's size changed. Absent for any other op, and for one
   * that does not hold the box it replaced.
   */
  box?: 'moved' | 'resized';
}
