import type { SynclineClient } from '@syncline/client';
import { type EventMessage, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '@syncline/protocol';
import type { SynclineServer } from '@syncline/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  startServer,
  tokenProvider,
  trackingWebSocket,
  uniqueRoom,
  waitFor,
} from './helpers.js';

describe('MessagePack and JSON clients in one room', () => {
  let cleanup: Cleanup;
  let server: SynclineServer;
  let url: string;

  beforeEach(async () => {
    cleanup = new Cleanup();
    ({ server, url } = await startServer(cleanup));
  });
  afterEach(() => cleanup.run());

  const record = (client: SynclineClient) => {
    const events: EventMessage[] = [];
    client.subscribe('*', (_d, e) => events.push(e));
    return events;
  };

  it('exchange events, replies and presence, each on its own codec', async () => {
    const room = uniqueRoom();
    const packed = trackingWebSocket();
    const plain = trackingWebSocket();
    const mp = createClient(cleanup, {
      url,
      token: tokenProvider('mia'),
      codec: 'msgpack',
      WebSocket: packed.WebSocket,
    });
    const js = createClient(cleanup, { url, token: tokenProvider('jon'), WebSocket: plain.WebSocket });
    const mpEvents = record(mp);
    const jsEvents = record(js);
    await mp.join(room);
    await js.join(room);

    // The subprotocols negotiated, and the frames each side actually receives.
    expect(packed.sockets[0].protocol).toBe(SUBPROTOCOL_MSGPACK);
    expect(plain.sockets[0].protocol).toBe(SUBPROTOCOL_JSON);
    const frameKinds = { packed: new Set<string>(), plain: new Set<string>() };
    packed.sockets[0].on('message', (_data, isBinary) => frameKinds.packed.add(isBinary ? 'binary' : 'text'));
    plain.sockets[0].on('message', (_data, isBinary) => frameKinds.plain.add(isBinary ? 'binary' : 'text'));

    // Data with what MessagePack and JSON must agree on: nesting, unicode, numbers, null, booleans.
    const payload = {
      name: 'note',
      text: 'Größe ✓ 日本語 🚀',
      nested: { list: [1, 2.5, -3, 2 ** 40], flag: true, nothing: null },
      big: 'x'.repeat(3000),
    };
    const fromMp = await mp.publish(room, 'app_event', payload);
    const fromJs = await js.publish(room, 'app_event', { name: 'reply', confidence: 0.93, at: 2 ** 41 });
    await mp.publish(room, 'cursor_update', { x: 10.5, y: -2, page: 3 });

    for (const events of [mpEvents, jsEvents]) {
      await waitFor(() => events.some((e) => e.seq === fromJs.seq));
      expect(events.find((e) => e.seq === fromMp.seq)).toMatchObject({
        type: 'app_event',
        room,
        from: 'mia',
        data: payload, // app_event data is delivered as sent; the sender is `from`
      });
      expect(events.find((e) => e.seq === fromJs.seq)).toMatchObject({
        type: 'app_event',
        from: 'jon',
        data: { name: 'reply', confidence: 0.93, at: 2 ** 41 },
      });
    }
    // Presence and ephemeral events cross codecs too.
    expect(
      mpEvents.some((e) => e.type === 'user_join' && (e.data as { userId: string }).userId === 'jon'),
    ).toBe(true);
    await waitFor(() => jsEvents.some((e) => e.type === 'cursor_update'));
    expect(jsEvents.find((e) => e.type === 'cursor_update')).toMatchObject({
      from: 'mia',
      data: { x: 10.5, y: -2, page: 3 },
    });
    expect(jsEvents.find((e) => e.type === 'cursor_update')?.seq).toBeUndefined();

    // Requests and nacks over MessagePack.
    server.handle('sum', (data) => (data as number[]).reduce((a, b) => a + b, 0));
    await expect(mp.request('sum', [1, 2, 3.5])).resolves.toBe(6.5);
    await expect(mp.request('missing')).rejects.toMatchObject({ code: 'unknown_method' });
    await expect(mp.publish(room, 'app_event', { nope: true } as never)).rejects.toMatchObject({
      code: 'invalid',
    });

    // A burst the server fans out as one shared batch per turn, framed once per codec.
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        js.publish(room, 'app_event', { name: 'burst', i, text: `é${i}` }),
      ),
    );
    const burstSeqs = burst.map((r) => r.seq);
    for (const events of [mpEvents, jsEvents]) {
      await waitFor(() => events.some((e) => e.seq === burstSeqs.at(-1)));
      const got = events.filter(
        (e) => e.type === 'app_event' && (e.data as { name: string }).name === 'burst',
      );
      expect(got.map((e) => e.seq)).toEqual(burstSeqs);
      expect(got.map((e) => (e.data as { text?: unknown }).text)).toEqual(burstSeqs.map((_, i) => `é${i}`));
    }

    expect(frameKinds.packed).toEqual(new Set(['binary']));
    expect(frameKinds.plain).toEqual(new Set(['text']));
  });
});
