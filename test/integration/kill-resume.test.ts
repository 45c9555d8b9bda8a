import { join } from 'node:path';
import type { SynclineServer } from '@syncline/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  Cleanup,
  createClient,
  seededRandom,
  startServer,
  tempDir,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
} from './helpers.js';

const TOTAL = 10_000;
const KILLS = 100;
const WINDOW = 64; // publishes in flight at once
const SEED = 0x5eed_2024;

describe('a subscriber whose socket is killed 100 times during a 10,000-event stream', () => {
  const cleanup = new Cleanup();
  let url: string;
  let server: SynclineServer;

  beforeAll(async () => {
    const dir = await tempDir(cleanup);
    ({ url, server } = await startServer(cleanup, {
      storage: { sqlite: join(dir, 'syncline.db') },
      rateLimits: false,
    }));
  });
  afterAll(() => cleanup.run());

  it('receives every event exactly once, in order, and ends at the last seq', async () => {
    const random = seededRandom(SEED);
    const room = uniqueRoom();

    // Kills terminate a socket abruptly (no close frame, like a dropped network). Each client socket
    // is killed at most once (from either end); `killed` holds those.
    const killed = new Set<WebSocket>();
    const kill = (ws: WebSocket | undefined): void => {
      if (!ws || killed.has(ws) || ws.readyState === WebSocket.CLOSED) return;
      killed.add(ws);
      ws.terminate();
    };
    // Or from the server's end: the server's socket of the subscriber's session is terminated.
    const killServerSide = (): boolean => {
      const current = sockets.at(-1)!;
      const conn = server.hub.sessions.get(subscriber.sessionId!)?.conn;
      if (conn?.state !== 'open' || killed.has(current)) return false;
      killed.add(current);
      conn.socket.terminate();
      serverSideKills++;
      return true;
    };
    /** Whether the subscriber is connected on a socket no kill has hit yet. */
    const live = () => subscriber.state === 'open' && !killed.has(sockets.at(-1)!);
    let serverSideKills = 0;
    // A handshake kill ends the next socket 0-3 ms after it opens: while `hello` is in flight, being
    // authenticated, or its `welcome` and first replayed events are on their way.
    let killNextHandshake = false;
    const timers = new Set<NodeJS.Timeout>();
    const later = (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    cleanup.add(() => {
      for (const t of timers) clearTimeout(t);
    });
    const { WebSocket: Tracked, sockets } = trackingWebSocket((ws) => {
      if (!killNextHandshake) return;
      killNextHandshake = false;
      ws.once('open', () => later(() => kill(ws), Math.floor(random() * 4)));
    });
    const subscriber = createClient(cleanup, {
      url,
      token: tokenProvider('sub'),
      WebSocket: Tracked,
      random: seededRandom(SEED + 1), // reconnect jitter
    });
    const received: { seq: number; index: number }[] = [];
    subscriber.subscribe('app_event', (data, event) => {
      received.push({ seq: event.seq!, index: data.index as number });
    });
    const resets: unknown[] = [];
    subscriber.on('reset', (r) => resets.push(r));
    await subscriber.subscribeRoom(room);

    // The publisher takes nothing back from the room (a filter no event matches), so the two cores spend
    // their time on the subscriber.
    const publisher = createClient(cleanup, { url, token: tokenProvider('pub') });
    await publisher.subscribeRoom(room, { types: ['export_completed'] });

    // Kill moments: 100 distinct positions in the publisher's stream, drawn from the seed. When the
    // publisher's acks pass one, the subscriber's established connection is killed after a random
    // 0-7 ms (mid-frame, mid-replay, right after the welcome), from the client's end or (three in ten)
    // from the server's. One kill in four also kills the socket the subscriber reconnects with, during
    // its handshake. A kill that comes due while the subscriber is still reconnecting waits for its next
    // `welcome`.
    const points = new Set<number>();
    while (points.size < KILLS) points.add(1 + Math.floor(random() * (TOTAL - 1)));
    const killAt = [...points].sort((a, b) => a - b);
    let due = 0;
    let moments = 0;
    let handshakeKills = 0;
    let killScheduled = false;
    const tryKill = () => {
      if (due === 0 || killScheduled || !live()) return;
      killScheduled = true;
      later(
        () => {
          killScheduled = false;
          if (live() && !killNextHandshake) {
            due--;
            moments++;
            if (random() < 0.25) {
              killNextHandshake = true;
              handshakeKills++;
            }
            if (!(random() < 0.3 && killServerSide())) kill(sockets.at(-1));
          }
          tryKill();
        },
        Math.floor(random() * 8),
      );
    };
    subscriber.on('state', (s) => {
      if (s.state === 'open') tryKill();
    });
    const published = (count: number) => {
      while (killAt.length > 0 && count >= killAt[0]) {
        killAt.shift();
        due++;
      }
      tryKill();
    };

    // Pipelined publishing: up to WINDOW in flight, the next one sent as each ack comes back.
    const acks: number[] = new Array(TOTAL);
    let next = 0;
    let ackCount = 0;
    const publishNext = async (): Promise<void> => {
      while (next < TOTAL) {
        // Keep the kills inside the stream: while the subscriber is still reconnecting from one kill and
        // another one is due, the publisher waits.
        if (due > 1) await waitFor(() => due <= 1, 30_000, 'pending kills');
        if (next >= TOTAL) return;
        const index = next++;
        const { seq } = await publisher.publish(room, 'app_event', { name: 'tick', index });
        acks[index] = seq!;
        published(++ackCount);
      }
    };
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: WINDOW }, publishNext));

    // Acks: one per publish, seqs 1..TOTAL in publishing order (the room held nothing else).
    expect(acks.every((seq, i) => seq === i + 1)).toBe(true);
    const lastSeq = acks[TOTAL - 1];

    const publishedAt = Date.now();
    const momentsWhilePublishing = moments;
    await waitFor(() => moments === KILLS && !killNextHandshake && timers.size === 0, 60_000, 'all kills');
    const killsDoneAt = Date.now();
    await waitFor(() => subscriber.roomSeq(room) === lastSeq, 30_000, 'subscriber at the last seq');
    await waitFor(live, 10_000, 'subscriber back after the last kill');
    console.log(
      `kill-resume: published in ${publishedAt - startedAt} ms with ${momentsWhilePublishing} of ${KILLS} ` +
        `kill moments, the last ${killsDoneAt - publishedAt} ms later; ${killed.size} sockets killed ` +
        `(${serverSideKills} from the server's end, ${handshakeKills} during a handshake)`,
    );

    expect(received.length).toBe(TOTAL);
    const outOfOrder = received.findIndex((e, i) => e.seq !== i + 1 || e.index !== i);
    expect(outOfOrder).toBe(-1);
    expect(subscriber.roomSeq(room)).toBe(lastSeq);
    expect(resets).toEqual([]);
    // Every kill ended a socket, and the subscriber came back after each one.
    expect(killed.size).toBeGreaterThanOrEqual(KILLS);
    expect(sockets.length).toBe(killed.size + 1);
    expect(subscriber.state).toBe('open');
  });
});
