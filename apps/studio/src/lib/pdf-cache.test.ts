import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, deleteDocument, fetchDocumentFile } from './api.js';
import type { Auth } from './auth.js';
import { PdfCache, pdfCacheFor, pdfCacheName } from './pdf-cache.js';

const pdf = (size: number, fill = 1) => new Uint8Array(size).fill(fill).buffer;
const bytesOf = (b: ArrayBuffer | null | undefined) => (b ? [...new Uint8Array(b)] : b);

/** A cache on a fresh fake IndexedDB with a clock the test moves. */
function cache(maxBytes = 100) {
  let t = 1000;
  const c = new PdfCache({ name: 'pdfs', indexedDB: new IDBFactory(), maxBytes, now: () => t });
  return { c, tick: () => ++t };
}

/** IndexedDBs that cannot be used: `open` throws (some private modes), or never answers. */
const throwing = {
  open: () => {
    throw new Error('SecurityError');
  },
} as unknown as IDBFactory;
const silent = { open: () => ({}) } as unknown as IDBFactory;
/** `open` fails (storage disabled). */
const refusing = {
  open: () => {
    const request = { error: new DOMException('no storage', 'InvalidStateError') } as {
      onerror?: () => void;
    };
    queueMicrotask(() => request.onerror?.());
    return request;
  },
} as unknown as IDBFactory;
/** Opens, but no transaction can start (the quota is used up, the database was cleared meanwhile). */
const full = {
  open: () => {
    const request = {} as { result?: unknown; onsuccess?: () => void };
    queueMicrotask(() => {
      request.result = {
        transaction: () => {
          throw new DOMException('quota', 'QuotaExceededError');
        },
        close: () => {},
      };
      request.onsuccess?.();
    });
    return request;
  },
} as unknown as IDBFactory;

describe('PdfCache', () => {
  it('keeps a copy of the bytes: handing them on afterwards (pdf.js transfers them) leaves it whole', async () => {
    const { c } = cache();
    const bytes = pdf(10, 7);
    const put = c.put('d1', bytes);
    structuredClone(bytes, { transfer: [bytes] }); // detaches `bytes`, as pdf.js's worker transfer does
    await put;
    const got = await c.get('d1');
    expect(bytesOf(got?.bytes)).toEqual(Array(10).fill(7));
    expect(got).toMatchObject({ documentId: 'd1', size: 10, fetchedAt: 1000 });
    expect(await c.get('d2')).toBeUndefined();
  });

  it('stays within its budget, dropping the least recently used PDFs first', async () => {
    const { c, tick } = cache(100);
    await c.put('a', pdf(40));
    tick();
    await c.put('b', pdf(40));
    tick();
    await c.get('a'); // opened again: b is now the least recently used
    tick();
    await c.put('c', pdf(40));
    expect((await c.entries()).map((e) => e.documentId)).toEqual(['a', 'c']);
    expect(await c.get('b')).toBeUndefined();
    expect(bytesOf((await c.get('a'))?.bytes)).toHaveLength(40);
  });

  it('does not keep a PDF larger than the whole budget, and drops its older copy', async () => {
    const { c } = cache(100);
    await c.put('big', pdf(50));
    await c.put('small', pdf(30));
    await c.put('big', pdf(101));
    expect((await c.entries()).map((e) => e.documentId)).toEqual(['small']);
  });

  it('marks a PDF kept again at the same size as used, without losing it', async () => {
    const { c, tick } = cache(100);
    await c.put('a', pdf(40, 1));
    await c.put('b', pdf(40, 2));
    tick();
    await c.put('a', pdf(40, 1));
    await c.put('c', pdf(40, 3)); // over budget: b goes, not a
    expect((await c.entries()).map((e) => e.documentId)).toEqual(['a', 'c']);
    expect(await c.get('a')).toMatchObject({ fetchedAt: 1001, size: 40 });
    expect(bytesOf((await c.get('a'))?.bytes)).toEqual(Array(40).fill(1));
  });

  it('drops a PDF', async () => {
    const { c } = cache();
    await c.put('d1', pdf(10));
    await c.delete('d1');
    expect(await c.get('d1')).toBeUndefined();
    expect(await c.entries()).toEqual([]);
  });

  it('never fails when storage does: nothing is found, nothing is kept', async () => {
    for (const indexedDB of [throwing, refusing, full]) {
      const c = new PdfCache({ name: 'pdfs', indexedDB });
      await expect(c.put('d1', pdf(10))).resolves.toBeUndefined();
      await expect(c.get('d1')).resolves.toBeUndefined();
      await expect(c.delete('d1')).resolves.toBeUndefined();
    }
  });

  it('gives up on a database that never opens', async () => {
    vi.useFakeTimers();
    try {
      const c = new PdfCache({ name: 'pdfs', indexedDB: silent });
      const got = c.get('d1');
      await vi.advanceTimersByTimeAsync(5000);
      await expect(got).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('is one database per user', () => {
    const indexedDB = new IDBFactory();
    const ann = pdfCacheFor('ann@example.com', indexedDB);
    expect(pdfCacheFor('ann@example.com', indexedDB)).toBe(ann);
    expect(pdfCacheFor('bob', indexedDB)).not.toBe(ann);
    expect(pdfCacheName('ann@example.com')).toBe('syncline-studio-pdfs:ann%40example.com');
    expect(pdfCacheFor('carl', undefined)).toBeUndefined();
  });
});

describe('fetchDocumentFile through the PDF cache', () => {
  let users = 0;
  /** A signed-in user of their own (the caches are one per user for the module's life). */
  const signIn = (userId = `user-${++users}-${Date.now()}`) =>
    ({ identity: { userId, name: userId }, token: async () => 'token' }) as unknown as Auth;
  const offline = () => Promise.reject(new TypeError('Failed to fetch'));
  const codes: Record<number, string> = { 403: 'forbidden', 404: 'not_found', 503: 'unavailable' };
  /** Our own server's answer: the file, or its JSON error. */
  const answer = (status: number, body: BodyInit | null = null) =>
    vi.fn(async () =>
      status === 200
        ? new Response(body, { status })
        : Response.json({ error: { code: codes[status] ?? 'internal', message: 'no' } }, { status }),
    );
  /** A reverse proxy's answer for a server behind it that is down: an HTML page, not our JSON. */
  const proxy = (status: number) =>
    vi.fn(
      async () =>
        new Response(`<html><body><h1>${status}</h1></body></html>`, {
          status,
          headers: { 'content-type': 'text/html' },
        }),
    );

  afterEach(() => vi.unstubAllGlobals());

  /** `auth`'s cache on a fresh fake IndexedDB, with the PDF of `documentId` opened once online. */
  async function openedOnline(auth: Auth, documentId: string, fill = 9) {
    vi.stubGlobal('indexedDB', new IDBFactory());
    vi.stubGlobal('fetch', answer(200, new Uint8Array(8).fill(fill)));
    expect(bytesOf(await fetchDocumentFile(auth, documentId))).toEqual(Array(8).fill(fill));
    const cache = pdfCacheFor(auth.identity.userId);
    await vi.waitFor(async () => expect(await cache?.entries()).toHaveLength(1));
    return cache;
  }

  it('answers from the copy kept when it was last opened when the server cannot be reached, and says so', async () => {
    const auth = signIn();
    await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', vi.fn(offline));
    const onCachedCopy = vi.fn();
    expect(bytesOf(await fetchDocumentFile(auth, 'd1', { onCachedCopy }))).toEqual(Array(8).fill(9));
    expect(onCachedCopy).toHaveBeenCalledWith(expect.objectContaining({ documentId: 'd1', size: 8 }));
    // Network first: online, the server's answer, not the copy.
    const fresh = answer(200, new Uint8Array(8).fill(3));
    vi.stubGlobal('fetch', fresh);
    expect(bytesOf(await fetchDocumentFile(auth, 'd1', { onCachedCopy }))).toEqual(Array(8).fill(3));
    expect(fresh).toHaveBeenCalledOnce();
    expect(onCachedCopy).toHaveBeenCalledOnce();
  });

  it('fails offline as before when nothing is kept', async () => {
    const auth = signIn();
    await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', vi.fn(offline));
    await expect(fetchDocumentFile(auth, 'd2')).rejects.toThrow('Failed to fetch');
  });

  it('never answers a refusal from the cache, and drops the copy (the server decides who reads)', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', answer(403));
    await expect(fetchDocumentFile(auth, 'd1')).rejects.toMatchObject({ status: 403 });
    await vi.waitFor(async () => expect(await cache?.entries()).toEqual([]));
    vi.stubGlobal('fetch', vi.fn(offline));
    await expect(fetchDocumentFile(auth, 'd1')).rejects.toThrow('Failed to fetch');
  });

  it('keeps the copy on a refusal the caller will ask again about (keepOnRefusal: a room not joined yet)', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', answer(403));
    await expect(fetchDocumentFile(auth, 'd1', { keepOnRefusal: true })).rejects.toMatchObject({
      status: 403,
    });
    expect((await cache?.entries())?.map((e) => e.documentId)).toEqual(['d1']);
    vi.stubGlobal('fetch', vi.fn(offline));
    expect(bytesOf(await fetchDocumentFile(auth, 'd1'))).toEqual(Array(8).fill(9));
  });

  it('drops the copy of a document the server no longer has (deleted): no PDF, online or off', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', answer(404));
    expect(await fetchDocumentFile(auth, 'd1')).toBeNull();
    await vi.waitFor(async () => expect(await cache?.entries()).toEqual([]));
  });

  it('answers from the kept copy when a proxy says the server behind it is down (5xx), as when it cannot be reached', async () => {
    const auth = signIn();
    await openedOnline(auth, 'd1');
    for (const status of [502, 503, 504]) {
      vi.stubGlobal('fetch', proxy(status));
      const onCachedCopy = vi.fn();
      expect(bytesOf(await fetchDocumentFile(auth, 'd1', { onCachedCopy }))).toEqual(Array(8).fill(9));
      expect(onCachedCopy).toHaveBeenCalledWith(expect.objectContaining({ documentId: 'd1', size: 8 }));
    }
  });

  it("fails with the proxy's 5xx when nothing is kept", async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    if (!cache) throw new Error('no cache');
    const get = vi.spyOn(cache, 'get');
    vi.stubGlobal('fetch', proxy(502));
    const onCachedCopy = vi.fn();
    const failed = fetchDocumentFile(auth, 'd2', { onCachedCopy });
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(failed).rejects.toMatchObject({ status: 502, code: '502' });
    expect(get).toHaveBeenCalledWith('d2'); // it looked for a copy, found none: the server's error stands
    expect(onCachedCopy).not.toHaveBeenCalled();
  });

  it('answers from the kept copy, and keeps it, when our own server fails (500) or is unavailable (503)', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    for (const status of [500, 503]) {
      vi.stubGlobal('fetch', answer(status));
      const onCachedCopy = vi.fn();
      expect(bytesOf(await fetchDocumentFile(auth, 'd1', { onCachedCopy }))).toEqual(Array(8).fill(9));
      expect(onCachedCopy).toHaveBeenCalledOnce();
      expect((await cache?.entries())?.map((e) => e.documentId)).toEqual(['d1']);
    }
  });

  it('still drops the copy on a 404 after a 5xx answered from it: a deleted document is not shown again', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    vi.stubGlobal('fetch', proxy(502));
    expect(bytesOf(await fetchDocumentFile(auth, 'd1'))).toEqual(Array(8).fill(9));
    vi.stubGlobal('fetch', answer(404));
    expect(await fetchDocumentFile(auth, 'd1')).toBeNull();
    await vi.waitFor(async () => expect(await cache?.entries()).toEqual([]));
    vi.stubGlobal('fetch', proxy(502));
    await expect(fetchDocumentFile(auth, 'd1')).rejects.toMatchObject({ status: 502 });
  });

  it('drops the copy of a document the user deletes', async () => {
    const auth = signIn();
    const cache = await openedOnline(auth, 'd1');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ documentId: 'd1', deleted: true })),
    );
    await deleteDocument(auth, 'd1');
    await vi.waitFor(async () => expect(await cache?.entries()).toEqual([]));
  });

  it("never gives one user another's copy", async () => {
    const ann = signIn();
    await openedOnline(ann, 'shared');
    vi.stubGlobal('fetch', vi.fn(offline));
    await expect(fetchDocumentFile(signIn(), 'shared')).rejects.toThrow('Failed to fetch');
    expect(bytesOf(await fetchDocumentFile(ann, 'shared'))).toEqual(Array(8).fill(9));
  });

  it('loads from the network as before without usable storage', async () => {
    for (const indexedDB of [undefined, throwing]) {
      const auth = signIn();
      vi.stubGlobal('indexedDB', indexedDB);
      vi.stubGlobal('fetch', answer(200, new Uint8Array(4).fill(5)));
      expect(bytesOf(await fetchDocumentFile(auth, 'd1'))).toEqual(Array(4).fill(5));
      vi.stubGlobal('fetch', vi.fn(offline));
      await expect(fetchDocumentFile(auth, 'd1')).rejects.toThrow('Failed to fetch');
    }
  });
});
