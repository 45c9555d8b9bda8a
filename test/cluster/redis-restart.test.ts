import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingHandler } from '../../packages/server/src/broker/broker.contract.js';
import { RedisBroker } from '../../packages/server/src/broker/redis-broker.js';
import {
  Cleanup,
  createClient,
  tokenProvider,
  uniqueRoom,
  waitFor,
  whenOpen,
} from '../integration/helpers.js';
import { needService } from '../services.js';
import { type Cluster, OwnRedis, readyzBecomes, startCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

/** A Redis of the test's own (the machine's shared one is untouched), killed and started again during traffic. */
describe.skipIf(!ready)('a Redis restarted during traffic', () => {
  const cleanup = new Cleanup();
  const redis = new OwnRedis();
  let cluster: Cluster;
  beforeAll(async () => {
    const url = await redis.start();
    cleanup.add(() => redis.stop());
    cluster = await startCluster(cleanup, 2, { redisUrl: url });
  });
  afterAll(() => cleanup.run());

  it('turns /readyz not-ready then ready, and no client is left without what was published meanwhile', async () => {
    const room = uniqueRoom();
    // One reader per node, one writer on node 0.
    const readers = [];
    for (let i = 0; i < 2; i++) {
      const c = createClient(cleanup, { url: cluster.url, token: tokenProvider(`r${i}`) });
      await whenOpen(c);
      readers.push(c);
    }
    const writer = createClient(cleanup, { url: cluster.url, token: tokenProvider('w') });
    await whenOpen(writer);
    const got = readers.map(() => [] as number[]);
    for (const [i, c] of readers.entries()) {
      c.subscribe('app_event', (data, event) => {
        if (event.room === room) got[i].push(data.n as number);
      });
    }
    for (const c of readers) await c.join(room);
    await writer.subscribeRoom(room);
    let n = 0;
    const publish = async (count: number) => {
      for (let k = 0; k < count; k++) await writer.publish(room, 'app_event', { name: 'x', n: n++ });
    };
    await publish(20);
    await waitFor(() => got.every((g) => g.length === 20), 10_000, 'before the outage');

    await redis.stop();
    for (const port of cluster.ports)
      expect((await readyzBecomes(port, 503)).body).toMatchObject({
        ready: false,
        broker: false,
        storage: true,
      });
    // Published while Redis is down: stored in PostgreSQL, fanned out on the writer's node only.
    await publish(30);

    await redis.start(redis.port);
    for (const port of cluster.ports)
      expect((await readyzBecomes(port, 200)).body).toEqual({ ready: true, storage: true, broker: true });
    // Nothing new is published: the reader on the other node gets the missed events from the log by itself.
    await waitFor(() => got.every((g) => g.length >= 50), 15_000, 'the missed events, recovered');
    await publish(10);
    await waitFor(() => got.every((g) => g.length >= 60), 15_000, 'every reader has every event');
    await new Promise((r) => setTimeout(r, 200));
    for (const g of got) expect(g).toEqual(Array.from({ length: 60 }, (_, k) => k));
  }, 60_000);

  it('lets a node that started while Redis was down catch up once Redis is up', async () => {
    const late = new OwnRedis();
    const port = await late.pickPort();
    const a = new RedisBroker({ url: late.url, prefix: 'late:' });
    const b = new RedisBroker({ url: late.url, prefix: 'late:' });
    const h = new RecordingHandler();
    a.start(h);
    b.start(new RecordingHandler());
    try {
      expect(await a.ready()).toBe(false);
      await expect(a.subscribe('doc:late')).rejects.toBeTruthy();
      await late.start(port);
      await waitFor(() => h.reconnects > 0, 10_000, 'the broker to report its reconnect');
      await waitFor(() => a.ready(), 5000, 'the broker to be ready');
      b.publishEntry({ room: 'doc:late', seq: 1, type: 'app_event', data: { name: 'x' }, ts: 1 });
      await waitFor(() => h.entries.length > 0, 5000, 'the entry');
      expect(h.entries.map((e) => e.seq)).toEqual([1]);
    } finally {
      await a.close();
      await b.close();
      await late.stop();
    }
  });
});
