'use client';
import type { DocumentClient } from '@syncline/client';
import type { DocUserInfo } from '@syncline/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useDocumentLease } from './use-document-lease.js';
import { useLatest } from './use-latest.js';

const NONE: ReadonlyMap<string, DocUserInfo> = new Map();

/**
 * The names (and avatars) of `userIds` as the document's replica knows them (`DocumentClient.user`): heard live
 * (members, joins, locks) or remembered by the document (who last opened it under which name, `doc.users`), so a
 * zone's `updatedBy` or an op's author can be named once they have left. Each unknown id is asked of the server
 * once per replica, whichever component asks (`lookUpUsers`); a name heard later (someone rejoins renamed)
 * re-renders. Ids the document never saw are left out (show them another way).
 */
export function useDocumentUsers(
  documentId: string | null | undefined,
  userIds: readonly string[],
): ReadonlyMap<string, DocUserInfo> {
  const doc = useDocumentLease(documentId)?.doc ?? null;
  const key = [...new Set(userIds)].sort().join('\n');
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: generation counts the replica's changes of these users
  const names = useMemo(() => namesOf(doc, key), [doc, key, generation]);
  const shown = useLatest(names);

  useEffect(() => {
    if (!doc || key === '') return;
    const ids = new Set(key.split('\n'));
    const off = doc.on('users', ({ userIds: changed }) => {
      if (changed.some((id) => ids.has(id))) setGeneration((g) => g + 1);
    });
    // A name heard between the render and now (a frame came first) was told to nobody: look again.
    if (!sameNames(namesOf(doc, key), shown.current)) setGeneration((g) => g + 1);
    doc.lookUpUsers(ids);
    return off;
  }, [doc, key, shown]);

  return names;
}

function sameNames(a: ReadonlyMap<string, DocUserInfo>, b: ReadonlyMap<string, DocUserInfo>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, u] of a) {
    const v = b.get(id);
    if (v?.name !== u.name || v?.avatar !== u.avatar) return false;
  }
  return true;
}

function namesOf(doc: DocumentClient | null, key: string): ReadonlyMap<string, DocUserInfo> {
  if (!doc || key === '') return NONE;
  const out = new Map<string, DocUserInfo>();
  for (const id of key.split('\n')) {
    const u = doc.user(id);
    if (u) out.set(id, u);
  }
  return out;
}
