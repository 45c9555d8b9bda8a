import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SynclineError } from './errors.js';
import { fakeBrowser } from './testing/fake-websocket.js';
import { setup, tick } from './testing/harness.js';

const T0 = 1_000_000;

/** Records how a promise settles, without unhandled rejections. */
function track<T>(p: Promise<T>) {
  const r: { value?: T; error?: SynclineError; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(r, { value, settled: true }),
    (error) => Object.assign(r, { error, settled: true }),
  );
  return r;
}

const zoneUpdate = (seq: number, room = 'doc:1') => ({
  type: 'zone_update',
  room,
  seq,
  ts: T0,
  from: 'u2',
  data: { zoneId: `z${seq}`, updates: {} },
});

describe('SynclineClient', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  describe('rooms and resume', () => {
    it('joins a room and resolves with the ack', async () => {
      const { client, open } = setup();
      const ws = await open();
      const joined = track(client.join('doc:1', { types: ['zone_update'] }));
      const cmd = ws.last('join_room');
      expect(cmd).toMatchObject({ type: 'join_room', room: 'doc:1', types: ['zone_update'] });
      ws.deliver({ type: 'ack', id: cmd.id, data: { room: 'doc:1', seq: 5, status: 'fresh' } });
      await tick();
      expect(joined.value).toEqual({ room: 'doc:1', seq: 5, status: 'fresh' });
      expect(client.roomSeq('doc:1')).toBe(5);
      client.close();
    });

    it('refuses a malformed room name at once and never puts it in a hello (it would fail the whole handshake)', async () => {
      const { client, net, open } = setup();
      const ws1 = await open();
      await expect(client.join('doc:50%')).rejects.toMatchObject({ code: 'invalid_room' });
      await expect(client.subscribeRoom('Bad Room')).rejects.toMatchObject({ code: 'invalid_room' });
      // A lone surrogate, as the server refuses it (stores would read it back differently).
      await expect(client.join('doc:a\uD800')).rejects.toMatchObject({ code: 'invalid_room' });
      expect(ws1.sentOf('join_room')).toEqual([]);
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      const rooms = (net.current.sent[0].rooms as { room: string }[]).map((r) => r.room);
      expect(rooms).toEqual(['user:u1', 'system']);
      client.close();
    });

    it('after a reconnect, sends hello.session and hello.rooms with the last seq seen in each room', async () => {
      const { client, net, open } = setup();
      const ws1 = await open({ sessionId: 'S1', resumeKey: 'K1' });
      client.join('doc:1');
      client.subscribeRoom('jobs:7', { types: ['processing_progress'] });
      ws1.deliver(
        { type: 'ack', id: ws1.last('join_room').id, data: { room: 'doc:1', seq: 5, status: 'fresh' } },
        { type: 'ack', id: ws1.last('subscribe').id, data: { room: 'jobs:7', seq: 0, status: 'fresh' } },
        zoneUpdate(6),
        zoneUpdate(7),
        { ...zoneUpdate(3, 'user:u1'), type: 'processing_completed' },
      );
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      expect(net.current.sent[0]).toEqual({
        type: 'hello',
        v: 1,
        token: 'token-2',
        session: { id: 'S1', key: 'K1' },
        rooms: [
          { room: 'user:u1', mode: 'subscribe', since: 3 },
          { room: 'system', mode: 'subscribe', since: 0 },
          { room: 'doc:1', mode: 'join', since: 7 },
          { room: 'jobs:7', mode: 'subscribe', since: 0, types: ['processing_progress'] },
        ],
        client: { name: '@syncline/client', version: '0.1.0' },
        features: ['ephemeral_groups'],
      });
      client.close();
    });

    it('drops duplicate events (seq at or below the last seen in the room)', async () => {
      const { client, open } = setup();
      const ws = await open({ rooms: [{ room: 'doc:1', seq: 5, status: 'fresh' }] });
      const seen: number[] = [];
      client.subscribe('zone_update', (_data, event) => seen.push(event.seq!));
      ws.deliver(zoneUpdate(5), zoneUpdate(6), zoneUpdate(7), zoneUpdate(6), zoneUpdate(8));
      expect(seen).toEqual([6, 7, 8]);
      client.close();
    });

    it('delivers replayed events after a resume, dropping the overlap', async () => {
      const { client, net, open } = setup();
      const ws1 = await open({ rooms: [{ room: 'doc:1', seq: 5, status: 'fresh' }] });
      const seen: number[] = [];
      client.subscribe('zone_update', (_d, e) => seen.push(e.seq!));
      ws1.deliver(zoneUpdate(6));
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      expect(net.current.sent[0].rooms).toContainEqual({ room: 'doc:1', mode: 'subscribe', since: 6 });
      net.current.deliverBatch([
        { type: 'welcome', ...welcomeFields(), rooms: [{ room: 'doc:1', seq: 8, status: 'resumed' }] },
        zoneUpdate(6),
        zoneUpdate(7),
        zoneUpdate(8),
      ]);
      expect(seen).toEqual([6, 7, 8]);
      client.close();
    });

    it('surfaces a reset and continues from its seq', async () => {
      const { client, open } = setup();
      const ws = await open({ rooms: [{ room: 'doc:1', seq: 2, status: 'reset' }] });
      const resets: unknown[] = [];
      const seen: number[] = [];
      client.on('reset', (r) => resets.push(r));
      client.subscribe('zone_update', (_d, e) => seen.push(e.seq!));
      ws.deliver(
        { type: 'reset', room: 'doc:1', seq: 500, reason: 'retention' },
        zoneUpdate(500),
        zoneUpdate(501),
      );
      expect(resets).toEqual([{ type: 'reset', room: 'doc:1', seq: 500, reason: 'retention' }]);
      expect(seen).toEqual([501]);
      client.close();
    });

    it('enters a room joined while disconnected through hello, resolving from the welcome', async () => {
      const { client, net } = setup();
      const joined = track(client.join('doc:9', { since: 3 }));
      await tick();
      net.current.accept();
      expect(net.current.sent[0].rooms).toEqual([{ room: 'doc:9', mode: 'join', since: 3 }]);
      net.current.deliver({
        type: 'welcome',
        ...welcomeFields(),
        rooms: [{ room: 'doc:9', seq: 5, status: 'resumed' }],
      });
      await tick();
      expect(joined.value).toEqual({ room: 'doc:9', seq: 5, status: 'resumed' });
      expect(net.current.sentOf('join_room')).toEqual([]);
      client.close();
    });

    it('enters a room joined during the handshake with a command after the welcome', async () => {
      const { client, net } = setup();
      await tick();
      net.current.accept(); // hello sent without doc:5
      const joined = track(client.join('doc:5'));
      net.current.deliver({ type: 'welcome', ...welcomeFields(), rooms: [] });
      const cmd = net.current.last('join_room');
      expect(cmd).toMatchObject({ room: 'doc:5' });
      net.current.deliver({ type: 'ack', id: cmd.id, data: { room: 'doc:5', seq: 1, status: 'fresh' } });
      await tick();
      expect(joined.value).toEqual({ room: 'doc:5', seq: 1, status: 'fresh' });
      client.close();
    });

    it('re-enters a room whose mode or types changed during the handshake with a command after the welcome', async () => {
      const { client, net } = setup();
      client.subscribeRoom('doc:1').catch(() => {});
      client.subscribeRoom('jobs:1', { types: ['processing_progress'] }).catch(() => {});
      await tick();
      net.current.accept(); // hello: both rooms, as subscriptions with the first filter
      expect(net.current.sent[0].rooms).toEqual([
        { room: 'doc:1', mode: 'subscribe' },
        { room: 'jobs:1', mode: 'subscribe', types: ['processing_progress'] },
      ]);
      const joined = track(client.join('doc:1')); // presence asked while the handshake is under way
      client.subscribeRoom('jobs:1', { types: ['processing_progress', 'processing_error'] }).catch(() => {});
      net.current.deliver({
        type: 'welcome',
        ...welcomeFields(),
        rooms: [
          { room: 'doc:1', seq: 5, status: 'fresh' },
          { room: 'jobs:1', seq: 0, status: 'fresh' },
        ],
      });
      // The server entered them as `hello` said: without these commands the user would not be present
      // and processing_error events would never arrive.
      expect(net.current.last('join_room')).toMatchObject({ room: 'doc:1', since: 5 });
      expect(net.current.last('subscribe')).toMatchObject({
        room: 'jobs:1',
        types: ['processing_progress', 'processing_error'],
      });
      await tick();
      expect(joined.settled).toBe(true);
      client.close();
    });

    it('rejects a join the server refuses, and forgets the room', async () => {
      const { client, open } = setup();
      const ws = await open();
      const joined = track(client.join('doc:secret'));
      ws.deliver({ type: 'nack', id: ws.last('join_room').id, code: 'forbidden', message: 'no' });
      await tick();
      expect(joined.error?.code).toBe('forbidden');
      expect(client.roomSeq('doc:secret')).toBeUndefined();
      client.close();
    });

    it('a late refusal of a join left and joined again does not forget the room joined again', async () => {
      const { client, open } = setup();
      const ws = await open();
      const first = track(client.join('doc:1'));
      const firstId = ws.last('join_room').id;
      client.leave('doc:1').catch(() => {});
      const second = track(client.join('doc:1'));
      const secondId = ws.last('join_room').id;
      expect(secondId).not.toBe(firstId);
      // The first join's reply comes late (replies are not in request order): it speaks of the first entry.
      ws.deliver({ type: 'nack', id: firstId, code: 'internal', message: 'hook failed' });
      await tick();
      expect(first.error?.code).toBe('not_joined'); // rejected by the leave already
      expect(second.settled).toBe(false);
      ws.deliver({ type: 'ack', id: secondId, data: { room: 'doc:1', seq: 4, status: 'fresh' } });
      await tick();
      expect(second.value).toEqual({ room: 'doc:1', seq: 4, status: 'fresh' });
      expect(client.roomSeq('doc:1')).toBe(4);
      client.close();
    });

    it('a late ack of a join left and joined again does not settle the join made again', async () => {
      const { client, open } = setup();
      const ws = await open();
      client.join('doc:1').catch(() => {});
      const firstId = ws.last('join_room').id;
      client.leave('doc:1').catch(() => {});
      const second = track(client.join('doc:1'));
      ws.deliver({ type: 'ack', id: firstId, data: { room: 'doc:1', seq: 2, status: 'fresh' } });
      await tick();
      expect(second.settled).toBe(false); // the server has not run it yet
      ws.deliver({
        type: 'ack',
        id: ws.last('join_room').id,
        data: { room: 'doc:1', seq: 3, status: 'fresh' },
      });
      await tick();
      expect(second.value).toMatchObject({ seq: 3 });
      client.close();
    });

    it('leaves a room and stops re-entering it', async () => {
      const { client, net, open } = setup();
      const ws = await open({ rooms: [{ room: 'doc:1', seq: 0, status: 'fresh' }] });
      client.join('doc:1').catch(() => {});
      ws.deliver({
        type: 'ack',
        id: ws.last('join_room').id,
        data: { room: 'doc:1', seq: 0, status: 'fresh' },
      });
      const left = track(client.leave('doc:1'));
      ws.deliver({ type: 'ack', id: ws.last('leave_room').id });
      await tick();
      expect(left.settled).toBe(true);
      ws.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      // No room left to resume: an empty list (not none), or the resumed session would restore its rooms.
      expect(net.current.sent[0]).toMatchObject({ session: { id: expect.any(String) }, rooms: [] });
      client.close();
    });

    it('does not get back, on resume, a room left while disconnected', async () => {
      const { client, net, open } = setup();
      const ws = await open({ rooms: [] }); // the automatic rooms were not entered (refused, say)
      client.join('doc:1').catch(() => {});
      ws.deliver({
        type: 'ack',
        id: ws.last('join_room').id,
        data: { room: 'doc:1', seq: 0, status: 'fresh' },
      });
      ws.serverClose(1006);
      await client.leave('doc:1'); // offline: nothing to send, the next hello says it
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      expect(net.current.sent[0]).toMatchObject({ session: { id: expect.any(String) }, rooms: [] });
      client.close();
    });
  });

  describe('events', () => {
    it('calls handlers by type and `*` for all; the disposer unsubscribes', async () => {
      const { client, open } = setup();
      const ws = await open();
      const typed: unknown[] = [];
      const all: string[] = [];
      const off = client.subscribe('cursor_update', (data) => typed.push(data));
      client.subscribe('*', (_d, e) => all.push(e.type));
      const cursor = { type: 'cursor_update', room: 'doc:1', ts: 0, data: { x: 1, y: 2, page: 0 } };
      ws.deliver(cursor);
      off();
      ws.deliver(cursor, zoneUpdate(1));
      expect(typed).toEqual([{ x: 1, y: 2, page: 0 }]);
      expect(all).toEqual(['cursor_update', 'cursor_update', 'zone_update']);
      client.close();
    });

    it('unpacks batch frames in order: replies and events', async () => {
      const { client, open } = setup();
      const ws = await open({ rooms: [{ room: 'doc:1', seq: 0, status: 'fresh' }] });
      const order: string[] = [];
      client.publish('doc:1', 'zone_update', { zoneId: 'a', updates: {} }).then(() => order.push('ack'));
      client.subscribe('zone_update', (_d, e) => order.push(`event ${e.seq}`));
      await Promise.resolve();
      ws.deliverBatch([
        zoneUpdate(1),
        { type: 'ack', id: ws.last('publish').id, data: { seq: 2 } },
        zoneUpdate(2),
      ]);
      await tick();
      // The ack's promise callback runs after the frame's synchronous handlers.
      expect(order).toEqual(['event 1', 'event 2', 'ack']);
      client.close();
    });

    it('announces maintenance', async () => {
      const { client, open } = setup();
      const ws = await open();
      const notices: unknown[] = [];
      client.on('maintenance', (d) => notices.push(d));
      ws.deliver({
        type: 'maintenance_mode',
        room: 'system',
        seq: 1,
        ts: 0,
        data: { enabled: true, message: 'soon' },
      });
      expect(notices).toEqual([{ enabled: true, message: 'soon' }]);
      client.close();
    });

    it('reports a server error that answers no message', async () => {
      const { client, errors, open } = setup();
      const ws = await open();
      ws.deliver({ type: 'error', code: 'malformed', message: 'bad frame' });
      expect(errors.map((e) => e.code)).toEqual(['malformed']);
      client.close();
    });
  });

  describe('messages', () => {
    it('publishes and resolves with the seq', async () => {
      const { client, open } = setup();
      const ws = await open();
      const p = track(client.publish('doc:1', 'zone_update', { zoneId: 'z', updates: { label: 'x' } }));
      const msg = ws.last('publish');
      expect(msg).toMatchObject({
        room: 'doc:1',
        event: 'zone_update',
        data: { zoneId: 'z', updates: { label: 'x' } },
      });
      ws.deliver({ type: 'ack', id: msg.id, data: { seq: 12 } });
      await tick();
      expect(p.value).toEqual({ seq: 12 });
      client.close();
    });

    it('queues while disconnected and, after the resume, re-sends in-flight messages before the outbox', async () => {
      const { client, open } = setup();
      const ws1 = await open();
      const a = track(client.publish('doc:1', 'zone_update', { zoneId: 'a', updates: {} }));
      const inflightId = ws1.last('publish').id;
      ws1.serverClose(1006);
      const b = track(client.publish('doc:1', 'zone_update', { zoneId: 'b', updates: {} }));
      const c = track(client.request('ping_me'));
      expect(client.queued).toBe(2);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      const sent = ws2.sent.slice(1);
      expect(sent.map((m) => m.data?.zoneId ?? m.method)).toEqual(['a', 'b', 'ping_me']);
      expect(sent[0].id).toBe(inflightId);
      ws2.deliverBatch([
        { type: 'ack', id: sent[0].id, data: { seq: 1 } },
        { type: 'ack', id: sent[1].id, data: { seq: 2 } },
        { type: 'response', id: sent[2].id, data: 'pong' },
      ]);
      await tick();
      expect([a.value, b.value, c.value]).toEqual([{ seq: 1 }, { seq: 2 }, 'pong']);
      client.close();
    });

    it('neither queues nor re-sends ephemeral events (cursors)', async () => {
      const { client, net, open } = setup();
      const offline = track(client.publish('doc:1', 'cursor_update', { x: 1, y: 1, page: 0 }));
      expect(client.queued).toBe(0);
      const ws1 = await open();
      expect(ws1.sentOf('publish')).toEqual([]);
      const inflight = track(client.publish('doc:1', 'cursor_update', { x: 2, y: 2, page: 0 }));
      expect(ws1.sentOf('publish')).toHaveLength(1);
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(ws2.sentOf('publish')).toEqual([]);
      await tick();
      expect([offline.value, inflight.value]).toEqual([{}, {}]);
      expect(net.sockets).toHaveLength(2);
      client.close();
    });

    it('rejects with outbox_full and expired', async () => {
      const { client } = setup({ outbox: { maxSize: 2, ttlMs: 10_000 } });
      const ps = [1, 2, 3].map((n) => track(client.publish('doc:1', 'zone_delete', { zoneId: `z${n}` })));
      await tick();
      expect(ps.map((p) => p.error?.code)).toEqual([undefined, undefined, 'outbox_full']);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(ps.map((p) => p.error?.code)).toEqual(['expired', 'expired', 'outbox_full']);
      client.close();
    });

    it('rejects a request with timeout', async () => {
      const { client, open } = setup({ requestTimeoutMs: 2000 });
      await open();
      const r = track(client.request('slow', { a: 1 }));
      const r2 = track(client.request('slower', undefined, { timeoutMs: 5000 }));
      await vi.advanceTimersByTimeAsync(2000);
      expect(r.error?.code).toBe('timeout');
      expect(r2.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(3000);
      expect(r2.error?.code).toBe('timeout');
      client.close();
    });

    it('re-sends a rate-limited message after retryAfterMs', async () => {
      const { client, open } = setup();
      const ws = await open();
      const p = track(client.publish('doc:1', 'zone_delete', { zoneId: 'z' }));
      ws.deliver({
        type: 'nack',
        id: ws.last('publish').id,
        code: 'rate_limited',
        message: 'slow',
        retryAfterMs: 1500,
      });
      await vi.advanceTimersByTimeAsync(1499);
      expect(ws.sentOf('publish')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(ws.sentOf('publish')).toHaveLength(2);
      ws.deliver({ type: 'ack', id: ws.last('publish').id, data: { seq: 3 } });
      await tick();
      expect(p.value).toEqual({ seq: 3 });
      client.close();
    });

    it('retries a rate-limited re-send with the same id, so a publish whose ack was lost is not appended twice', async () => {
      const { client, open } = setup();
      const ws1 = await open();
      const p = track(client.publish('doc:1', 'zone_delete', { zoneId: 'z' }));
      const id = ws1.last('publish').id;
      // The server appended it, but the socket died before the ack arrived.
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      // A new session (server restart): the re-send meets the rate limit before the durable de-duplication.
      const ws2 = await open({ sessionId: 'S2', resumeKey: 'K2', resumed: false });
      expect(ws2.last('publish').id).toBe(id);
      ws2.deliver({ type: 'nack', id, code: 'rate_limited', message: 'slow', retryAfterMs: 100 });
      await vi.advanceTimersByTimeAsync(100);
      // Only the same id lets the server find the stored event (acked with its seq, not appended again).
      expect(ws2.sentOf('publish').map((m) => m.id)).toEqual([id, id]);
      ws2.deliver({ type: 'ack', id, data: { seq: 4 } });
      await tick();
      expect(p.value).toEqual({ seq: 4 });
      client.close();
    });

    it('send() sends any message type with an id and resolves with its reply', async () => {
      const { client, open } = setup();
      const ws = await open();
      const p = track(client.send({ type: 'custom', data: 1 }));
      const msg = ws.last('custom');
      expect(msg).toMatchObject({ type: 'custom', data: 1 });
      ws.deliver({ type: 'nack', id: msg.id, code: 'unknown_type', message: 'no' });
      await tick();
      expect(p.error?.code).toBe('unknown_type');
      client.close();
    });
  });

  describe('token', () => {
    it('calls the token provider on every connect', async () => {
      const { client, net, token, open } = setup();
      await open();
      net.current.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(token).toHaveBeenCalledTimes(2);
      expect(ws2.sent[0].token).toBe('token-2');
      client.close();
    });

    it('refreshes the token with auth before it expires, and again after each refresh', async () => {
      const { client, token, open } = setup();
      const ws = await open({ tokenExp: (T0 + 60_000) / 1000, serverTime: T0, heartbeatMs: 1e9 });
      await vi.advanceTimersByTimeAsync(47_999);
      expect(ws.sentOf('auth')).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(ws.last('auth')).toMatchObject({ type: 'auth', token: 'token-2' });
      expect(token).toHaveBeenCalledTimes(2);
      ws.deliver({
        type: 'ack',
        id: ws.last('auth').id,
        data: { tokenExp: (T0 + 48_000 + 3_600_000) / 1000 },
      });
      await tick();
      await vi.advanceTimersByTimeAsync(3_570_000);
      expect(ws.sentOf('auth')).toHaveLength(2);
      client.close();
    });

    it('refreshes a token valid for longer than setTimeout can wait only before it expires, not at once', async () => {
      const { client, open } = setup();
      const day = 86_400_000;
      const ws = await open({
        tokenExp: (T0 + 40 * day) / 1000,
        serverTime: T0,
        heartbeatMs: 2e9,
        heartbeatTimeoutMs: 1e9,
      });
      // 40 days is past setTimeout's 2^31 - 1 ms: such a timer fires at once (and each ack re-armed it).
      await vi.advanceTimersByTimeAsync(1000);
      expect(ws.sentOf('auth')).toEqual([]);
      for (let d = 0; d < 39; d++) {
        await vi.advanceTimersByTimeAsync(day);
        ws.deliver({ type: 'ping', ts: Date.now() }); // keeps the heartbeat happy
      }
      expect(ws.sentOf('auth')).toEqual([]);
      await vi.advanceTimersByTimeAsync(day);
      expect(ws.sentOf('auth')).toHaveLength(1);
      client.close();
    });

    it('uses the server clock for refresh timing', async () => {
      const { client, open } = setup();
      // The client's clock is 10 s behind the server's: the token has 60 s left by the server's clock.
      const ws = await open({ tokenExp: (T0 + 70_000) / 1000, serverTime: T0 + 10_000, heartbeatMs: 1e9 });
      await vi.advanceTimersByTimeAsync(48_000);
      expect(ws.sentOf('auth')).toHaveLength(1);
      client.close();
    });

    it('forgets the rooms a refreshed token no longer allows, and says why', async () => {
      const { client, net, open } = setup();
      const ws = await open({ heartbeatMs: 1e9 });
      client.join('doc:1');
      client.subscribeRoom('user:u2');
      ws.deliver(
        { type: 'ack', id: ws.last('join_room').id, data: { room: 'doc:1', seq: 5, status: 'fresh' } },
        { type: 'ack', id: ws.last('subscribe').id, data: { room: 'user:u2', seq: 0, status: 'fresh' } },
      );
      await tick();
      const errors: { code: string; message: string }[] = [];
      client.on('error', (e) => errors.push({ code: e.code, message: e.message }));
      const refreshed = client.refreshToken();
      await tick();
      const message = "user:u2 is another user's private room";
      ws.deliver({
        type: 'ack',
        id: ws.last('auth').id,
        data: { tokenExp: null, left: [{ room: 'user:u2', code: 'forbidden', message }] },
      });
      await refreshed;
      expect(errors).toEqual([{ code: 'forbidden', message }]);
      // Not asked for again after a reconnect.
      ws.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await tick();
      net.current.accept();
      expect((net.current.sent[0].rooms as { room: string }[]).map((r) => r.room)).not.toContain('user:u2');
      expect((net.current.sent[0].rooms as { room: string }[]).map((r) => r.room)).toContain('doc:1');
      client.close();
    });

    it("reckons the server's clock from the welcome (serverNow), its own clock before one", async () => {
      const { client, open } = setup();
      expect(client.serverNow()).toBe(Date.now());
      await open({ serverTime: Date.now() + 60_000, heartbeatMs: 1e9 });
      expect(client.serverNow()).toBe(Date.now() + 60_000);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(client.serverNow()).toBe(Date.now() + 60_000);
      client.close();
    });

    it('does not schedule refreshes for a fixed token', async () => {
      const { client, open } = setup({ token: 'fixed' });
      const ws = await open({ tokenExp: (T0 + 60_000) / 1000, heartbeatMs: 1e9 });
      await vi.advanceTimersByTimeAsync(120_000);
      expect(ws.sentOf('auth')).toEqual([]);
      client.close();
    });
  });

  describe('lifecycle', () => {
    it('emits every state change', async () => {
      const { client, states, net, open } = setup();
      await open();
      net.current.serverClose(1006);
      client.reconnect();
      // (the first `connecting` was emitted by the constructor, before the test listened)
      expect(states).toEqual(['open', 'reconnecting', 'connecting']);
      client.close();
      expect(states.at(-1)).toBe('closed');
    });

    it('does not connect until connect() with autoConnect: false', async () => {
      const { client, net } = setup({ autoConnect: false });
      await tick();
      expect(client.state).toBe('idle');
      expect(net.sockets).toHaveLength(0);
      client.connect();
      await tick();
      expect(net.sockets).toHaveLength(1);
      client.close();
    });

    it('keeps the last N frames in both directions for debugging', async () => {
      const { client, open } = setup({ debug: { frames: 3 } });
      const ws = await open();
      ws.deliver({ type: 'ping', ts: 1 });
      const frames = client.debugFrames();
      expect(frames.map((f) => [f.dir, (f.frame as { type: string }).type])).toEqual([
        ['in', 'welcome'],
        ['in', 'ping'],
        ['out', 'pong'],
      ]);
      expect(frames[2]).toEqual({ dir: 'out', at: T0, frame: { type: 'pong', ts: 1 } });
      client.close();
    });

    it('redacts the token of hello in the frame log', async () => {
      const { client, open } = setup({ debug: { frames: 10 } });
      await open();
      expect(client.debugFrames()[0].frame).toMatchObject({ type: 'hello', token: '[redacted]' });
      client.close();
    });

    it('close() leaves no timers, listeners or open socket and rejects what waits with closed', async () => {
      const browser = fakeBrowser();
      const { client, net, open } = setup({ globals: browser.window });
      const ws = await open({ tokenExp: (T0 + 3_600_000) / 1000 });
      const inflight = track(client.request('m', null, { timeoutMs: 60_000 }));
      ws.serverClose(1006);
      const queued = track(client.publish('doc:1', 'zone_delete', { zoneId: 'z' }));
      const joining = track(client.join('doc:2'));
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      client.close();
      await tick();
      expect(vi.getTimerCount()).toBe(0);
      expect(browser.listeners).toBe(0);
      expect([inflight.error?.code, queued.error?.code, joining.error?.code]).toEqual([
        'closed',
        'closed',
        'closed',
      ]);
      expect(net.sockets.every((s) => s.readyState === 3)).toBe(true);
      await expect(client.publish('doc:1', 'zone_delete', { zoneId: 'z' })).rejects.toMatchObject({
        code: 'closed',
      });
    });

    it('close() while open closes the socket with 1000', async () => {
      const { client, open } = setup();
      const ws = await open();
      client.close();
      expect(ws.closedWith).toEqual({ code: 1000, reason: 'client closed' });
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

function welcomeFields() {
  return {
    v: 1,
    sessionId: 'sess-2',
    resumeKey: 'key-2',
    resumed: true,
    userId: 'u1',
    heartbeatMs: 25_000,
    heartbeatTimeoutMs: 10_000,
    maxPayload: 65_536,
    sessionGraceMs: 120_000,
    serverTime: T0,
  };
}
