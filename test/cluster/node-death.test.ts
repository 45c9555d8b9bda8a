import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SynclineClient } from '@syncline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpBalancer } from '../../packages/server/src/tools/tcp-balancer.js';
import {
  Cleanup,
  CliServer,
  createClient,
  ROOT,
  SECRET,
  tokenProvider,
  uniqueRoom,
  waitFor,
  whenOpen,
  wsUrl,
} from '../integration/helpers.js';
import { needService } from '../services.js';
import { isolation, POSTGRES_URL, REDIS_URL, readyzBecomes } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));
const built = existsSync(join(ROOT, 'packages/server/dist/cli.js'));
const LOCK_TTL_MS = 3000;

/**
 * Three nodes as child processes (the CLI on PostgreSQL + Redis) behind the balancer; one is killed with SIGKILL
 * during a stream of events.
 */
describe.skipIf(!ready || !built)('kill -9 of one node of three', () => {
  const cleanup = new Cleanup();
  const nodes: CliServer[] = [];
  const ports: number[] = [];
  let balancer: TcpBalancer;
  let url: string;

  beforeAll(async () => {
    const { schema, prefix } = isolation(cleanup);
    for (let i = 0; i < 3; i++) {
      const node = new CliServer({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: POSTGRES_URL,
        SYNCLINE_DATABASE_SCHEMA: schema,
        REDIS_URL,
        SYNCLINE_REDIS_PREFIX: prefix,
        SYNCLINE_JWT_SECRET: SECRET,
        SYNCLINE_RATE_LIMIT: 'off',
        SYNCLINE_JOBS: 'off',
        SYNCLINE_SYSTEM_STATUS_MS: '0',
        SYNCLINE_LOCK_TTL_MS: String(LOCK_TTL_MS),
        LOG_LEVEL: 'error',
      });
      cleanup.add(() => node.kill('SIGKILL'));
      ports.push(await node.start());
      nodes.push(node);
    }
    for (const port of ports) expect((await readyzBecomes(port, 200)).status).toBe(200);
    balancer = new TcpBalancer({ backends: ports.map((port) => ({ host: '127.0.0.1', port })) });
    url = wsUrl(await balancer.listen(0));
    cleanup.add(() => balancer.close());
  }, 60_000);
  afterAll(() => cleanup.run());

  /** Connects a client and returns it with the index of the node the balancer gave it. */
  async function connect(userId: string, opts: Partial<Parameters<typeof createClient>[1]> = {}) {
    const before = [...balancer.counts];
    const client = createClient(cleanup, { url, token: tokenProvider(userId), ...opts });
    await whenOpen(client);
    const node = balancer.counts.findIndex((n, i) => n > before[i]);
    return { client, node };
  }

  it('loses and duplicates nothing, drops the dead node’s presence within 10 s and its locks after the lease', async () => {
    const room = uniqueRoom();
    const documentId = uniqueRoom().slice(4);
    const readers: { client: SynclineClient; node: number }[] = [];
    for (let i = 0; i < 6; i++) readers.push(await connect(`reader${i}`));
    const got = readers.map(() => [] as number[]);
    const ended = readers.map(() => false);
    for (const [i, { client }] of readers.entries()) {
      client.subscribe('app_event', (data, event) => {
        if (event.room !== room) return;
        const { name, n } = data as { name: string; n: number };
        if (name === 'tick') got[i].push(n);
        else if (name === 'end') ended[i] = true;
      });
    }
    for (const { client } of readers) await client.join(room);
    const writer = await connect('writer');
    await writer.client.subscribeRoom(room);
    const doomed = (writer.node + 1) % 3;
    expect(readers.filter((r) => r.node === doomed)).toHaveLength(2);

    // A user only on the doomed node, who will not come back, holding a zone lock there.
    // No retry at all: a backoff with full jitter draws its first delay from [0, initialMs), however long that is, and
    // a ghost that came back early would resume its session on a live node and never leave.
    const never = { reconnect: { maxAttempts: 0 } };
    let ghost = await connect('ghost', never);
    while (ghost.node !== doomed) ghost = await connect('ghost', never);
    await ghost.client.join(room);
    await ghost.client.join(`doc:${documentId}`);
    await ghost.client.request('doc.lock', { documentId, zoneId: 'z1' });
    // Someone on another node sees the lock refuse them.
    let editor = await connect('editor');
    while (editor.node === doomed) editor = await connect('editor');
    await editor.client.join(`doc:${documentId}`);
    await expect(editor.client.request('doc.lock', { documentId, zoneId: 'z1' })).rejects.toMatchObject({
      code: 'zone_locked',
    });
    const leaves: { userId: string; at: number }[] = [];
    const observer = readers.find((r) => r.node !== doomed)!.client;
    observer.subscribe('user_leave', (data, event) => {
      if (event.room === room) leaves.push({ userId: (data as { userId: string }).userId, at: Date.now() });
    });
    const statuses: string[] = [];
    observer.subscribe('user_status', (data, event) => {
      const { userId, connections } = data as { userId: string; connections: number };
      if (event.room === room) statuses.push(`${userId} on ${connections}`);
    });

    const TOTAL = 400;
    let killedAt = 0;
    const sending = (async () => {
      for (let n = 0; n < TOTAL; n++) {
        await writer.client.publish(room, 'app_event', { name: 'tick', n });
        if (n === 100) {
          await nodes[doomed].kill('SIGKILL');
          killedAt = Date.now();
        }
        if (n % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await sending;
    // A marker after the last tick instead of a wait for duplicates: every tick, and any duplicate of one, was stored
    // before the writer had its ack, so the marker comes after all of them in the room's log, which reaches each
    // reader in order, once (a resumed reader gets the replay, then live events).
    await writer.client.publish(room, 'app_event', { name: 'end', n: -1 });
    await waitFor(() => ended.every(Boolean), 30_000, 'every reader has the end marker');
    for (const g of got) expect(g).toEqual(Array.from({ length: TOTAL }, (_, n) => n));

    // The ghost's presence is gone within 10 s of the kill; the readers who moved are still present.
    await waitFor(() => leaves.some((l) => l.userId === 'ghost'), 12_000, 'ghost leaves');
    expect(leaves.find((l) => l.userId === 'ghost')!.at - killedAt).toBeLessThan(10_000);
    expect(leaves.map((l) => l.userId)).toEqual(['ghost']);
    // The readers who moved resumed their sessions on other nodes: one tab each all along, never "in 2 tabs" while
    // the dead node still listed them.
    expect(statuses).toEqual([]);
    const members = await editor.client.request<{ members: { userId: string }[] }>('room.members', {
      room: `doc:${documentId}`,
    });
    expect(members.members.map((m) => m.userId)).toEqual(['editor']);

    // The ghost's lock runs out with its lease: the zone can be taken from another node.
    await waitFor(() => Date.now() - killedAt > LOCK_TTL_MS, LOCK_TTL_MS + 1000, 'lease');
    const lock = await editor.client.request<{ userId: string }>('doc.lock', { documentId, zoneId: 'z1' });
    expect(lock.userId).toBe('editor');
  }, 90_000);
});
