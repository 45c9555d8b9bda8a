import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, signToken, tempDir } from './helpers.js';
import { startJobServer } from './jobs-fixtures.js';

describe('a blank document in the server’s catalogue', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('is made with POST /api/documents (JSON), listed for its owner anywhere, has no file, and is deleted for good', async () => {
    const dataDir = await tempDir(cleanup);
    const s = await startJobServer(cleanup, {
      storage: { sqlite: join(dataDir, 'syncline.db') },
      jobs: { dataDir },
    });
    const call = async (userId: string, method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${await signToken(userId)}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${s.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const made = await call('olga', 'POST', '/api/documents', {
      name: 'Meeting notes',
      documentId: 'meeting',
    });
    expect(made).toEqual({
      status: 201,
      body: {
        documentId: 'meeting',
        name: 'Meeting notes',
        ownerId: 'olga',
        size: 0,
        createdAt: expect.any(Number),
        updatedAt: expect.any(Number),
        status: 'blank',
        pages: null,
        jobId: null,
      },
    });
    // Any request of olga's (another device, another browser) lists it; ann's does not.
    expect((await call('olga', 'GET', '/api/documents')).body.documents).toEqual([made.body]);
    expect((await call('ann', 'GET', '/api/documents')).body.documents).toEqual([]);
    // The id is taken now, for anyone.
    expect(await call('ann', 'POST', '/api/documents', { name: 'x', documentId: 'meeting' })).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict' } },
    });
    expect(await call('olga', 'POST', '/api/documents', { name: '' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid' } },
    });
    // No PDF: what a client shows as a document without one.
    expect(await call('olga', 'GET', '/api/documents/meeting/file')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });

    expect(await call('olga', 'DELETE', '/api/documents/meeting')).toEqual({
      status: 200,
      body: { documentId: 'meeting', deleted: true },
    });
    expect((await call('olga', 'GET', '/api/documents')).body.documents).toEqual([]);
    expect(
      (await call('olga', 'POST', '/api/documents', { name: 'again', documentId: 'meeting' })).status,
    ).toBe(409);
  });
});
