import { ErrorCode } from '@syncline/protocol';
import { describe, expect, it } from 'vitest';
import { SynclineError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { JobService } from '../jobs/job-service.js';
import type { JobRoutesContext } from './job-routes.js';
import { closeJobRouteServersAfterEach, serveJobRoutes } from './testing/serve-job-routes.js';

closeJobRouteServersAfterEach();

/** The job routes on their own HTTP server, over a stand-in job service that records the deletions asked. */
async function serve(ctx: Partial<JobRoutesContext>, outcome: () => Promise<void> = async () => {}) {
  const deleted: [string, string][] = [];
  const jobs = {
    deleteDocument: async (user: Identity, documentId: string) => {
      deleted.push([user.userId, documentId]);
      await outcome();
    },
  } as unknown as JobService;
  const base = await serveJobRoutes(jobs, ctx);
  const call = async (method: string, path: string, token: string | null = 'olga') => {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as unknown) : null,
      headers: res.headers,
      ms: performance.now() - t0,
    };
  };
  return { call, deleted };
}

describe('DELETE /api/documents/:id', () => {
  it('deletes as the caller and answers 200 once the deletion is committed', async () => {
    let commit: () => void = () => {};
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let answered = false;
    const { call, deleted } = await serve({ durable: () => committed });
    const pending = call('DELETE', '/api/documents/pdf%2D1').then((r) => {
      answered = true;
      return r;
    });
    // The service was asked; the answer waits for the commit.
    while (deleted.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(deleted).toEqual([['olga', 'pdf-1']]);
    expect(answered).toBe(false);
    commit();
    expect(await pending).toMatchObject({ status: 200, body: { documentId: 'pdf-1', deleted: true } });
  });

  it('reports the service’s refusals with their code and message', async () => {
    for (const [code, status] of [
      [ErrorCode.Forbidden, 403],
      [ErrorCode.NotFound, 404],
    ] as const) {
      const { call } = await serve({}, async () => {
        throw new SynclineError(code, `said ${code}`);
      });
      expect(await call('DELETE', '/api/documents/pdf-1')).toMatchObject({
        status,
        body: { error: { code, message: `said ${code}` } },
      });
    }
  });

  it('answers 503 unavailable when the commit failed or never comes, instead of hanging', async () => {
    const failed = await serve({ durable: () => Promise.reject(new Error('disk I/O error')) });
    expect(await failed.call('DELETE', '/api/documents/pdf-1')).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable', message: 'the deletion could not be stored; try again' } },
    });
    const stuck = await serve({ durable: () => new Promise<void>(() => {}), durableTimeoutMs: 200 });
    const r = await stuck.call('DELETE', '/api/documents/pdf-1');
    expect(r).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(r.ms).toBeLessThan(2_000);
  });

  it('needs credentials, takes DELETE only on the path, and says so to CORS preflights', async () => {
    const { call, deleted } = await serve({});
    expect(await call('DELETE', '/api/documents/pdf-1', null)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    const get = await call('GET', '/api/documents/pdf-1');
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'DELETE']);
    const preflight = await call('OPTIONS', '/api/documents/pdf-1', null);
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
    // The list and the file routes are not this one.
    expect((await call('DELETE', '/api/documents')).status).toBe(405);
    expect((await call('DELETE', '/api/documents/pdf-1/file')).status).toBe(405);
    expect(deleted).toEqual([]);
  });
});
