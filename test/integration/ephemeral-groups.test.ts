import type { EventMessage } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  Cleanup,
  createClient,
  signToken,
  startServer,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
} from './helpers.js';

/**
 * Ephemeral events held for a connection's window leave as one `ephemeral` group per room and type, to clients
 * that said `ephemeral_groups` in their hello (the SDK does); any other client gets them one by one.
 */
describe('ephemeral groups', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  /** A bare WebSocket client speaking the base protocol only: every message it receives, batches flattened. */
  async function rawClient(url: string, userId: string, room: string) {
    const ws = new WebSocket(url, ['syncline.v1.json']);
    cleanup.add(() => ws.close());
    const received: { type: string; [k: string]: unknown }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      received.push(...(m.type === 'batch' ? m.items : [m]));
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        v: 1,
        token: await signToken(userId),
        rooms: [{ room, mode: 'join' }],
      }),
    );
    await waitFor(() => received.some((m) => m.type === 'welcome'));
    return received;
  }

  it('sends a group to the SDK and single events to a client that did not ask, with the same events', async () => {
    const { url } = await startServer(cleanup, { limits: { ephemeralWindowMs: 1000 } });
    const room = uniqueRoom();
    const frames: string[] = [];
    const tracking = trackingWebSocket((ws) => ws.on('message', (d) => frames.push(String(d))));
    const sdk = createClient(cleanup, {
      url,
      token: tokenProvider('watcher'),
      WebSocket: tracking.WebSocket,
    });
    const seen: EventMessage[] = [];
    sdk.subscribe('cursor_update', (_d, e) => seen.push(e as EventMessage));
    await sdk.join(room);
    const raw = await rawClient(url, 'raw-watcher', room);
    const movers = ['ann', 'ben', 'cy'].map((id) => createClient(cleanup, { url, token: tokenProvider(id) }));
    for (const m of movers) await m.join(room);
    // A first move opens each watcher's window; the three moves after it wait in the window together.
    await movers[0].publish(room, 'cursor_update', { page: 0, x: 0, y: 0 });
    await waitFor(() => seen.length === 1);
    for (const [i, m] of movers.entries())
      await m.publish(room, 'cursor_update', { page: 0, x: i / 10, y: 0.5 });

    await waitFor(() => seen.length === 4, 5_000, 'the SDK client got every move');
    const rawMoves = () => raw.filter((m) => m.type === 'cursor_update' && m.room === room);
    await waitFor(() => rawMoves().length === 4, 5_000, 'the raw client got every move');
    const view = (e: EventMessage | Record<string, unknown>) => [e.room, e.from, (e.data as { x: number }).x];
    expect(seen.map(view)).toEqual(rawMoves().map(view));
    expect(seen.slice(1).map(view)).toEqual([
      [room, 'ann', 0],
      [room, 'ben', 0.1],
      [room, 'cy', 0.2],
    ]);
    for (const e of seen) expect(e.ts).toEqual(expect.any(Number));
    // On the wire: one group for the SDK client, never for the raw one.
    expect(frames.filter((f) => f.includes('"type":"ephemeral"'))).toHaveLength(1);
    expect(raw.some((m) => m.type === 'ephemeral')).toBe(false);
  });
});
