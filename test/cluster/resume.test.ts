import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
  whenOpen,
} from '../integration/helpers.js';
import { needService } from '../services.js';
import { type Cluster, startCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

describe.skipIf(!ready)('a client whose reconnect lands on another node', () => {
  const cleanup = new Cleanup();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(cleanup, 3);
  });
  afterAll(() => cleanup.run());

  it('resumes its session there and misses nothing, during a stream, five times over', async () => {
    const room = uniqueRoom();
    const { WebSocket, sockets } = trackingWebSocket();
    const sub = createClient(cleanup, { url: cluster.url, token: tokenProvider('reader'), WebSocket });
    await whenOpen(sub);
    const got: number[] = [];
    sub.subscribe('app_event', (data, event) => {
      if (event.room === room) got.push(data.n as number);
    });
    await sub.join(room);
    const pub = createClient(cleanup, { url: cluster.url, token: tokenProvider('writer') });
    await whenOpen(pub);
    await pub.subscribeRoom(room);
    const sessionId = sub.sessionId;
    const nodeOf = () =>
      cluster.servers.findIndex((s) => s.hub.sessions.get(sub.sessionId!)?.conn?.state === 'open');
    const nodes = new Set<number>([nodeOf()]);

    const TOTAL = 300;
    const sending = (async () => {
      for (let n = 0; n < TOTAL; n++) {
        await pub.publish(room, 'app_event', { name: 'tick', n });
        if (n % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let k = 0; k < 5; k++) {
      await waitFor(() => got.length > (k + 1) * 40 || got.length >= TOTAL, 20_000, 'progress');
      sockets.at(-1)!.terminate(); // a dropped network: the next connection goes to the next node
      await waitFor(() => sub.state === 'open' && nodeOf() >= 0, 10_000, 'reconnected');
      nodes.add(nodeOf());
    }
    await sending;
    await waitFor(() => got.length >= TOTAL, 20_000, 'every event');
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.sessionId).toBe(sessionId); // the same session, resumed on other nodes
    expect(nodes.size).toBeGreaterThan(1);
    expect(got).toEqual(Array.from({ length: TOTAL }, (_, n) => n)); // all, once, in order
  });
});
