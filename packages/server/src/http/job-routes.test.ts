import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SynclineError } from '../core/errors.js';
import type { JobService } from '../jobs/job-service.js';
import { handleJobRoutes, type JobRoutesContext } from './job-routes.js';

/** The job routes on their own HTTP server, over a stand-in job service that records what it is asked. */
async function serve(ctx: Partial<JobRoutesContext>) {
  const discarded: string[] = [];
  const uploads: string[] = [];
  const jobs = {
    maxUploadBytes: 1024,
    upload: async () => {
      uploads.push('pdf-1');
      return { documentId: 'pdf-1', jobId: 'job-1' };
    },
    discardUpload: async (documentId: string) => {
      discarded.push(documentId);
    },
  } as unknown as JobService;
  const full: JobRoutesContext = {
    jobs,
    authenticate: async (token) => ({ userId: token, roles: [], claims: {} }),
    ...ctx,
  };
  const server = createServer((req, res) => {
    if (!handleJobRoutes(full, req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  return { upload, discarded, uploads };
}

const servers: Server[] = [];

describe('POST /api/documents, waiting for the upload to be stored', () => {
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

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

  it('answers 503 unavailable while the server is stopping, without storing anything', async () => {
    const { upload, uploads } = await serve({ durable: () => Promise.resolve(), stopping: () => true });
    const r = await upload();
    expect(r).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(uploads).toEqual([]);
  });
});
