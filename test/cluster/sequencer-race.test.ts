import type { DocumentClient, SynclineClient } from '@syncline/client';
import { zoneCreate, zoneEdit } from '@syncline/doc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  tokenProvider,
  uniqueRoom,
  waitFor,
  whenOpen,
} from '../integration/helpers.js';
import { needService } from '../services.js';
import { type Cluster, startCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));
const FLOOD_MS = 4000;

/**
 * Two nodes commit ops to one document as fast as they can at the same time: every commit is a version-checked
 * append in PostgreSQL, the loser catches up, transforms and retries. The result is one linear history and equal
 * replicas everywhere.
 */
describe.skipIf(!ready)('two nodes flooding one document', () => {
  const cleanup = new Cleanup();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(cleanup, 2);
  });
  afterAll(() => cleanup.run());

  it('end with one linear history and equal replicas', async () => {
    const documentId = uniqueRoom().slice(4);
    const [a, b] = cluster.servers.map((s) => s.documents!);
    await a.applyServerOp(
      documentId,
      zoneCreate({
        id: 'z1',
        page: 0,
        bbox: { x: 0, y: 0, w: 100, h: 20 },
        type: 'paragraph',
        label: '',
        confidence: 1,
        text: '|',
        updatedBy: 'setup',
        updatedAt: Date.now(),
      }),
      { userId: 'setup', opId: 'create' },
    );
    // A reader on each node, following the document as it changes.
    const readers: { client: SynclineClient; doc: DocumentClient }[] = [];
    for (let i = 0; i < 2; i++) {
      const client = createClient(cleanup, { url: cluster.url, token: tokenProvider(`reader${i}`) });
      await whenOpen(client);
      const doc = client.doc(documentId);
      await doc.ready;
      readers.push({ client, doc });
    }

    const flood = async (node: number, lane: number) => {
      const seq = node === 0 ? a : b;
      const end = Date.now() + FLOOD_MS;
      let committed = 0;
      for (let k = 0; Date.now() < end; k++) {
        const opId = `n${node}-${lane}-${k}`;
        const ch = String.fromCharCode(97 + ((node * 2 + lane) % 26));
        for (;;) {
          try {
            await seq.applyServerOp(
              documentId,
              (doc) => zoneEdit('z1', { pos: 0, ins: ch }, { current: doc.zones.z1 }),
              { userId: `node${node}`, opId },
            );
            committed++;
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== 'unavailable') throw err;
            // Lost the race too many times in a row: retry the same op id (idempotent).
          }
        }
      }
      return committed;
    };
    const counts = await Promise.all([flood(0, 0), flood(0, 1), flood(1, 0), flood(1, 1)]);
    const total = counts.reduce((x, y) => x + y, 0);
    expect(counts.every((n) => n > 0)).toBe(true);

    // One linear history: versions 1..N, each op once.
    const history: { version: number; opId: string }[] = [];
    for (let from = 0; ; from += 1000) {
      const page = await readers[0].client.request<{ entries: { version: number; opId: string }[] }>(
        'doc.history',
        { documentId, from, limit: 1000 },
      );
      history.push(...page.entries);
      if (page.entries.length < 1000) break;
    }
    expect(history.map((h) => h.version)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    expect(new Set(history.map((h) => h.opId)).size).toBe(total + 1);

    // Equal replicas: both readers and both nodes' sequencers.
    await waitFor(
      () => readers.every((r) => r.doc.version === total + 1),
      20_000,
      `readers reach version ${total + 1}`,
    ).catch((err) => {
      throw new Error(`${err.message}; at ${readers.map((r) => r.doc.version).join(', ')}`);
    });
    const text = readers[0].doc.zone('z1')?.text;
    expect(text?.length).toBe(total + 1);
    expect(readers[1].doc.zone('z1')?.text).toBe(text);
    // A late opener on each node gets the same document (the node catches up with the other's commits).
    for (let i = 0; i < 2; i++) {
      const late = createClient(cleanup, { url: cluster.url, token: tokenProvider(`late${i}`) });
      await whenOpen(late);
      const doc = late.doc(documentId);
      await doc.ready;
      expect(doc.version).toBe(total + 1);
      expect(doc.zone('z1')?.text).toBe(text);
    }
  }, 60_000);
});
