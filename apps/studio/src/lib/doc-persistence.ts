import { IndexedDBDocPersistence } from '@syncline/client';

/** Where Studio kept every user's unconfirmed edits before it had one database per user (the client's default). */
export const SHARED_DATABASE = 'syncline-documents';

/** One per user for the page's life: the client tells closing documents apart by their persistence object. */
const byUser = new Map<string, IndexedDBDocPersistence>();

/**
 * The persistence of a user's unconfirmed edits: one IndexedDB database per user, so a second account signed in on
 * the same device neither sees the first one's unsent text nor, by discarding it, loses it for them. The user's
 * records in the database all users shared before (`SHARED_DATABASE`) are moved into theirs on first use, so edits
 * left unsent then are sent now. The same object for every sign-in of the user; `undefined` without IndexedDB.
 * `indexedDB` and `keyRange` (tests) are read when the user's persistence is made.
 */
export function persistenceFor(
  userId: string,
  indexedDB: IDBFactory | undefined = globalThis.indexedDB,
  keyRange: typeof IDBKeyRange | undefined = globalThis.IDBKeyRange,
): IndexedDBDocPersistence | undefined {
  if (indexedDB === undefined) return undefined;
  let persistence = byUser.get(userId);
  if (!persistence) {
    persistence = new IndexedDBDocPersistence({
      name: `syncline-studio-${encodeURIComponent(userId)}`,
      indexedDB,
      keyRange,
      migrateFrom: { name: SHARED_DATABASE, userId },
    });
    byUser.set(userId, persistence);
  }
  return persistence;
}
