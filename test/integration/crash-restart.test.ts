import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  CliServer,
  createClient,
  freePort,
  ROOT,
  SECRET,
  tempDir,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
  wsUrl,
} from './helpers.js';

const TOTAL = 3000;
const WINDOW = 32;
/**
 * Two crashes. At the first, the publisher's socket has stopped reading for a moment, so the publishes in
 * flight are stored but their acks never reach it: after the restart their re-sends must be recognised
 * as duplicates (the durable dedup key). The second is a plain kill at whatever point the stream is.
 */
const KILLS = [
  { afterAcks: 1000, ackless: true },
  { afterAcks: 2000, ackless: false },
];

interface KillRecord {
  /** Publishes the publisher held as acknowledged when the server was killed. */
  acked: number[];
  /** Publishes sent and not yet acknowledged at the kill. */
  inFlight: number[];
  /** Events of the room in the SQLite file right after the kill. */
  storedAtKill: number;
}

describe('the server process is SIGKILLed while a client publishes', () => {
  const cleanup = new Cleanup();
  let server: CliServer;
  let port: number;
  let dbPath: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'packages/server/dist/cli.js'))) {
      throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (or `npx tsc -b`) first');
    }
    const dataDir = await tempDir(cleanup);
    dbPath = join(dataDir, 'syncline.db');
    port = await freePort();
    server = new CliServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      SYNCLINE_DATA_DIR: dataDir,
      SYNCLINE_JWT_SECRET: SECRET,
      SYNCLINE_RATE_LIMIT: 'off',
      SYNCLINE_SYSTEM_STATUS_MS: '0',
      LOG_LEVEL: 'warn',
    });
    // Added after the temp dir, so it runs before the dir's removal (cleanup runs in reverse).
    cleanup.add(() => server.kill());
    expect(await server.start()).toBe(port);
  });
  afterAll(() => cleanup.run());

  /** The room's last seq as stored in the server's SQLite file (read-only, beside the server). */
  const storedSeq = (room: string): number => {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      // The room's row keeps a floor (written on trims); its events carry the rest (see sqlite-log-store.ts).
      const row = db
        .prepare(
          `SELECT max(r.last_seq, COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.room = r.room), 0)) AS seq
           FROM rooms r WHERE r.room = ?`,
        )
        .get(room) as { seq: number } | undefined;
      return row?.seq ?? 0;
    } finally {
      db.close();
    }
  };

  it('loses nothing acknowledged, re-sends what was in flight, and applies every publish once', async () => {
    const url = wsUrl(port);
    const room = uniqueRoom();
    const subscriber = createClient(cleanup, { url, token: tokenProvider('sub') });
    const received: { seq: number; index: number }[] = [];
    subscriber.subscribe('app_event', (data, event) => {
      received.push({ seq: event.seq!, index: data.index as number });
    });
    const resets: unknown[] = [];
    subscriber.on('reset', (r) => resets.push(r));
    await subscriber.subscribeRoom(room);

    const { WebSocket, sockets } = trackingWebSocket();
    const publisher = createClient(cleanup, {
      url,
      token: tokenProvider('pub'),
      WebSocket,
      outbox: { maxSize: TOTAL },
      requestTimeoutMs: 60_000,
    });
    await publisher.subscribeRoom(room, { types: ['export_completed'] });
    const welcomes = { publisher: 0, subscriber: 0 };
    publisher.on('welcome', () => welcomes.publisher++);
    subscriber.on('welcome', () => welcomes.subscriber++);

    const acks = new Map<number, number>();
    const sent: number[] = [];
    const failures: unknown[] = [];
    const kills: KillRecord[] = [];

    const crash = async (ackless: boolean) => {
      // Each kill finds both clients connected (a busy machine may take longer to reconnect the subscriber than
      // the publisher takes to reach the next kill), so each kill tests both reconnections.
      await waitFor(() => subscriber.state === 'open', 10_000, 'subscriber connected before the kill');
      const ws = sockets.at(-1)!;
      if (ackless) {
        // The publisher stops reading; the server goes on storing what is in flight.
        ws.pause();
        await waitFor(() => storedSeq(room) === sent.length, 10_000, 'in-flight publishes stored');
      }
      const acked = [...acks.keys()];
      const inFlight = sent.filter((i) => !acks.has(i));
      await server.kill();
      // A paused socket would not notice the peer is gone: drop it as a dead network would.
      if (ackless) ws.terminate();
      kills.push({ acked, inFlight, storedAtKill: storedSeq(room) });
      await waitFor(
        () => publisher.state !== 'open' && subscriber.state !== 'open',
        10_000,
        'clients notice',
      );
      expect(await server.start()).toBe(port);
    };

    // Publishes go out pipelined (WINDOW in flight) and keep going, into the outbox, while the server
    // is down.
    let next = 0;
    const pendingKills = [...KILLS];
    const publishNext = async (): Promise<void> => {
      while (next < TOTAL) {
        const index = next++;
        sent.push(index);
        try {
          const { seq } = await publisher.publish(room, 'app_event', { name: 'step', index });
          acks.set(index, seq!);
        } catch (err) {
          failures.push(err);
        }
        const kill = pendingKills[0];
        if (kill && acks.size >= kill.afterAcks) {
          pendingKills.shift();
          await crash(kill.ackless);
        }
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, publishNext));
    expect(failures).toEqual([]);
    expect(kills).toHaveLength(KILLS.length);

    // The first crash: publishes stored but never acknowledged existed (and were re-sent below).
    const [first] = kills;
    expect(first.storedAtKill).toBeGreaterThan(first.acked.length);
    expect(first.storedAtKill).toBeLessThanOrEqual(first.acked.length + first.inFlight.length);

    // Every publish was acknowledged; in publishing order the seqs are exactly 1..TOTAL, so none was
    // applied twice (a re-sent publish got the seq it was first stored under) and none is missing.
    expect(acks.size).toBe(TOTAL);
    const seqs = [...acks.entries()].sort((a, b) => a[0] - b[0]).map(([, seq]) => seq);
    expect(seqs.findIndex((seq, i) => seq !== i + 1)).toBe(-1);
    expect(storedSeq(room)).toBe(TOTAL);

    await waitFor(() => subscriber.roomSeq(room) === TOTAL, 30_000, 'subscriber caught up');
    const seen = new Set(received.map((e) => e.index));
    for (const kill of kills) {
      // Nothing acknowledged before a kill was lost, and what was in flight arrived.
      expect(kill.acked.filter((i) => !seen.has(i))).toEqual([]);
      expect(kill.inFlight.filter((i) => !seen.has(i))).toEqual([]);
    }
    // The subscriber saw every event exactly once, in order.
    expect(received.length).toBe(TOTAL);
    expect(received.findIndex((e, i) => e.seq !== i + 1 || e.index !== i)).toBe(-1);
    expect(resets).toEqual([]);
    // Both clients came back by themselves after each restart.
    expect(welcomes.publisher).toBeGreaterThanOrEqual(KILLS.length);
    expect(welcomes.subscriber).toBeGreaterThanOrEqual(KILLS.length);
    expect(publisher.state).toBe('open');
    expect(subscriber.state).toBe('open');
  });
});
