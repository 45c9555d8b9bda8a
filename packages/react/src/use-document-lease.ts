'use client';
import { useEffect, useState } from 'react';
import { useSynclineContext } from './context.js';
import type { DocumentLease } from './document-leases.js';

/**
 * The provider's shared document client of `documentId` while the component is mounted (`null` before
 * the client exists, during server rendering, or without an id).
 */
export function useDocumentLease(documentId: string | null | undefined): DocumentLease | null {
  const { runtime } = useSynclineContext();
  const [lease, setLease] = useState<DocumentLease | null>(null);
  useEffect(() => {
    if (!runtime || !documentId) return;
    const l = runtime.docs.acquire(documentId);
    setLease(l);
    return () => {
      l.release();
      setLease((current) => (current === l ? null : current));
    };
  }, [runtime, documentId]);
  // A lease of another document (the id just changed) is not shown for this one.
  return lease && lease.doc.documentId === documentId ? lease : null;
}
