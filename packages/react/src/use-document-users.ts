'use client';
import type { DocumentClient } from '@syncline/client';
import type { DocUserInfo } from '@syncline/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useDocumentLease } from './use-document-lease.js';

/**
 * What one document's replica has learnt of its users (`doc.users`), shared by every component that asks: each
 * id is asked for once (`null` while asked, and for an id the document does not know).
 */
interface UserDirectory {
  known: Map<string, DocUserInfo | null>;
  listeners: Set<() => void>;
}

const directories = new WeakMap<DocumentClient, UserDirectory>();

function directoryOf(doc: DocumentClient): UserDirectory {
  let dir = directories.get(doc);
  if (!dir) {
    dir = { known: new Map(), listeners: new Set() };
    directories.set(doc, dir);
  }
  return dir;
}

const NONE: ReadonlyMap<string, DocUserInfo> = new Map();

/**
 * The names (and avatars) the document remembers for `userIds`: who last opened it under which name, so a
 * zone's `updatedBy` or an op's author can be named once they have left. Ids the document never saw are left
 * out (show them another way). Each id is asked for once per document replica, whichever component asks; a
 * failed request is asked again when the ids change. Names are not followed live: for people in the room, the
 * presence list has their current name.
 */
export function useDocumentUsers(
  documentId: string | null | undefined,
  userIds: readonly string[],
): ReadonlyMap<string, DocUserInfo> {
  const doc = useDocumentLease(documentId)?.doc ?? null;
  const key = [...new Set(userIds)].sort().join('\n');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!doc || key === '') return;
    const dir = directoryOf(doc);
    const changed = () => setGeneration((g) => g + 1);
    dir.listeners.add(changed);
    const missing = key.split('\n').filter((id) => !dir.known.has(id));
    if (missing.length > 0) {
      for (const id of missing) dir.known.set(id, null);
      const notify = () => {
        for (const l of dir.listeners) l();
      };
      doc.ready
        .then(() => doc.users(missing))
        .then(
          (users) => {
            for (const u of users) dir.known.set(u.userId, u);
            notify();
          },
          () => {
            // Asked again when the ids change (names are cosmetic: no error to show).
            for (const id of missing) if (dir.known.get(id) === null) dir.known.delete(id);
          },
        );
    }
    return () => {
      dir.listeners.delete(changed);
    };
  }, [doc, key]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the directory's change counter
  return useMemo(() => {
    if (!doc || key === '') return NONE;
    const dir = directoryOf(doc);
    const out = new Map<string, DocUserInfo>();
    for (const id of key.split('\n')) {
      const u = dir.known.get(id);
      if (u) out.set(id, u);
    }
    return out;
  }, [doc, key, generation]);
}
