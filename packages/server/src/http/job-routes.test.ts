import { connect } from 'node:net';
import { ErrorCode } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { DownloadLinks } from '../auth/download-links.js';
import { SynclineError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { JobService } from '../jobs/job-service.js';
import { type JobRoutesContext, sizeText } from './job-routes.js';
import { closeJobRouteServersAfterEach, serveJobRoutes } from './testing/serve-job-routes.js';

/** The address of the server `serve` started last. */
let lastBase = '';

/** The job routes on their own HTTP server, over a stand-in job service that records what it is asked. */
async function serve(ctx: Partial<JobRoutesContext>) {
  const discarded: string[] = [];
  const uploads: string[] = [];
  const deleted: string[] = [];
  const jobs = {
    maxUploadBytes: 1024,
    upload: async () => {
      uploads.push('pdf-1');
      return { documentId: 'pdf-1', jobId: 'job-1' };
    },
    discardUpload: async (documentId: string) => {
      discarded.push(documentId);
    },
    deleteDocument: async (_user: Identity, documentId: string) => {
      deleted.push(documentId);
    },
    // Exports: `e1` is olga's; `e2` is someone else's, `e-gone` olga's whose file was deleted since.
    checkExport: async (user: Identity | null, exportId: string) => {
      if (!['e1', 'e2', 'e-gone'].includes(exportId))
        throw new SynclineError(ErrorCode.NotFound, 'no such export');
      if (user && user.userId !== (exportId === 'e2' ? 'mallory' : 'olga')) {
        throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
      }
      return { result: {}, documentName: 'report.pdf' };
    },
    exportFile: async (user: Identity | null, exportId: string) => {
      await jobs.checkExport(user, exportId);
      if (exportId === 'e-gone')
        throw new SynclineError(ErrorCode.NotFound, 'the export file is no longer stored');
      return {
        result: { contentType: 'text/markdown' },
        bytes: Buffer.from(`# ${exportId}`),
        fileName: 'report.md',
      };
    },
    checkDocumentFile: async (user: Identity | null, documentId: string) => {
      if (documentId !== 'pdf-1') throw new SynclineError(ErrorCode.NotFound, 'no such document');
      if (user && user.userId !== 'olga')
        throw new SynclineError(ErrorCode.Forbidden, 'no access to this document');
      return { documentId, name: 'report.pdf' };
    },
    documentFile: async (user: Identity | null, documentId: string) => ({
      doc: await jobs.checkDocumentFile(user, documentId),
      bytes: Buffer.from('%PDF-1.7\n'),
    }),
  } as unknown as JobService;
  const base = await serveJobRoutes(jobs, ctx);
  lastBase = base;
  const upload = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers: { authorization: 'Bearer olga', 'content-type': 'application/pdf' },
      body: '%PDF-1.7\n',
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, body: (await res.json()) as unknown, ms: performance.now() - t0 };
  };
  /** `method path` with `token` as the bearer token (none when null). */
  const call = async (method: string, path: string, token: string | null = 'olga') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // a file
    }
    return { status: res.status, body, headers: res.headers };
  };
  return { upload, discarded, uploads, deleted, call };
}

closeJobRouteServersAfterEach();

/** A bare TCP connection to the last server `serve` started: what it answered so far, and when it closed. */
function rawSocket() {
  const socket = connect(Number(new URL(lastBase).port), '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed, answer: () => answer };
}

describe('POST /api/documents, waiting for the upload to be stored', () => {
  it('answers 201 once the commit is done', async () => {
    const { upload, discarded } = await serve({ durable: () => Promise.resolve() });
    expect(await upload()).toMatchObject({ status: 201, body: { documentId: 'pdf-1', jobId: 'job-1' } });
    expect(discarded).toEqual([]);
  });

  it('answers 503 unavailable when the commit never comes, instead of hanging, and keeps the upload', async () => {
    const { upload, discarded } = await serve({
      durable: () => new Promise<void>(() => {}),
      durableTimeoutMs: 200,
    });
    const r = await upload();
    expect(r).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(r.ms).toBeLessThan(2_000);
    // A late commit may still land: the document is not taken away from under it.
    expect(discarded).toEqual([]);
  });

  it('answers 503 unavailable at once when the commit failed, and discards the lost upload’s file', async () => {
    const { upload, discarded } = await serve({
      durable: () => Promise.reject(new SynclineError(ErrorCode.Unavailable, 'storage failed')),
    });
    const r = await upload();
    expect(r).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable', message: 'storage failed' } },
    });
    expect(discarded).toEqual(['pdf-1']);
  });

  it('answers 408 timeout, and closes the connection, when the body stops short of its Content-Length', async () => {
    const { uploads } = await serve({ durable: () => Promise.resolve(), bodyIdleTimeoutMs: 150 });
    const raw = rawSocket();
    raw.socket.write(
      'POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer olga\r\n' +
        'Content-Type: application/pdf\r\nContent-Length: 500\r\n\r\n%PDF-1.7\n',
    );
    await raw.closed;
    expect(raw.answer()).toMatch(/^HTTP\/1.1 408/);
    expect(raw.answer()).toMatch(/connection: close/i);
    expect(raw.answer()).toContain('"code":"timeout"');
    expect(uploads).toEqual([]);
  });

  it.each([
    ['415, a body that is not a PDF', 'Authorization: Bearer olga\r\nContent-Type: text/plain', 415],
    ['401, no credentials', 'Content-Type: application/pdf', 401],
  ])(
    'reads no more than 1 MiB of a refused upload (%s), then closes the connection',
    async (_, headers, status) => {
      await serve({ durable: () => Promise.resolve() });
      const raw = rawSocket();
      const { socket } = raw;
      let closed = false;
      void raw.closed.then(() => {
        closed = true;
      });
      socket.write(
        `POST /api/documents HTTP/1.1\r\nHost: x\r\n${headers}\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      let sent = 0;
      while (!closed && sent < 50 * 1024 * 1024) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        sent += chunk.length;
      }
      await Promise.race([raw.closed, new Promise((r) => setTimeout(r, 2000))]); // the answer is in before the close
      expect(raw.answer()).toMatch(new RegExp(`^HTTP/1.1 ${status}`));
      expect(closed).toBe(true);
      expect(sent).toBeLessThan(10 * 1024 * 1024);
      socket.destroy();
    },
  );

  it('says every method /api/documents takes when refusing another', async () => {
    const { call } = await serve({ durable: () => Promise.resolve() });
    const res = await call('PUT', '/api/documents');
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST']);
  });

  it('deletes the document of an upload whose client left before the answer (cancelled at the last byte)', async () => {
    let committed: () => void = () => {};
    const { deleted } = await serve({ durable: () => new Promise<void>((resolve) => (committed = resolve)) });
    const { port } = new URL(lastBase);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      'POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer olga\r\n' +
        'Content-Type: application/pdf\r\nContent-Length: 9\r\n\r\n%PDF-1.7\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // the body is read, the commit awaited
    socket.destroy();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deleted).toEqual([]);
    committed();
    const deadline = Date.now() + 2_000;
    while (deleted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(deleted).toEqual(['pdf-1']);
  });

  it('answers 503 unavailable while the server is stopping, without storing anything', async () => {
    const { upload, uploads } = await serve({ durable: () => Promise.resolve(), stopping: () => true });
    const r = await upload();
    expect(r).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(uploads).toEqual([]);
  });
});

describe('download links', () => {
  const T0 = 1_700_000_000_000;
  const withLinks = (now = () => T0) =>
    serve({
      links: new DownloadLinks({ secret: 'route-test-secret', ttlMs: 60_000, clockToleranceS: 0, now }),
    });

  it('gives a signed URL of an export to a user with access, which downloads it without credentials', async () => {
    const { call } = await withLinks();
    const link = await call('POST', '/api/exports/e1/link');
    expect(link).toMatchObject({ status: 200, body: { expiresAt: T0 + 60_000 } });
    const { url } = link.body as { url: string };
    expect(url).toMatch(/^\/api\/exports\/e1\?ticket=[\w.-]+$/);
    expect(url).not.toContain('token=');
    const file = await call('GET', url, null);
    expect(file).toMatchObject({ status: 200, body: '# e1' });
    expect(file.headers.get('cache-control')).toBe('private, no-store');
    expect(file.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives a signed URL of an uploaded PDF the same way', async () => {
    const { call } = await withLinks();
    const link = await call('POST', '/api/documents/pdf-1/file/link');
    expect(link.status).toBe(200);
    const { url } = link.body as { url: string };
    expect(url).toMatch(/^\/api\/documents\/pdf-1\/file\?ticket=/);
    const file = await call('GET', url, null);
    expect(file).toMatchObject({ status: 200, body: '%PDF-1.7\n' });
  });

  it('checks access when the link is asked for: 401 without credentials, 403 without access, 404 unknown', async () => {
    const { call } = await withLinks();
    expect(await call('POST', '/api/exports/e1/link', null)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect(await call('POST', '/api/exports/e2/link')).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await call('POST', '/api/exports/nope/link')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await call('POST', '/api/documents/pdf-2/file/link')).toMatchObject({ status: 404 });
    expect(await call('GET', '/api/exports/e1/link')).toMatchObject({ status: 405 });
  });

  it('refuses a link for another file, an altered one, and one whose time is up', async () => {
    let now = T0;
    const { call } = await withLinks(() => now);
    const { url } = (await call('POST', '/api/exports/e1/link')).body as { url: string };
    const ticket = new URL(url, 'http://x').searchParams.get('ticket') as string;
    // The ticket of e1 on e2 (which mallory made: a link must not open a file its holder could not).
    expect(await call('GET', `/api/exports/e2?ticket=${ticket}`, null)).toMatchObject({
      status: 403,
      body: { error: { code: 'link_invalid', message: 'the download link is for another file' } },
    });
    expect(await call('GET', `/api/documents/e1/file?ticket=${ticket}`, null)).toMatchObject({
      status: 403,
      body: { error: { code: 'link_invalid' } },
    });
    expect(await call('GET', `${url}x`, null)).toMatchObject({
      status: 403,
      body: { error: { code: 'link_invalid' } },
    });
    // A ticket decides, whatever the Authorization header says.
    expect(await call('GET', '/api/exports/e1?ticket=', 'olga')).toMatchObject({ status: 403 });
    now += 60_000;
    expect(await call('GET', url, null)).toMatchObject({
      status: 403,
      body: { error: { code: 'link_expired', message: expect.stringMatching(/expired/) } },
    });
  });

  it('answers 404 for a link to a file deleted since it was made', async () => {
    const { call } = await withLinks();
    const { url } = (await call('POST', '/api/exports/e-gone/link')).body as { url: string };
    expect(await call('GET', url, null)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
  });

  it('no longer takes the bearer token in the URL, and says what to do instead', async () => {
    const { call } = await withLinks();
    const res = await call('GET', '/api/exports/e1?token=olga', null);
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((res.body as { error: { message: string } }).error.message).toMatch(/link/);
    expect(await call('GET', '/api/documents/pdf-1/file?token=olga', null)).toMatchObject({ status: 401 });
    // The header still works.
    expect(await call('GET', '/api/exports/e1')).toMatchObject({ status: 200 });
  });
});

describe('sizeText', () => {
  it('says a size limit in units people read', () => {
    expect(sizeText(52_428_800)).toBe('50 MB');
    expect(sizeText(256 * 1024)).toBe('256 KB');
    expect(sizeText(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(sizeText(500)).toBe('500 bytes');
  });
});
