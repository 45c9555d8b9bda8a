import { ErrorCode } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { SynclineError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import { DocumentIdTaken } from '../jobs/document-id-taken.js';
import type { JobService } from '../jobs/job-service.js';
import type { JobRoutesContext } from './job-routes.js';
import { closeJobRouteServersAfterEach, serveJobRoutes } from './testing/serve-job-routes.js';

closeJobRouteServersAfterEach();

const entry = (documentId: string, name: string, ownerId: string) => ({
  documentId,
  name,
  ownerId,
  size: 0,
  createdAt: 1,
  updatedAt: 1,
  status: 'blank',
  pages: null,
  jobId: null,
});

/** The job routes over a stand-in job service that records the blank documents and uploads asked for. */
async function serve(ctx: Partial<JobRoutesContext> = {}, refuse?: SynclineError) {
  const created: [string, unknown][] = [];
  const uploads: string[] = [];
  const jobs = {
    maxUploadBytes: 1024,
    createBlank: async (user: Identity, body: unknown) => {
      created.push([user.userId, body]);
      if (refuse) throw refuse;
      const { name, documentId } = body as { name: string; documentId?: string };
      return entry(documentId ?? 'blank-1', name, user.userId);
    },
    upload: async () => {
      uploads.push('pdf-1');
      return { documentId: 'pdf-1', jobId: 'job-1' };
    },
  } as unknown as JobService;
  const base = await serveJobRoutes(jobs, ctx);
  const post = async (body: string, type = 'application/json', token: string | null = 'olga') => {
    const t0 = performance.now();
    const headers: Record<string, string> = { 'content-type': type };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, body: (await res.json()) as unknown, ms: performance.now() - t0 };
  };
  return { post, created, uploads };
}

describe('POST /api/documents with a JSON body (a blank document)', () => {
  it('makes it as the caller and answers 201 with its catalogue entry, once it is committed', async () => {
    let commit: () => void = () => {};
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let answered = false;
    const { post, created, uploads } = await serve({ durable: () => committed });
    const pending = post(JSON.stringify({ name: 'Meeting notes', documentId: 'meeting-notes' })).then((r) => {
      answered = true;
      return r;
    });
    while (created.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(created).toEqual([['olga', { name: 'Meeting notes', documentId: 'meeting-notes' }]]);
    expect(answered).toBe(false);
    commit();
    expect(await pending).toEqual({
      status: 201,
      body: entry('meeting-notes', 'Meeting notes', 'olga'),
      ms: expect.any(Number),
    });
    expect(uploads).toEqual([]);
  });

  it('takes `application/json; charset=utf-8` too, and leaves a PDF body to the upload', async () => {
    const { post, created, uploads } = await serve();
    expect((await post('{"name":"plan"}', 'application/json; charset=utf-8')).status).toBe(201);
    expect((await post('%PDF-1.7\n', 'application/pdf')).status).toBe(201);
    expect(created).toEqual([['olga', { name: 'plan' }]]);
    expect(uploads).toEqual(['pdf-1']);
  });

  it('reports the service’s refusals with their code: invalid 400, conflict 409', async () => {
    for (const [code, status] of [
      [ErrorCode.Invalid, 400],
      [ErrorCode.Conflict, 409],
    ] as const) {
      const { post } = await serve({}, new SynclineError(code, `said ${code}`));
      expect(await post('{"name":"x","documentId":"taken"}')).toMatchObject({
        status,
        body: { error: { code, message: `said ${code}` } },
      });
    }
  });

  it('says why an id is taken (reason exists or deleted) beside the 409 conflict', async () => {
    for (const reason of ['exists', 'deleted'] as const) {
      const { post } = await serve({}, new DocumentIdTaken(reason, `taken: ${reason}`));
      expect(await post('{"name":"x","documentId":"taken"}')).toMatchObject({
        status: 409,
        body: { error: { code: 'conflict', reason, message: `taken: ${reason}` } },
      });
    }
  });

  it('answers 400 to a body that is not JSON and 413 to one over 16 KiB, without asking the service', async () => {
    const { post, created } = await serve();
    expect(await post('{name: plan')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid', message: 'the body is not JSON' } },
    });
    expect(await post(JSON.stringify({ name: 'x'.repeat(20_000) }))).toMatchObject({
      status: 413,
      body: { error: { code: 'too_large' } },
    });
    expect(created).toEqual([]);
  });

  it('needs credentials, and answers 503 while the server is stopping or when the commit failed', async () => {
    const { post, created } = await serve();
    expect(await post('{"name":"plan"}', 'application/json', null)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect(created).toEqual([]);
    const stopping = await serve({ stopping: () => true });
    expect(await stopping.post('{"name":"plan"}')).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable' } },
    });
    expect(stopping.created).toEqual([]);
    const failed = await serve({ durable: () => Promise.reject(new Error('disk I/O error')) });
    expect(await failed.post('{"name":"plan"}')).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable', message: 'the document could not be stored; try again' } },
    });
  });
});
