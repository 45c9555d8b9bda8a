import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Zone } from '@syncline/doc';
import type { DocSnapshot } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  CliServer,
  createClient,
  freePort,
  ROOT,
  SECRET,
  signToken,
  tempDir,
  tokenProvider,
  wsUrl,
} from './helpers.js';
import { eventQueries, makeTextPdf, waitForJob } from './jobs-fixtures.js';

/**
 * The server process is killed (SIGKILL) in the middle of a processing job: after a restart on the same
 * data directory, the job is claimed again and resumes after its last committed page; the document ends
 * with every page's zones exactly once.
 */
describe('a processing job across a crash of the server', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('resumes after the last committed page and completes the document', async () => {
    if (!existsSync(join(ROOT, 'packages/server/dist/cli.js'))) {
      throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (or `npx tsc -b`) first');
    }
    const dataDir = await tempDir(cleanup);
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      SYNCLINE_DATA_DIR: dataDir,
      SYNCLINE_JWT_SECRET: SECRET,
      SYNCLINE_SYSTEM_STATUS_MS: '0',
      // 40 pages take 2 s: the kill lands mid-job however fast this machine parses pages.
      SYNCLINE_JOB_MAX_PAGES_PER_SECOND: '20',
      LOG_LEVEL: 'warn',
    };
    let server = new CliServer(env);
    cleanup.add(() => server.kill());
    await server.start();

    const pages = 40;
    const res = await fetch(`http://127.0.0.1:${port}/api/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken('olga')}`, 'content-type': 'application/pdf' },
      body: Buffer.from(await makeTextPdf(pages)),
    });
    expect(res.status).toBe(201);
    const { documentId, jobId } = (await res.json()) as { documentId: string; jobId: string };
    const client = createClient(cleanup, { url: wsUrl(port), token: tokenProvider('olga') });
    const events: import('@syncline/protocol').EventMessage[] = [];
    client.subscribe('*', (_d, e) => events.push(e as never));
    const { waitEvent, of } = eventQueries(events);
    const room = `doc:${documentId}`;
    await client.join(room, { since: 0 });
    const before = await waitForJob(client, documentId, (j) => (j.page ?? 0) >= 3);
    expect(before.state).toBe('running');

    await server.kill('SIGKILL');
    server = new CliServer(env);
    await server.start();

    // The client resumes by itself; the job goes on where it stopped and completes.
    const done = await waitEvent<{ zones: number; jobId: string }>(
      'processing_completed',
      room,
      undefined,
      120_000,
    );
    expect(done.jobId).toBe(jobId);
    const restarts = of<{ startPage: number }>('processing_started', room);
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect(restarts.at(-1)?.startPage).toBeGreaterThanOrEqual(before.page ?? 0);
    const snap = await client.request<DocSnapshot>('doc.open', { documentId });
    const doc = snap.snapshot as { zones: Record<string, Zone>; meta: { processing: { status: string } } };
    expect(doc.meta.processing.status).toBe('completed');
    expect(Object.keys(doc.zones)).toHaveLength(done.zones);
    expect(new Set(Object.values(doc.zones).map((z) => z.page)).size).toBe(pages);
    // Every zone was created exactly once (a page committed twice is recognised by its op ids).
    const creates = of<{ zoneId: string }>('zone_create', room).map((c) => c.zoneId);
    expect(new Set(creates).size).toBe(creates.length);
  });
});
