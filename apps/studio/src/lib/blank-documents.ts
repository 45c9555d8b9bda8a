import type { DocumentSummary } from './api.js';

/**
 * The blank documents (opened by name, without a PDF) a user created that the server does not list, as this browser
 * saw them, so the documents list can show them still: made here offline (the server does not have them yet), made
 * before the server catalogued blank documents, opened by their address, or on a server without a catalogue. They are
 * registered with the server (by the list, blank-migration.ts, and by a document made offline as it opens,
 * offline-blank.ts), whose list every device sees, and forgotten here once it has them. Kept in localStorage per user, newest first,
 * at most `MAX_BLANK`.
 */
export interface BlankDocument {
  documentId: string;
  /** When it last changed as far as this browser saw (its newest zone's change, else when it was opened). */
  updatedAt: number;
  /**
   * Made here while the server could not be reached: not created on the server yet. It opens from the empty document
   * and takes edits offline (offline-blank.ts), and is created on the server, with `name`, once it can be.
   */
  madeOffline?: true;
  /** The name typed for it (a document made offline), which the server's list shows once it is created. */
  name?: string;
}

export const MAX_BLANK = 100;

const key = (userId: string) => `syncline.studio.blank.${userId}`;

export function blankDocuments(userId: string): BlankDocument[] {
  try {
    const list = JSON.parse(localStorage.getItem(key(userId)) ?? '[]') as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter((d): d is BlankDocument => typeof d?.documentId === 'string' && typeof d.updatedAt === 'number')
      .map(({ documentId, updatedAt, madeOffline, name }) => ({
        documentId,
        updatedAt,
        ...(madeOffline === true ? { madeOffline } : {}),
        ...(typeof name === 'string' ? { name } : {}),
      }));
  } catch {
    return [];
  }
}

function save(userId: string, list: BlankDocument[]): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify(list.slice(0, MAX_BLANK)));
  } catch {
    // storage full or unavailable: the list will not show it, nothing else is lost
  }
}

/**
 * Notes (or updates) a blank document of `userId`'s; it goes first. A change is never dated back, and what was noted
 * of it (made offline, its name) stays unless given anew.
 */
export function rememberBlank(userId: string, doc: BlankDocument): void {
  const list = blankDocuments(userId);
  const before = list.find((d) => d.documentId === doc.documentId);
  const updatedAt = Math.max(doc.updatedAt, before?.updatedAt ?? 0);
  save(userId, [{ ...before, ...doc, updatedAt }, ...list.filter((d) => d.documentId !== doc.documentId)]);
}

/** The blank document `documentId` if this browser made it offline and the server does not have it yet. */
export function madeOffline(userId: string, documentId: string): BlankDocument | undefined {
  return blankDocuments(userId).find((d) => d.documentId === documentId && d.madeOffline === true);
}

/**
 * The server has the document now (a server without a catalogue made it by opening it): it stays on this browser's
 * list, as a blank document of mine, but no longer as one made offline.
 */
export function madeOnServer(userId: string, documentId: string): void {
  const list = blankDocuments(userId);
  if (list.some((d) => d.documentId === documentId && d.madeOffline))
    save(
      userId,
      list.map((d) => (d.documentId === documentId ? { documentId, updatedAt: d.updatedAt } : d)),
    );
}

/** Takes a document off the list (it was deleted). */
export function forgetBlank(userId: string, documentId: string): void {
  const list = blankDocuments(userId);
  if (list.some((d) => d.documentId === documentId))
    save(
      userId,
      list.filter((d) => d.documentId !== documentId),
    );
}

/** A blank document of `ownerId`'s as a row of the documents list (its name is the one typed, else its id). */
export function blankSummary(ownerId: string, doc: BlankDocument): DocumentSummary {
  return {
    documentId: doc.documentId,
    name: doc.name ?? doc.documentId,
    ownerId,
    createdAt: doc.updatedAt,
    updatedAt: doc.updatedAt,
    status: 'blank',
    pages: null,
    jobId: null,
  };
}
