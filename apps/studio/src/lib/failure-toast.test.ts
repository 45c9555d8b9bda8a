import type { Notification } from '@syncline/react';
import { describe, expect, it } from 'vitest';
import { repeatsFailure } from './failure-toast.js';

const toast = (n: Partial<Notification>): Notification => ({
  id: 'doc:d1:error:not_found:',
  kind: 'error',
  title: 'Document error',
  message: 'the document was deleted by Ada',
  code: 'not_found',
  documentId: 'd1',
  zoneIds: [],
  createdAt: 0,
  sticky: false,
  ...n,
});

describe('repeatsFailure', () => {
  const deleted = { code: 'not_found', message: 'the document was deleted by Ada' };

  it('is the toast of the error the document failed with', () => {
    expect(repeatsFailure(toast({}), 'd1', deleted)).toBe(true);
  });

  it('is not a toast of another error, of another document, or a refusal with the same code', () => {
    expect(
      repeatsFailure(toast({ code: 'internal', message: 'could not load saved edits' }), 'd1', deleted),
    ).toBe(false);
    expect(repeatsFailure(toast({ message: 'no such zone' }), 'd1', deleted)).toBe(false);
    expect(repeatsFailure(toast({ documentId: 'd2' }), 'd1', deleted)).toBe(false);
    expect(repeatsFailure(toast({ kind: 'rejected' }), 'd1', deleted)).toBe(false);
    expect(repeatsFailure(toast({ documentId: undefined }), 'd1', deleted)).toBe(false);
  });
});
