import type { DocumentSummary } from './api.js';

/**
 * The documents list kept for offline use (what `GET /api/documents` last said), per user, in localStorage
 * (`syncline.studio.documents.<userId>`): a second account signed in on the same browser never sees the first one's
 * document names. One list used to be kept for everyone (`LEGACY_KEY`, and the service worker kept the response by
 * URL); the shared one is removed the first time a user's list is kept.
 */
const keyOf = (userId: string) => `syncline.studio.documents.${userId}`;
export const LEGACY_KEY = 'syncline.studio.documents';

/** The user's kept list, or null when none was kept (or it is unreadable). */
export function keptList(userId: string): DocumentSummary[] | null {
  try {
    const list = JSON.parse(localStorage.getItem(keyOf(userId)) ?? 'null') as unknown;
    return Array.isArray(list) ? (list as DocumentSummary[]) : null;
  } catch {
    return null;
  }
}

/** Keeps `list` as the user's (storage full or unavailable: not kept, the next listing brings it). */
export function keepDocuments(userId: string, list: DocumentSummary[]): void {
  try {
    localStorage.setItem(keyOf(userId), JSON.stringify(list));
    localStorage.removeItem(LEGACY_KEY);
  } catch {
    // not kept
  }
}

/** Puts `entry` first on the user's kept list (a document just made). */
export function keepFirst(userId: string, entry: DocumentSummary): void {
  const others = (keptList(userId) ?? []).filter((d) => d.documentId !== entry.documentId);
  keepDocuments(userId, [entry, ...others]);
}

/** Takes a document off the user's kept list (deleted). */
export function forgetKept(userId: string, documentId: string): void {
  const list = keptList(userId);
  if (list)
    keepDocuments(
      userId,
      list.filter((d) => d.documentId !== documentId),
    );
}

/** A document's row in the user's kept list (what the list last said of it), if any. */
export function cachedDocument(userId: string, documentId: string): DocumentSummary | undefined {
  return keptList(userId)?.find((d) => d.documentId === documentId);
}
