import type { DownloadLink } from '@syncline/protocol';
import type { Auth } from './auth.js';
import { forgetKept, keepDocuments, keepFirst, keptList } from './kept-documents.js';
import { type PdfEntry, pdfCacheFor } from './pdf-cache.js';

/** A document uploaded over HTTP, as `GET /api/documents` lists it. */
export interface DocumentSummary {
  documentId: string;
  name: string;
  ownerId: string;
  createdAt: number;
  updatedAt: number;
  status: string;
  pages: number | null;
  jobId: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Why, where the server says more than the code: a `conflict` of a taken id is `exists` or `deleted`. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Calls Syncline's HTTP API with the user's token (a 401 is retried once with a fresh token). */
export async function apiFetch(auth: Auth, path: string, init: RequestInit = {}): Promise<Response> {
  const send = async (fresh: boolean) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await auth.token(fresh)}`);
    return fetch(path, { ...init, headers });
  };
  let res = await send(false);
  if (res.status === 401) res = await send(true);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; reason?: string };
    };
    throw new ApiError(
      res.status,
      body.error?.code ?? String(res.status),
      body.error?.message ?? `the server answered ${res.status}`,
      typeof body.error?.reason === 'string' ? body.error.reason : undefined,
    );
  }
  return res;
}

/**
 * The documents list; the last one fetched is kept for offline use, and shown when the server cannot be reached or
 * answers 5xx (down behind a proxy, or failing), as `fetchDocumentFile` does with a PDF.
 */
export async function listDocuments(auth: Auth): Promise<DocumentSummary[]> {
  try {
    const res = await apiFetch(auth, '/api/documents');
    const { documents } = (await res.json()) as { documents: DocumentSummary[] };
    keepDocuments(auth.identity.userId, documents);
    return documents;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) throw error;
    const kept = keptList(auth.identity.userId);
    if (kept) return kept;
    throw error;
  }
}

/**
 * Deletes a document for good (`DELETE /api/documents/:id`: its owner or an admin): its zones, history, files and
 * jobs. Everyone who has it open is told. Also takes it off the list kept for offline use, and its PDF out of the
 * user's cache.
 */
export async function deleteDocument(auth: Auth, documentId: string): Promise<void> {
  await apiFetch(auth, `/api/documents/${encodeURIComponent(documentId)}`, { method: 'DELETE' });
  const userId = auth.identity.userId;
  void pdfCacheFor(userId)?.delete(documentId);
  forgetKept(userId, documentId);
}

/**
 * Makes a blank document (no PDF) in the server's catalogue (`POST /api/documents` with a JSON body), so the user's
 * list shows it on every device; resolves its entry, which also goes on the list kept for offline use. An existing
 * document the user opened by name before is catalogued as it is. Refused `conflict` (409) when the id is taken, with
 * `reason` `exists` (someone's document) or `deleted` (a deleted one's: never used again), `invalid` (400) for a bad
 * name or id; 404 from a server without a catalogue.
 */
export async function createBlankDocument(
  auth: Auth,
  blank: { name: string; documentId?: string },
): Promise<DocumentSummary> {
  const res = await apiFetch(auth, '/api/documents', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(blank),
  });
  const created = (await res.json()) as DocumentSummary;
  keepFirst(auth.identity.userId, created);
  return created;
}

/** Why an upload did not finish: `signal` (uploadDocument's) was aborted, by the user's Cancel. */
export class UploadCancelled extends Error {
  constructor(
    /**
     * The document made all the same, that could not be deleted (offline by then, say): the list shows it. Null when
     * nothing was left behind.
     */
    readonly leftBehind: string | null = null,
  ) {
    super(leftBehind ? 'cancelled, but the document was made and could not be deleted' : 'cancelled');
  }
}

/**
 * Uploads a PDF (`POST /api/documents`, the bytes as the body) with upload progress; resolves with the new
 * document's id and its processing job. Aborting `signal` cancels it (rejecting with `UploadCancelled`) and leaves no
 * document: while the bytes are still going, the request is aborted (the server reads the body to its end before it
 * makes anything, and drops one cut short); once they have all gone, the server may be making the document already, so
 * its answer is awaited and the document it made deleted. The browser does not always say when the last byte went (a
 * small file's upload events may come only with the answer), so after an abort the user's list is checked too: a
 * document of that name that was not there before the upload is the one the server made all the same, and is deleted.
 * (One the server is still making by then, it deletes itself once it finds its client gone before the answer.)
 */
export async function uploadDocument(
  auth: Auth,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<{ documentId: string; jobId: string }> {
  if (signal?.aborted) throw new UploadCancelled();
  const token = await auth.token();
  // What the user had before, to find the document an aborted request made after all (`cancelledMade`).
  const listed = await listedNow(auth);
  const before = listed && new Set(listed.map((d) => d.documentId));
  if (signal?.aborted) throw new UploadCancelled();
  let aborted = false;
  const made = await new Promise<{ documentId: string; jobId: string }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    // Whether the whole body was sent: from then on, aborting could leave a document made without its answer.
    let sent = false;
    const cancel = () => {
      if (sent) return;
      aborted = true;
      xhr.abort();
      reject(new UploadCancelled());
    };
    signal?.addEventListener('abort', cancel, { once: true });
    const settled = () => signal?.removeEventListener('abort', cancel);
    xhr.open('POST', '/api/documents');
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/pdf');
    xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      if (e.loaded >= e.total) sent = true;
      onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => {
      sent = true;
    };
    xhr.onerror = () => {
      settled();
      reject(new ApiError(0, 'network', 'the upload failed: no connection to the server'));
    };
    xhr.onload = () => {
      settled();
      let body: { documentId?: string; jobId?: string; error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.documentId) {
        resolve({ documentId: body.documentId, jobId: body.jobId ?? '' });
      } else if (signal?.aborted) {
        // Cancelled after the bytes had gone, and nothing was made after all.
        reject(new UploadCancelled());
      } else {
        reject(
          new ApiError(
            xhr.status,
            body.error?.code ?? String(xhr.status),
            body.error?.message ?? `the upload failed (${xhr.status})`,
          ),
        );
      }
    };
    xhr.send(file);
  }).catch(async (error: unknown) => {
    if (aborted && before) await deleteMadeAnyway(auth, file.name, before);
    throw error;
  });
  if (!signal?.aborted) return made;
  // Cancelled once the bytes were all sent: the server made the document, so it goes again.
  try {
    await deleteDocument(auth, made.documentId);
  } catch {
    throw new UploadCancelled(made.documentId);
  }
  throw new UploadCancelled();
}

/** The documents the server lists for the user (not the list kept for offline use), or null when it cannot say. */
async function listedNow(auth: Auth): Promise<DocumentSummary[] | null> {
  try {
    const res = await apiFetch(auth, '/api/documents');
    return ((await res.json()) as { documents: DocumentSummary[] }).documents;
  } catch {
    return null;
  }
}

/**
 * Deletes what an upload of `name` aborted at its last bytes made all the same: the user's documents of that name not
 * in `before`. Rejects with `UploadCancelled` naming the one left behind when it cannot be deleted.
 */
async function deleteMadeAnyway(auth: Auth, name: string, before: Set<string>): Promise<void> {
  for (const d of (await listedNow(auth)) ?? []) {
    if (before.has(d.documentId) || d.name !== name || d.ownerId !== auth.identity.userId) continue;
    try {
      await deleteDocument(auth, d.documentId);
    } catch {
      throw new UploadCancelled(d.documentId);
    }
  }
}

/**
 * A signed URL of one file (an export's, or a document's PDF): `POST …/link` with the user's token in the header. The
 * URL opens that file alone, without other credentials, for about a minute (the token itself never goes in a URL,
 * where browser history and proxy logs would keep it). Ask for one when it is about to be used, not ahead.
 */
export async function downloadLink(
  auth: Auth,
  file: { exportId: string } | { documentId: string },
): Promise<DownloadLink> {
  const path =
    'exportId' in file
      ? `/api/exports/${encodeURIComponent(file.exportId)}/link`
      : `/api/documents/${encodeURIComponent(file.documentId)}/file/link`;
  return (await (await apiFetch(auth, path, { method: 'POST' })).json()) as DownloadLink;
}

/** Saves the file at `url` (a download link) under `name`, as a click on a link to it would. */
export function saveFrom(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * The PDF of a document, or null when it has none (a blank collaborative document). Network first, through the
 * user's PDF cache (pdf-cache.ts): what the server sends is kept; the kept copy is used only when the server cannot
 * be reached or answers that it is down or failing (5xx; then `onCachedCopy` is told), never instead of its answer
 * on the file: a refusal (403) or a missing document (404) stands, and drops the kept copy; `keepOnRefusal` keeps it
 * on a 403 that the caller will ask again about (a shared document's file is refused until its room is joined).
 * Without a kept copy, the error stands as it came.
 */
export async function fetchDocumentFile(
  auth: Auth,
  documentId: string,
  {
    onCachedCopy,
    keepOnRefusal = false,
  }: { onCachedCopy?: (copy: PdfEntry) => void; keepOnRefusal?: boolean } = {},
): Promise<ArrayBuffer | null> {
  const cache = pdfCacheFor(auth.identity.userId);
  try {
    const res = await apiFetch(auth, `/api/documents/${encodeURIComponent(documentId)}/file`);
    const bytes = await res.arrayBuffer();
    void cache?.put(documentId, bytes);
    return bytes;
  } catch (error) {
    // A 5xx is the server down or failing, not its word on the file: a reverse proxy in front of a stopped server
    // answers 502/503/504 where the browser would fail to fetch, our own server 503 `unavailable` while its storage
    // is out. Only a 4xx stands.
    if (error instanceof ApiError && error.status < 500) {
      if ((error.status === 403 && !keepOnRefusal) || error.status === 404) void cache?.delete(documentId);
      if (error.status === 404) return null;
      throw error;
    }
    // No answer (offline, the server down, the connection cut mid-file) or a 5xx: the copy kept when it was last
    // opened.
    const copy = await cache?.get(documentId);
    if (!copy) throw error;
    const { bytes, ...entry } = copy;
    onCachedCopy?.(entry);
    return bytes;
  }
}
