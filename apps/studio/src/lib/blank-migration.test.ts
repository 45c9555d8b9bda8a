// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { type BlankDocument, blankDocuments, rememberBlank } from './blank-documents.js';
import { migrateBlankDocuments } from './blank-migration.js';

describe('migrateBlankDocuments', () => {
  beforeEach(() => localStorage.clear());

  it('registers the remembered blank documents the server does not list, once, and forgets those it has', async () => {
    rememberBlank('ada', { documentId: 'listed', updatedAt: 1 });
    rememberBlank('ada', { documentId: 'old', updatedAt: 2 });
    rememberBlank('ada', { documentId: 'deleted', updatedAt: 3 });
    rememberBlank('ada', { documentId: 'offline', updatedAt: 4 });
    rememberBlank('ben', { documentId: 'bens', updatedAt: 5 });
    const asked: string[] = [];
    const register = async ({ documentId }: BlankDocument) => {
      asked.push(documentId);
      if (documentId === 'deleted') throw new ApiError(409, 'conflict', 'the document deleted was deleted');
      if (documentId === 'offline') throw new TypeError('Failed to fetch');
    };
    expect(await migrateBlankDocuments('ada', new Set(['listed', 'pdf-1']), register)).toBe(true);
    expect(asked.sort()).toEqual(['deleted', 'offline', 'old']);
    // Registered or taken: the server's list is the one now. Not reached: still shown from this browser's list.
    expect(blankDocuments('ada')).toEqual([{ documentId: 'offline', updatedAt: 4 }]);
    expect(blankDocuments('ben')).toEqual([{ documentId: 'bens', updatedAt: 5 }]);
    // Once per page load: not asked again.
    expect(await migrateBlankDocuments('ada', new Set(), register)).toBe(false);
    expect(asked).toHaveLength(3);
    expect(blankDocuments('ada')).toEqual([{ documentId: 'offline', updatedAt: 4 }]);
  });

  it('keeps a document the server refuses otherwise (no catalogue there: 404)', async () => {
    rememberBlank('cy', { documentId: 'notes', updatedAt: 1 });
    const register = async () => {
      throw new ApiError(404, 'not_found', 'no such route');
    };
    expect(await migrateBlankDocuments('cy', new Set(), register)).toBe(false);
    expect(blankDocuments('cy')).toEqual([{ documentId: 'notes', updatedAt: 1 }]);
  });

  it('keeps one the registration says has no catalogue to go in (createOnServer: `no-catalogue`)', async () => {
    rememberBlank('dee', { documentId: 'notes', updatedAt: 1 });
    expect(await migrateBlankDocuments('dee', new Set(), async () => 'no-catalogue')).toBe(false);
    expect(blankDocuments('dee')).toEqual([{ documentId: 'notes', updatedAt: 1 }]);
  });
});
