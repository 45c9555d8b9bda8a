import { join } from 'node:path';
import type { Reset } from '@syncline/protocol';
import type { SynclineServer } from '@syncline/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  freePort,
  startServer,
  tempDir,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
  wsUrl,
} from './helpers.js';

const PUBLISHED_WHILE_AWAY = 50;

describe.each(['memory', 'sqlite'] as const)(
  'a subscriber whose position is older than the retention (%s)',
  (storage) => {
    let cleanup: Cleanup;
    let server: SynclineServer;
    let url: string;

    beforeEach(async () => {
      cleanup = new Cleanup();
      const dir = storage === 'sqlite' ? await tempDir(cleanup) : '';
      ({ server, url } = await startServer(cleanup, {
        storage: storage === 'sqlite' ? { sqlite: join(dir, 'syncline.db') } : 'memory',
        retention: { doc: { maxEvents: 5, maxAgeMs: 3_600_000 } },
      }));
    });
    afterEach(() => cleanup.run());

    it.each([
      ['in its hello', false],
      ['with a join command on an open connection', true],
    ])('gets a reset to the latest seq, then live events after it (old position %s)', async (_how, late) => {
      const room = uniqueRoom();
      const publisher = createClient(cleanup, { url, token: tokenProvider('bob') });
      await publisher.join(room);

      // Alice follows the room for a while, then leaves (closes her client) at a known position.
      const first = createClient(cleanup, { url, token: tokenProvider('alice') });
      const before: number[] = [];
      first.subscribe('app_event', (_d, e) => before.push(e.seq!));
      await first.join(room);
      const { seq: seen } = await publisher.publish(room, 'app_event', { name: 'before' });
      await waitFor(() => first.roomSeq(room) === seen);
      expect(before).toEqual([seen]);
      first.close();

      let last = seen!;
      for (let i = 0; i < PUBLISHED_WHILE_AWAY; i++) {
        ({ seq: last } = (await publisher.publish(room, 'app_event', { name: 'away', i })) as {
          seq: number;
        });
      }
      expect(last).toBeGreaterThanOrEqual(seen! + PUBLISHED_WHILE_AWAY);
      await server.hub.trim();
      const kept = await server.hub.store.read(room, 0, 100);
      expect(kept.entries).toHaveLength(5);
      expect(kept.firstSeq).toBeGreaterThan(seen! + 1);
      expect(kept.lastSeq).toBe(last);

      // She comes back with her old position: the events after it are gone.
      const second = createClient(cleanup, { url, token: tokenProvider('alice') });
      const resets: Reset[] = [];
      second.on('reset', (r) => resets.push(r));
      const after: { seq: number; name: string }[] = [];
      second.subscribe('app_event', (data, e) =>
        after.push({ seq: e.seq!, name: (data as { name: string }).name }),
      );
      if (late) await waitFor(() => second.state === 'open');
      const state = await second.join(room, { since: seen });
      expect(state).toMatchObject({ room, status: 'reset' });

      await waitFor(() => resets.length > 0, 10_000, 'reset');
      expect(resets).toEqual([{ type: 'reset', room, seq: last, reason: 'retention' }]);
      expect(second.roomSeq(room)).toBe(last);

      // Live events continue after the reset's seq; nothing from before it is replayed.
      const live = await publisher.publish(room, 'app_event', { name: 'live' });
      expect(live.seq).toBe(last + 1);
      await waitFor(() => second.roomSeq(room) === live.seq, 10_000, 'live event');
      expect(after).toEqual([{ seq: live.seq, name: 'live' }]);
      expect(resets).toHaveLength(1);
    });

    it('gets a reset when the same client comes back after a long disconnect', async () => {
      const room = uniqueRoom();
      const publisher = createClient(cleanup, { url, token: tokenProvider('bob') });
      await publisher.join(room);

      // While `offline`, every reconnect attempt goes to a closed port and fails.
      let offline = false;
      const nowhere = wsUrl(await freePort());
      const { WebSocket, sockets } = trackingWebSocket();
      const alice = createClient(cleanup, {
        url: () => (offline ? nowhere : url),
        token: tokenProvider('alice'),
        WebSocket,
      });
      const resets: Reset[] = [];
      alice.on('reset', (r) => resets.push(r));
      const got: number[] = [];
      alice.subscribe('app_event', (_d, e) => got.push(e.seq!));
      let welcomes = 0;
      alice.on('welcome', () => welcomes++);
      await alice.join(room);
      const { seq: seen } = await publisher.publish(room, 'app_event', { name: 'before' });
      await waitFor(() => alice.roomSeq(room) === seen);

      offline = true;
      sockets.at(-1)!.terminate();
      await waitFor(() => alice.state !== 'open');
      let last = seen!;
      for (let i = 0; i < PUBLISHED_WHILE_AWAY; i++) {
        ({ seq: last } = (await publisher.publish(room, 'app_event', { name: 'away', i })) as {
          seq: number;
        });
      }
      await server.hub.trim();
      expect(alice.roomSeq(room)).toBe(seen);

      offline = false;
      await waitFor(() => resets.length > 0, 10_000, 'reset');
      expect(welcomes).toBe(2);
      expect(resets).toEqual([{ type: 'reset', room, seq: last, reason: 'retention' }]);
      expect(alice.roomSeq(room)).toBe(last);

      const live = await publisher.publish(room, 'app_event', { name: 'live' });
      await waitFor(() => alice.roomSeq(room) === live.seq, 10_000, 'live event');
      expect(got).toEqual([seen, live.seq]);
    });
  },
);
