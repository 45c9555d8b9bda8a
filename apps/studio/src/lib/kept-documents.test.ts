// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DocumentSummary, deleteDocument, listDocuments } from './api.js';
import type { Auth } from './auth.js';
import { cachedDocument, keepFirst, keptList, LEGACY_KEY } from './kept-documents.js';

const row = (documentId: string, ownerId = 'ada'): DocumentSummary => ({
  documentId,
  name: documentId,
  ownerId,
  createdAt: 1,
  updatedAt: 1,
  status: 'processed',
  pages: 1,
  jobId: null,
});
const signIn = (userId: string) =>
  ({ identity: { userId, name: userId }, token: async () => 'token' }) as unknown as Auth;
const offline = () => vi.fn(() => Promise.reject(new TypeError('Failed to fetch')));
const listing = (documents: DocumentSummary[]) => vi.fn(async () => Response.json({ documents }));

describe('the documents list kept for offline use', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it('is each user’s own: offline, another user of the browser never gets someone else’s list', async () => {
    vi.stubGlobal('fetch', listing([row('ada-report')]));
    expect(await listDocuments(signIn('ada'))).toEqual([row('ada-report')]);

    vi.stubGlobal('fetch', offline());
    await expect(listDocuments(signIn('ben'))).rejects.toThrow('Failed to fetch');
    expect(cachedDocument('ben', 'ada-report')).toBeUndefined();
    expect(await listDocuments(signIn('ada'))).toEqual([row('ada-report')]);
    expect(cachedDocument('ada', 'ada-report')?.name).toBe('ada-report');
  });

  it('is shown when a proxy answers for a server that is down (5xx), not when the server refuses (4xx)', async () => {
    vi.stubGlobal('fetch', listing([row('ada-report')]));
    await listDocuments(signIn('ada'));
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>Bad Gateway</html>', { status: 502 })),
    );
    expect(await listDocuments(signIn('ada'))).toEqual([row('ada-report')]);
    await expect(listDocuments(signIn('ben'))).rejects.toMatchObject({ status: 502 }); // nothing kept for Ben
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ error: { code: 'forbidden', message: 'no' } }, { status: 403 })),
    );
    await expect(listDocuments(signIn('ada'))).rejects.toMatchObject({ status: 403 });
  });

  it('drops the list once kept for everyone, the first time a user’s own is kept', async () => {
    localStorage.setItem(LEGACY_KEY, JSON.stringify([row('someone-elses')]));
    vi.stubGlobal('fetch', listing([]));
    await listDocuments(signIn('ben'));
    expect(localStorage.getItem(LEGACY_KEY)).toBeNull();
    vi.stubGlobal('fetch', offline());
    expect(await listDocuments(signIn('ben'))).toEqual([]);
  });

  it('takes a deleted document off, and puts a new one first', async () => {
    keepFirst('ada', row('old'));
    keepFirst('ada', row('new'));
    expect(keptList('ada')?.map((d) => d.documentId)).toEqual(['new', 'old']);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ documentId: 'old', deleted: true })),
    );
    vi.stubGlobal('indexedDB', undefined);
    await deleteDocument(signIn('ada'), 'old');
    expect(keptList('ada')?.map((d) => d.documentId)).toEqual(['new']);
  });

  it('survives a damaged entry', () => {
    localStorage.setItem('syncline.studio.documents.ada', '{not json');
    expect(keptList('ada')).toBeNull();
    expect(cachedDocument('ada', 'x')).toBeUndefined();
  });
});
