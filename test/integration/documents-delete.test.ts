import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SynclineError, WebSocketConstructor } from '@syncline/client';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Cleanup, createClient, SECRET, signToken, tempDir, tokenProvider, waitFor } from './helpers.js';
import { makeTextPdf, startJobServer, waitForJob } from './jobs-fixtures.js';

/** An admin's token (`roles: ["admin"]`). */
const adminToken = (userId: string) =>
  new SignJWT({ name: userId, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

/** A page limit keeps the processing job running while the document is deleted. */
const paced = { maxPagesPerSecond: 30 };

describe('DELETE /api/documents/:id', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  /** `DELETE /api/documents/:id` as `userId` (null: no credentials). */
  const del = async (base: string, userId: string | null, documentId: string) => {
    const headers: Record<string, string> = {};
    if (userId) {
      const token = userId === 'root' ? await adminToken(userId) : await signToken(userId);
      headers.authorization = `Bearer ${token}`;
    }
    const res = await fetch(`${base}/api/documents/${encodeURIComponent(documentId)}`, {
      method: 'DELETE',
      headers,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('stops the running job, removes everything of the document, and closes it for everyone who has it open', async () => {
    const dataDir = await tempDir(cleanup);
    const s = await startJobServer(cleanup, {
      storage: { sqlite: join(dataDir, 'syncline.db') },
      jobs: { ...paced, dataDir },
    });
    const owner = s.watcher('olga');
    const ann = s.watcher('ann');
    const { documentId } = await s.uploadOk('olga', await makeTextPdf(60));
    const room = `doc:${documentId}`;
    await Promise.all([owner.client.join(room), ann.client.join(room)]);
    const annDoc = ann.client.doc(documentId);
    await annDoc.ready;
    await waitForJob(owner.client, documentId, (j) => j.state === 'running' && (j.page ?? 0) >= 2);
    const errors: SynclineError[] = [];
    annDoc.on('error', (e) => errors.push(e));
    const pdfOnDisk = join(dataDir, 'files', 'document', `${documentId}.pdf`);
    expect(existsSync(pdfOnDisk)).toBe(true);

    // Only the owner (or an admin) may; unknown ids are not found.
    expect(await del(s.base, 'ann', documentId)).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: expect.any(String) } },
    });
    expect(await del(s.base, 'olga', 'pdf-unknown')).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await del(s.base, null, documentId)).status).toBe(401);
    expect(annDoc.getSnapshot().status).toBe('open');

    expect(await del(s.base, 'olga', documentId)).toEqual({
      status: 200,
      body: { documentId, deleted: true },
    });

    // Everyone with it open learns it, and the document client ends failed with the reason.
    await ann.waitEvent('document_deleted', room);
    await owner.waitEvent('document_deleted', 'user:olga');
    await waitFor(() => annDoc.getSnapshot().status === 'failed', 5_000, 'the document failed');
    expect(errors.map((e) => e.code)).toContain('not_found');
    expect(errors.at(-1)?.message).toMatch(/deleted/);
    // The job was cancelled before: its final event came first, and no zone came after the deletion.
    const types = ann.events.filter((e) => e.room === room).map((e) => e.type);
    expect(types.indexOf('processing_error')).toBeLessThan(types.indexOf('document_deleted'));
    expect(types.slice(types.indexOf('document_deleted') + 1).filter((t) => t === 'zone_create')).toEqual([]);

    // Nothing of it is left: the list, the file (on disk too), its jobs, and the document itself.
    const list = await (await s.get('olga', '/api/documents')).json();
    expect(list).toEqual({ documents: [] });
    expect((await s.get('olga', `/api/documents/${documentId}/file`)).status).toBe(404);
    expect(existsSync(pdfOnDisk)).toBe(false);
    expect(await readdir(join(dataDir, 'files', 'document'))).toEqual([]);
    const jobs = s.server.jobs!;
    expect(await jobs.store.listJobs({ documentId })).toEqual([]);
    expect(await jobs.store.getDocument(documentId)).toBeUndefined();
    // A later open of the id fails with not_found (it is not created again, empty).
    const again = s.watcher('olga-2');
    await again.client.join(room);
    await expect(again.client.request('doc.open', { documentId })).rejects.toMatchObject({
      code: 'not_found',
    });
    const reopened = owner.client.doc(documentId);
    await expect(reopened.ready).rejects.toMatchObject({ code: 'not_found' });
    // Deleting again is safe (it would finish a deletion that failed half-way): still gone, for the owner only.
    expect((await del(s.base, 'olga', documentId)).status).toBe(200);
    expect((await del(s.base, 'bob', documentId)).status).toBe(403);
  });

  it('a client that was offline during the deletion learns it when it comes back, and stops there', async () => {
    const s = await startJobServer(cleanup);
    s.watcher('olga');
    const { documentId } = await s.uploadOk('olga', await makeTextPdf(2));
    // Ann's sockets go nowhere while she is "offline".
    let offline = false;
    const sockets: WebSocket[] = [];
    class Flaky extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(offline ? 'ws://127.0.0.1:1/ws' : url, protocols);
        sockets.push(this);
      }
    }
    const ann = createClient(cleanup, {
      url: s.url,
      token: tokenProvider('ann'),
      WebSocket: Flaky as unknown as WebSocketConstructor,
      debug: { frames: 1000 },
    });
    const doc = ann.doc(documentId);
    await doc.ready;
    await waitForJob(ann, documentId, (j) => j.state === 'completed');
    const errors: SynclineError[] = [];
    doc.on('error', (e) => errors.push(e));

    offline = true;
    sockets.at(-1)?.terminate();
    await waitFor(() => doc.getSnapshot().status === 'offline', 5_000, 'offline');
    expect((await del(s.base, 'olga', documentId)).status).toBe(200);
    offline = false;

    await waitFor(
      () => doc.getSnapshot().status === 'failed',
      10_000,
      'the document failed after the reconnect',
    );
    expect(errors.at(-1)?.code).toBe('not_found');
    // And it stays there: no retries of the open.
    const opens = () =>
      ann.debugFrames().filter((f) => f.dir === 'out' && JSON.stringify(f.frame).includes('"doc.open"'))
        .length;
    const before = opens();
    await new Promise((r) => setTimeout(r, 500));
    expect(opens()).toBe(before);
    expect(doc.getSnapshot().status).toBe('failed');
  });

  it('lets an admin delete anyone’s document', async () => {
    const s = await startJobServer(cleanup, { jobs: paced });
    s.watcher('olga');
    const { documentId } = await s.uploadOk('olga', await makeTextPdf(2));
    expect((await del(s.base, 'root', documentId)).status).toBe(200);
    expect(await s.server.jobs!.store.getDocument(documentId)).toBeUndefined();
  });

  it('answers 405 to other methods on the path', async () => {
    const s = await startJobServer(cleanup);
    const res = await s.get('olga', '/api/documents/pdf-x');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('DELETE');
  });
});
