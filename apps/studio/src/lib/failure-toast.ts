import type { Notification } from '@syncline/react';

/** Why a document failed: the error it failed with (`not_found` when deleted, `forbidden`, ...). */
export interface DocFailure {
  code: string;
  message: string;
}

/**
 * Whether toast `n` is the "Document error" of the very error document `documentId` failed with, which its banner
 * already tells (the banner stays, a toast goes: only the toast should go). Toasts of other errors, of other
 * documents, and refusals or conflicts are not.
 */
export function repeatsFailure(n: Notification, documentId: string, failure: DocFailure): boolean {
  return (
    n.kind === 'error' &&
    n.documentId === documentId &&
    n.code === failure.code &&
    n.message === failure.message
  );
}
