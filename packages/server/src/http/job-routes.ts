import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DownloadLink, ErrorCode } from '@syncline/protocol';
import type { DownloadLinks } from '../auth/download-links.js';
import { SynclineError } from '../core/errors.js';
import type { Authenticate } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import type { Logger } from '../core/logger.js';
import { DocumentIdTaken } from '../jobs/document-id-taken.js';
import type { JobService } from '../jobs/job-service.js';
import { clientIp } from '../transport/client-ip.js';
import { closesConnection, discardBody, discardBodyOnceAnswered, readBody, readJson } from './read-body.js';

export interface JobRoutesContext {
  jobs: JobService;
  /** The same check as the WebSocket handshake's (JWT, or the app's `onAuthenticate`). */
  authenticate: Authenticate;
  /** Signs and checks download links (`POST …/link`, `GET …?ticket=`); without it those routes answer 404. */
  links?: DownloadLinks;
  /** Where downloads by link are recorded (debug), with the user each link was issued to. */
  log?: Logger;
  trustProxy?: boolean;
  /**
   * Resolves once what was written so far is committed (the server's group commit); rejects (`unavailable`) if
   * that commit fails: an upload is answered only when its job is stored.
   */
  durable?: () => Promise<void>;
  /**
   * True once the server is stopping (a shutdown, or fail-stop after a storage failure): uploads and blank documents
   * get 503.
   */
  stopping?: () => boolean;
  /** The longest an upload's answer waits for `durable`, then 503 `unavailable`. Default 10 s. */
  durableTimeoutMs?: number;
  /** How long a request body may go without a byte, then 408 `timeout`. Default `BODY_IDLE_TIMEOUT_MS` (30 s). */
  bodyIdleTimeoutMs?: number;
}

/**
 * A commit normally comes at the end of the upload's own turn (milliseconds): 10 s means the storage is stuck, and
 * the client is better told (503, retry) than left waiting on a request that may never be answered.
 */
export const DURABLE_TIMEOUT_MS = 10_000;

const STATUS: Record<string, number> = {
  [ErrorCode.Invalid]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.LinkInvalid]: 403,
  [ErrorCode.LinkExpired]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Timeout]: 408,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Unavailable]: 503,
};

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, x-file-name',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-expose-headers': 'content-disposition',
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...CORS,
    ...extra,
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown, extra: Record<string, string> = {}): void {
  if (err instanceof SynclineError) {
    // A taken id says why (`exists`, `deleted`), for a client to tell them apart without reading the message.
    const reason = err instanceof DocumentIdTaken ? { reason: err.reason } : {};
    sendJson(
      res,
      STATUS[err.code] ?? 500,
      { error: { code: err.code, message: err.message, ...reason } },
      extra,
    );
  } else {
    sendJson(res, 500, { error: { code: ErrorCode.Internal, message: 'internal error' } }, extra);
  }
}

function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function sendFile(res: ServerResponse, bytes: Uint8Array, type: string, disposition: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': String(bytes.byteLength),
    'content-disposition': disposition,
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    // A link's ticket must not leave in a Referer (a PDF opened in the browser may have links of its own).
    'referrer-policy': 'no-referrer',
    ...CORS,
  });
  res.end(bytes);
}

type Route = 'upload' | 'create' | 'list' | 'delete' | 'file' | 'fileLink' | 'export' | 'exportLink';

/** The largest JSON body of `POST /api/documents` (a blank document's name and id). */
const MAX_JSON_BODY = 16 * 1024;

/** A JSON body (`POST /api/documents` of a blank document) rather than a PDF's bytes. */
const isJson = (req: IncomingMessage): boolean =>
  String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase() === 'application/json';

/**
 * The job routes (see PROTOCOL.md §13.12): `POST /api/documents` (upload a PDF, start processing; or, with a JSON
 * body, make a blank document), `GET /api/documents`, `DELETE /api/documents/:id`, `GET /api/documents/:id/file`,
 * `GET /api/exports/:exportId`, and `POST /api/documents/:id/file/link`, `POST /api/exports/:exportId/link` (a
 * short-lived signed URL of that file). Authenticated with `Authorization: Bearer <token>`; the two downloads also
 * with such a URL's `?ticket=` instead (never with the token itself in the URL: it would end up in histories and
 * logs). Errors are JSON `{error: {code, message}}` (with `reason` on a 409 of a taken id). Returns false for other
 * paths.
 */
export function handleJobRoutes(ctx: JobRoutesContext, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  let route: Route | null = null;
  let id = '';
  let m: RegExpExecArray | null;
  if (path === '/api/documents') route = method === 'POST' ? (isJson(req) ? 'create' : 'upload') : 'list';
  else if ((m = /^\/api\/documents\/([^/]+)$/.exec(path))) {
    route = 'delete';
    id = m[1];
  } else if ((m = /^\/api\/documents\/([^/]+)\/file$/.exec(path))) {
    route = 'file';
    id = m[1];
  } else if ((m = /^\/api\/documents\/([^/]+)\/file\/link$/.exec(path))) {
    route = 'fileLink';
    id = m[1];
  } else if ((m = /^\/api\/exports\/([^/]+)$/.exec(path))) {
    route = 'export';
    id = m[1];
  } else if ((m = /^\/api\/exports\/([^/]+)\/link$/.exec(path))) {
    route = 'exportLink';
    id = m[1];
  }
  if (route === null) return false;
  if (method === 'OPTIONS') {
    res.writeHead(204, { ...CORS, 'access-control-max-age': '600' });
    res.end();
    return true;
  }
  const allowed =
    route === 'delete'
      ? 'DELETE'
      : route === 'upload' || route === 'create' || route === 'fileLink' || route === 'exportLink'
        ? 'POST'
        : 'GET';
  // HEAD is answered as GET (Node leaves the body out): the list, and a download's headers (type, size, name).
  if (method !== allowed && !(allowed === 'GET' && method === 'HEAD')) {
    discardBody(req);
    // `/api/documents` takes GET (and HEAD) to list and POST to upload or create.
    const allow = path === '/api/documents' ? 'GET, HEAD, POST' : allowed === 'GET' ? 'GET, HEAD' : allowed;
    sendJson(res, 405, { error: { code: ErrorCode.MethodNotAllowed, message: `use ${allow}` } }, { allow });
    return true;
  }
  try {
    id = decodeURIComponent(id);
  } catch {
    sendJson(res, 400, { error: { code: ErrorCode.Invalid, message: 'bad id in the path' } });
    return true;
  }
  // Only an upload or a new document has a body: another route's is dropped once answered, not left to Node.
  if (route !== 'upload' && route !== 'create') discardBodyOnceAnswered(req, res);
  void serve(ctx, req, res, route, id, url).catch((err) => {
    // The client went away in the middle of its request (its body cut short): there is no one to answer.
    if (req.socket.destroyed && !(err instanceof SynclineError)) return;
    // An upload refused before it was read (401: a token that expired while the file was chosen) is a file of up to
    // the limit, which its client sends whole before it reads the answer.
    discardBody(req, {
      maxBytes: route === 'upload' ? ctx.jobs.maxUploadBytes : 0,
      idleMs: ctx.bodyIdleTimeoutMs,
    });
    // A store failing under a stopping server (fail-stop after a storage failure, a shutdown closing the stores):
    // not a bug to report as 500, but a 503 to retry later or elsewhere.
    const stopping = !(err instanceof SynclineError) && ctx.stopping?.();
    // Unexpected: the reply says `internal`, the log says what (PROTOCOL §19).
    if (!(err instanceof SynclineError) && !stopping)
      ctx.log?.error({ err, method: req.method, route }, 'request failed');
    sendError(res, stopping ? stoppingError() : err, closesConnection(err) ? { connection: 'close' } : {});
  });
  return true;
}

async function identify(ctx: JobRoutesContext, req: IncomingMessage, url: URL): Promise<Identity> {
  const header = req.headers.authorization;
  let token: string | null = null;
  if (typeof header === 'string' && /^Bearer\s+/i.test(header))
    token = header.replace(/^Bearer\s+/i, '').trim();
  if (!token && url.searchParams.has('token')) {
    // No longer accepted (it was, for download links): say what to do instead.
    throw new SynclineError(
      ErrorCode.Unauthorized,
      'a token in the URL is not accepted: send Authorization: Bearer <token>, or download with a link from POST <path>/link',
    );
  }
  if (!token) throw new SynclineError(ErrorCode.Unauthorized, 'send Authorization: Bearer <token>');
  const info = {
    ip: clientIp(req, ctx.trustProxy),
    origin: req.headers.origin,
    userAgent: req.headers['user-agent'],
  };
  try {
    return await ctx.authenticate(token, info);
  } catch (err) {
    if (err instanceof SynclineError) throw err;
    throw new SynclineError(ErrorCode.Unauthorized, 'invalid token');
  }
}

async function serve(
  ctx: JobRoutesContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  id: string,
  url: URL,
): Promise<void> {
  const { jobs } = ctx;
  const ticket = url.searchParams.get('ticket');
  if (ticket !== null && (route === 'file' || route === 'export')) {
    await serveByLink(ctx, res, route, id, ticket);
    return;
  }
  const user = await identify(ctx, req, url);
  switch (route) {
    case 'upload': {
      const bytes = await readUpload(req, jobs.maxUploadBytes, ctx.bodyIdleTimeoutMs);
      // Said as it is: "not a PDF" would send the user looking for a wrong format.
      if (bytes.byteLength === 0)
        throw new SynclineError(ErrorCode.UnsupportedMediaType, 'the file is empty');
      const name = uploadFileName(req.headers['x-file-name']);
      if (ctx.stopping?.()) throw stoppingError();
      const uploaded = await jobs.upload(user, name, bytes);
      await stored(ctx, 'upload', uploaded.documentId);
      if (req.socket.destroyed) {
        // The client went away before it heard of the document (its user cancelled, or its connection broke): it
        // cannot know the id, and takes the upload for failed. Nothing it did not hear of stays behind.
        await undoUnanswered(ctx, user, uploaded.documentId);
        return;
      }
      sendJson(res, 201, uploaded);
      return;
    }
    case 'create': {
      const body = await readJson(req, MAX_JSON_BODY, ctx.bodyIdleTimeoutMs);
      if (ctx.stopping?.()) throw stoppingError('try again');
      const created = await jobs.createBlank(user, body);
      await stored(ctx, 'document');
      sendJson(res, 201, created);
      return;
    }
    case 'list': {
      const limit = Number(url.searchParams.get('limit') ?? 100);
      sendJson(res, 200, { documents: await jobs.listDocuments(user, limit) });
      return;
    }
    case 'file': {
      const { doc, bytes } = await jobs.documentFile(user, id);
      sendFile(res, bytes, 'application/pdf', contentDisposition('inline', doc.name));
      return;
    }
    case 'delete': {
      await jobs.deleteDocument(user, id);
      await stored(ctx, 'deletion');
      sendJson(res, 200, { documentId: id, deleted: true });
      return;
    }
    case 'export': {
      const { result, bytes, fileName } = await jobs.exportFile(user, id);
      sendFile(res, bytes, result.contentType, contentDisposition('attachment', fileName));
      return;
    }
    case 'fileLink':
      await jobs.checkDocumentFile(user, id);
      sendJson(res, 200, await makeLink(ctx, user, 'file', id));
      return;
    case 'exportLink':
      await jobs.checkExport(user, id);
      sendJson(res, 200, await makeLink(ctx, user, 'export', id));
      return;
  }
}

/**
 * The name of an upload, from `X-File-Name`: URL-encoded, as documented. A name sent as it is, not URL-encoded, is
 * kept: in UTF-8 (`Répört.pdf`, as a client that skips the encoding sends it), whose bytes Node reads as Latin-1
 * (`RÃ©pÃ¶rt.pdf`), it is read again as UTF-8; bytes that are not UTF-8 stay Latin-1.
 */
export function uploadFileName(header: string | string[] | undefined): string {
  if (typeof header !== 'string') return 'document.pdf';
  let name = header;
  if (/[\x80-\xff]/.test(name)) {
    const utf8 = Buffer.from(name, 'latin1').toString('utf8');
    if (!utf8.includes('\uFFFD')) name = utf8;
  }
  try {
    return decodeURIComponent(name);
  } catch {
    return name; // not URL-encoded (`100% done.pdf`): kept as sent
  }
}

/** What a download ticket opens: one document's PDF, or one export's file. */
const linkResource = (kind: 'file' | 'export', id: string): string => `${kind}:${id}`;

const linkPath = (kind: 'file' | 'export', id: string): string =>
  kind === 'file'
    ? `/api/documents/${encodeURIComponent(id)}/file`
    : `/api/exports/${encodeURIComponent(id)}`;

/** A signed URL of one file for `user`, who was just found allowed to read it. */
async function makeLink(
  ctx: JobRoutesContext,
  user: Identity,
  kind: 'file' | 'export',
  id: string,
): Promise<DownloadLink> {
  if (!ctx.links) throw new SynclineError(ErrorCode.NotFound, 'download links are not available here');
  const { ticket, expiresAt } = await ctx.links.issue(user.userId, linkResource(kind, id));
  return { url: `${linkPath(kind, id)}?ticket=${encodeURIComponent(ticket)}`, expiresAt };
}

/**
 * A download by signed URL: the ticket must be genuine, unexpired and for this very file (`link_invalid`,
 * `link_expired`); access was checked when it was issued. The file must still be there (`not_found`).
 */
async function serveByLink(
  ctx: JobRoutesContext,
  res: ServerResponse,
  kind: 'file' | 'export',
  id: string,
  ticket: string,
): Promise<void> {
  if (!ctx.links) throw new SynclineError(ErrorCode.LinkInvalid, 'download links are not available here');
  const userId = await ctx.links.verify(ticket, linkResource(kind, id));
  ctx.log?.debug({ userId, kind, id }, 'download by link');
  if (kind === 'file') {
    const { doc, bytes } = await ctx.jobs.documentFile(null, id);
    sendFile(res, bytes, 'application/pdf', contentDisposition('inline', doc.name));
  } else {
    const { result, bytes, fileName } = await ctx.jobs.exportFile(null, id);
    sendFile(res, bytes, result.contentType, contentDisposition('attachment', fileName));
  }
}

const stoppingError = (again = 'upload again') =>
  new SynclineError(ErrorCode.Unavailable, `the server is stopping; ${again} in a moment`);

/**
 * Waits, at most `durableTimeoutMs`, for what a request wrote (an upload, a blank document, a deletion) to be
 * committed: a client told the document is there, or gone, can rely on it. Either way the answer is 503 `unavailable`
 * otherwise: an upload whose commit failed lost its writes (the server stops: fail-stop), so its file is discarded too
 * (`documentId`); one that is only late may still land, so nothing is undone then (a retried upload is a second
 * document, not a broken one). A blank document is asked again with the same id: made anew if its writes were lost,
 * `conflict` once they landed. A deletion is simply asked again: deleting again is safe (`DocumentDeletion`).
 */
async function stored(
  ctx: JobRoutesContext,
  what: 'upload' | 'document' | 'deletion',
  documentId?: string,
): Promise<void> {
  if (!ctx.durable) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ctx.durableTimeoutMs ?? DURABLE_TIMEOUT_MS);
  });
  let outcome: 'late' | undefined;
  try {
    outcome = await Promise.race([ctx.durable().then(() => undefined), late]);
  } catch (err) {
    // Not awaited: the 503 goes out at once, before the stopping server closes its connections (the discard logs
    // its own failures).
    if (documentId !== undefined) void ctx.jobs.discardUpload(documentId);
    throw err instanceof SynclineError
      ? err
      : new SynclineError(ErrorCode.Unavailable, `the ${what} could not be stored; try again`);
  } finally {
    clearTimeout(timer);
  }
  if (outcome === 'late') {
    throw new SynclineError(ErrorCode.Unavailable, `the ${what} could not be stored in time; try again`);
  }
}

/** Deletes the document an upload made whose client left before the answer (a deletion, told to the owner's list). */
async function undoUnanswered(ctx: JobRoutesContext, user: Identity, documentId: string): Promise<void> {
  try {
    await ctx.jobs.deleteDocument(user, documentId);
    ctx.log?.info({ documentId, userId: user.userId }, 'upload deleted: its client left before the answer');
  } catch (err) {
    ctx.log?.warn({ err, documentId }, 'an upload whose client left could not be deleted');
  }
}

const PDF_TYPES = new Set(['application/pdf', 'application/x-pdf', 'application/octet-stream']);

/** A size limit as people read it: 52428800 → "50 MB", 262144 → "256 KB" (binary units, as the default is set). */
export function sizeText(bytes: number): string {
  const MB = 1024 * 1024;
  const round = (n: number) => String(Math.round(n * 10) / 10);
  if (bytes >= MB) return `${round(bytes / MB)} MB`;
  if (bytes >= 1024) return `${round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * Reads an upload body up to `max` bytes. Over the limit (by `Content-Length`, or while streaming) it
 * answers `too_large` at once and discards the rest of the body; a declared type other than a PDF (or
 * raw bytes) is `unsupported_media_type`.
 */
function readUpload(req: IncomingMessage, max: number, idleMs?: number): Promise<Uint8Array> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== '' && !PDF_TYPES.has(type)) {
    discardBody(req, { maxBytes: max, idleMs });
    return Promise.reject(
      new SynclineError(ErrorCode.UnsupportedMediaType, `Content-Type must be application/pdf, got ${type}`),
    );
  }
  const tooLarge = () =>
    new SynclineError(ErrorCode.TooLarge, `the file is larger than the ${sizeText(max)} limit`);
  return readBody(req, max, tooLarge, idleMs).then((bytes) => new Uint8Array(bytes));
}
