import type { DocumentSummary } from './api.js';

/**
 * The blank documents (opened by name, without a PDF) a user created that the server does not list, as this browser
 * saw them, so the documents list can show them still: made before the server catalogued blank documents, opened by
 * their address, or on a server without a catalogue. The list registers them with the server (blank-migration.ts),
 * whose list every device sees, and forgets them here once it has them. Kept in localStorage per user, newest first,
 * at most `MAX_BLANK`.
 */
export interface BlankDocument {
  documentId: string;
  /** When it last changed as far as this browser saw (its newest zone's change, else when it was opened). */
  updatedAt: number;
}

export const MAX_BLANK = 100;

const key = (userId: string) => `syncline.studio.blank.${userId}`;

export function blankDocuments(userId: string): BlankDocument[] {
  try {
    const list = JSON.parse(localStorage.getItem(key(userId)) ?? '[]') as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (d): d is BlankDocument => typeof d?.documentId === 'string' && typeof d.updatedAt === 'number',
    );
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

/** Notes (or updates) a blank document of `userId`'s; it goes first. A change is never dated back. */
export function rememberBlank(userId: string, doc: BlankDocument): void {
  const list = blankDocuments(userId);
  const before = list.find((d) => d.documentId === doc.documentId);
  const updatedAt = Math.max(doc.updatedAt, before?.updatedAt ?? 0);
  save(userId, [
    { documentId: doc.documentId, updatedAt },
    ...list.filter((d) => d.documentId !== doc.documentId),
  ]);
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

/** A blank document of `ownerId`'s as a row of the documents list (its name is its id). */
export function blankSummary(ownerId: string, doc: BlankDocument): DocumentSummary {
  return {
    documentId: doc.documentId,
    name: doc.documentId,
    ownerId,
    createdAt: doc.updatedAt,
    updatedAt: doc.updatedAt,
    status: 'blank',
    pages: null,
    jobId: null,
  };
}
