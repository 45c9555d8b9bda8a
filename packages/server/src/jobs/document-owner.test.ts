import { describe, expect, it } from 'vitest';
import { documentOwner } from './document-owner.js';
import type { UploadedDocument } from './uploaded-document.js';

const catalogue = (docs: Record<string, string>) => ({
  getDocument: async (id: string) =>
    id in docs ? ({ documentId: id, ownerId: docs[id] } as UploadedDocument) : undefined,
});
const zoneDocs = (docs: Record<string, string | undefined>) => ({
  info: async (id: string) =>
    id in docs
      ? { documentId: id, version: 0, createdAt: 0, ...(docs[id] === undefined ? {} : { ownerId: docs[id] }) }
      : undefined,
});

describe('documentOwner', () => {
  it('is the uploader the catalogue names, before the zone document’s creator', async () => {
    expect(await documentOwner(catalogue({ d: 'olga' }), zoneDocs({ d: 'pipeline' }), 'd')).toEqual({
      ownerId: 'olga',
    });
  });

  it('is the creator of a document never uploaded, none for one without, null for an unknown one', async () => {
    const docs = zoneDocs({ notes: 'ann', bare: undefined });
    expect(await documentOwner(catalogue({}), docs, 'notes')).toEqual({ ownerId: 'ann' });
    expect(await documentOwner(catalogue({}), docs, 'bare')).toEqual({});
    expect(await documentOwner(catalogue({}), docs, 'nope')).toBeNull();
  });
});
