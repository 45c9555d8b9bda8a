import { analyzePdfInWorker, exportDocument, inspectPdfInWorker } from '@syncline/pipeline';
import type { JobInfo } from '@syncline/protocol';
import { MemoryFileStore, type SynclineServerOptions } from '@syncline/server';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, signToken, waitFor } from './helpers.js';
import { makeTextPdf, startJobServer } from './jobs-fixtures.js';

type Chunk = {
  chunkId: string;
  documentId: string;
  page: number;
  bbox: { x: number; y: number; w: number; h: number };
  type: string;
  confidence: number;
  text: string;
};

describe('exports and document files', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  async function processed(pages = 3, options: SynclineServerOptions = {}) {
    const s = await startJobServer(cleanup, options);
    const owner = s.watcher('olga');
    const { documentId, jobId } = await s.uploadOk('olga', await makeTextPdf(pages), 'Q3 report — final.pdf');
    const room = `doc:${documentId}`;
    await owner.client.join(room, { since: 0 });
    const done = await owner.waitEvent<{ zones: number }>('processing_completed', room, undefined, 60_000);
    return { s, owner, documentId, jobId, room, zones: done.zones };
  }

  it('exports RAG JSON Lines with one record per chunk, downloadable by the owner only', async () => {
    const { s, owner, documentId, room } = await processed();
    const { exportId, jobId } = await owner.client.request<{ exportId: string; jobId: string }>(
      'export.start',
      {
        documentId,
        format: 'rag',
      },
    );
    expect(jobId).toBe(exportId);
    const done = await owner.waitEvent<{ downloadUrl: string; format: string; exportId: string }>(
      'export_completed',
      room,
    );
    expect(done).toMatchObject({ exportId, format: 'rag', documentId });
    const progress = owner.of<{ progress: number; exportId: string }>('export_progress', room);
    expect(progress.at(-1)).toMatchObject({ exportId, progress: 1 });

    const res = await s.get('olga', done.downloadUrl);
    expect(res.status).toBe(200);
    // Saved under the document's name, not the export id (a browser prefers this to the link's own name).
    expect(res.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent('Q3 report — final.jsonl')}`,
    );
    const lines = (await res.text()).split('\n').filter((l) => l.trim() !== '');
    const chunks = lines.map((l) => JSON.parse(l) as Chunk);
    expect(chunks.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const c of chunks) {
      expect(c).toMatchObject({ documentId });
      expect(typeof c.chunkId).toBe('string');
      expect(typeof c.text).toBe('string');
      expect(typeof c.type).toBe('string');
      expect(Number.isInteger(c.page)).toBe(true);
      expect(c.confidence).toBeGreaterThanOrEqual(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
      expect(Object.keys(c.bbox).sort()).toEqual(['h', 'w', 'x', 'y']);
      ids.add(c.chunkId);
    }
    expect(ids.size).toBe(chunks.length);

    // A user without access (not the owner, not in the document's room) is refused; so is no token.
    expect((await s.get('mallory', done.downloadUrl)).status).toBe(403);
    expect((await s.get(null, done.downloadUrl)).status).toBe(401);
    // The token no longer goes in the URL (browser history, proxy logs)...
    const viaQuery = await fetch(`${s.base}${done.downloadUrl}?token=${await signToken('olga')}`);
    expect(viaQuery.status).toBe(401);
    expect(await viaQuery.json()).toMatchObject({ error: { code: 'unauthorized' } });
    // ...a short-lived signed URL of this one export does, asked for with the token in the header.
    const link = await s.post('olga', `/api/exports/${exportId}/link`);
    expect(link.status).toBe(200);
    const { url, expiresAt } = (await link.json()) as { url: string; expiresAt: number };
    expect(url.startsWith(`${done.downloadUrl}?ticket=`)).toBe(true);
    expect(expiresAt - Date.now()).toBeGreaterThan(50_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(61_000);
    const viaLink = await fetch(`${s.base}${url}`);
    expect(viaLink.status).toBe(200);
    expect(await viaLink.text()).toContain(documentId);
    // Not for another file, and not for anyone without access.
    const ticket = new URL(url, s.base).searchParams.get('ticket');
    const elsewhere = await fetch(`${s.base}/api/documents/${documentId}/file?ticket=${ticket}`);
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ error: { code: 'link_invalid' } });
    expect((await s.post('mallory', `/api/exports/${exportId}/link`)).status).toBe(403);
    expect((await s.post(null, `/api/exports/${exportId}/link`)).status).toBe(401);
    // Someone in the document's room has access.
    const colleague = s.watcher('cora');
    await colleague.client.join(room);
    expect((await s.get('cora', done.downloadUrl)).status).toBe(200);
    // An unknown export.
    expect((await s.get('olga', '/api/exports/nope')).status).toBe(404);
  });

  it('exports Markdown and JSON, and refuses export.start to a user without access', async () => {
    const { s, owner, documentId, room } = await processed(2);
    for (const format of ['markdown', 'json'] as const) {
      const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
        documentId,
        format,
      });
      const done = await owner.waitEvent<{ downloadUrl: string; exportId: string }>(
        'export_completed',
        room,
        (d) => d.exportId === exportId,
      );
      const body = await (await s.get('olga', done.downloadUrl)).text();
      if (format === 'json') expect(JSON.parse(body)).toBeTruthy();
      else expect(body).toMatch(/^#/m);
    }
    const stranger = s.watcher('mallory');
    await expect(
      stranger.client.request('export.start', { documentId, format: 'rag' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(owner.client.request('export.start', { documentId, format: 'pdf' })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(stranger.client.request('job.get', { documentId })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('lists the caller’s documents and serves the PDF to those with access', async () => {
    const { s, documentId, jobId } = await processed(1);
    const list = (await (await s.get('olga', '/api/documents')).json()) as {
      documents: Record<string, unknown>[];
    };
    expect(list.documents).toEqual([
      expect.objectContaining({
        documentId,
        jobId,
        name: 'Q3 report — final.pdf',
        ownerId: 'olga',
        status: 'processed',
        pages: 1,
      }),
    ]);
    expect(
      ((await (await s.get('mallory', '/api/documents')).json()) as { documents: unknown[] }).documents,
    ).toEqual([]);
    const file = await s.get('olga', `/api/documents/${documentId}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect((await s.get('mallory', `/api/documents/${documentId}/file`)).status).toBe(403);
    expect((await s.get('olga', '/api/documents/nope/file')).status).toBe(404);
    // A signed URL of the PDF (for a viewer that loads a URL), never the token in it.
    expect(
      (await fetch(`${s.base}/api/documents/${documentId}/file?token=${await signToken('olga')}`)).status,
    ).toBe(401);
    expect((await s.post('mallory', `/api/documents/${documentId}/file/link`)).status).toBe(403);
    const link = await s.post('olga', `/api/documents/${documentId}/file/link`);
    const { url } = (await link.json()) as { url: string };
    const viaLink = await fetch(`${s.base}${url}`);
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await viaLink.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    // Metrics: jobs by state and pages processed.
    const metrics = await (await s.get(null, '/metrics')).text();
    expect(metrics).toMatch(/syncline_jobs\{state="completed"\} 1/);
    expect(metrics).toMatch(/syncline_pages_processed_total 1/);
  });

  it('a cancel while the export file is being written leaves no file behind', async () => {
    // The export's file write is held until the test lets it go; the pipeline tells the test the job's signal.
    const files = new MemoryFileStore();
    const put = files.put.bind(files);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const writing: string[] = [];
    files.put = async (key, bytes) => {
      if (key.startsWith('export/')) {
        writing.push(key);
        await held;
      }
      return put(key, bytes);
    };
    let signal: AbortSignal | undefined;
    const pipeline = {
      inspectPdf: inspectPdfInWorker,
      analyzePdfInWorker,
      exportDocument: (...args: Parameters<typeof exportDocument>) => {
        signal = args[2].signal;
        return exportDocument(...args);
      },
    };
    const { owner, documentId, room } = await processed(1, { jobs: { files, pipeline } });
    const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
      documentId,
      format: 'markdown',
    });
    await waitFor(() => writing.length === 1, 10_000, 'the export file is being written');
    const cancel = owner.client.request<{ job: JobInfo }>('job.cancel', { jobId: exportId });
    await waitFor(() => signal?.aborted, 10_000, 'the export job is cancelled');
    release();
    expect((await cancel).job.state).toBe('cancelled');
    await owner.waitEvent('processing_error', room, (d) => d.exportId === exportId);
    expect(await files.get(writing[0])).toBeUndefined();
  });

  it('keeps the files of a document’s newest exports only (keepExports)', async () => {
    const { s, owner, documentId, room } = await processed(1, { jobs: { keepExports: 2 } });
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
        documentId,
        format: 'json',
      });
      const done = await owner.waitEvent<{ downloadUrl: string; exportId: string }>(
        'export_completed',
        room,
        (d) => d.exportId === exportId,
      );
      urls.push(done.downloadUrl);
    }
    const statuses = await Promise.all(
      urls.map(async (u) => {
        const res = await s.get('olga', u);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    // The oldest one's file was deleted when the third completed.
    expect(statuses).toEqual([404, 200, 200]);
  });

  it('a download link made on one node opens the file on another that shares the secret, and on no other', async () => {
    const { s, owner, documentId, room } = await processed(1);
    const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
      documentId,
      format: 'markdown',
    });
    await owner.waitEvent('export_completed', room, (d: { exportId: string }) => d.exportId === exportId);
    const { url } = (await (await s.post('olga', `/api/exports/${exportId}/link`)).json()) as { url: string };
    // A node with the same JWT secret (and, here, the same files: its store is another node's).
    const sibling = await startJobServer(cleanup, {
      jobs: { store: s.server.jobs?.store, files: s.server.jobs?.files },
    });
    const there = await fetch(`${sibling.base}${url}`);
    expect(there.status).toBe(200);
    expect(await there.text()).toMatch(/^#/m);
    // One signing with another secret (another deployment) refuses it.
    const stranger = await startJobServer(cleanup, {
      auth: { secret: 'another-deployment-secret-0123456789' },
      jobs: { store: s.server.jobs?.store, files: s.server.jobs?.files },
    });
    const refused = await fetch(`${stranger.base}${url}`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'link_invalid' } });
  });
});
