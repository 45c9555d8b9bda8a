import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SynclineError } from '@syncline/client';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, createClient, signToken, tokenProvider, waitFor, wsUrl } from '../integration/helpers.js';
import { needService } from '../services.js';
import { startCluster, uploadToCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

describe.skipIf(!ready)('deleting a document across three nodes (PostgreSQL, Redis)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('a delete on one node stops the job wherever it runs, closes the document for clients on every node, and every node forgets it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'syncline-delete-'));
    cleanup.add(() => rm(dataDir, { recursive: true, force: true }));
    // Paced: the processing job is still running when the document is deleted.
    const { servers, ports } = await startCluster(cleanup, 3, {
      options: { jobs: { dataDir, maxPagesPerSecond: 10, pollMs: 200 } },
    });
    const { documentId, jobId, room, worker } = await uploadToCluster({ servers, ports }, 60);

    // A client with the document open on each node.
    const docs = ports.map((port, i) => {
      const client = createClient(cleanup, { url: wsUrl(port), token: tokenProvider(`user-${i}`) });
      const doc = client.doc(documentId);
      const errors: SynclineError[] = [];
      doc.on('error', (e) => errors.push(e));
      return { client, doc, errors };
    });
    await Promise.all(docs.map((d) => d.doc.ready));
    for (const s of servers) expect(s.documents?.isLoaded(documentId)).toBe(true);

    // Deleted on a node that does not run the job.
    const on = (worker + 1) % 3;
    const del = await fetch(`http://127.0.0.1:${ports[on]}/api/documents/${documentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await signToken('olga')}` },
    });
    expect([del.status, await del.json()]).toEqual([200, { documentId, deleted: true }]);

    // Every node's client ends failed, told why; every node dropped its copy; the job stopped on its node.
    for (const [i, d] of docs.entries()) {
      await waitFor(
        () => d.doc.getSnapshot().status === 'failed',
        10_000,
        `the document failed on node ${i}`,
      );
      expect(d.errors.at(-1)).toMatchObject({
        code: 'not_found',
        message: 'the document was deleted by olga',
      });
    }
    await waitFor(
      () => servers.every((s) => !s.documents?.isLoaded(documentId)),
      5_000,
      'every node forgets it',
    );
    await waitFor(() => !servers[worker].jobs?.runner.live(jobId), 5_000, 'the job stops');
    const jobs = servers[0].jobs!;
    expect(await jobs.store.listJobs({ documentId })).toEqual([]);
    expect(await jobs.store.getDocument(documentId)).toBeUndefined();
    // The room's log keeps nothing of the document's content: the deletion, and the job's own end (the node that ran
    // it announces its cancel when it stops, which may be after the deletion). Opening again, on any node, is
    // not_found.
    const log = await servers[0].hub.store.read(room, 0, 1000);
    const types = log.entries.map((e) => e.type);
    expect(types[0]).toBe('document_deleted');
    expect(types.filter((t) => t !== 'document_deleted' && t !== 'processing_error')).toEqual([]);
    for (const [i, d] of docs.entries()) {
      await expect(d.client.request('doc.open', { documentId }), `node ${i}`).rejects.toMatchObject({
        code: 'not_found',
      });
    }
  });
});
