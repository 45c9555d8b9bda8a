import { SUBPROTOCOL_MSGPACK, type Welcome } from '@syncline/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BACKOFF } from './backoff.js';
import { Connection, type ConnectionOptions, restartDelay, unbatch } from './connection.js';
import type { ConnectionStatus } from './connection-state.js';
import { defaultClock, defaultTimers } from './environment.js';
import { fakeBrowser, fakeWebSockets, welcome } from './testing/fake-websocket.js';
import { tick } from './testing/harness.js';

const T0 = 1_000_000;

function make(overrides: Partial<ConnectionOptions> = {}) {
  const net = fakeWebSockets();
  const token = vi.fn(() => `token-${token.mock.calls.length}`);
  const conn = new Connection({
    url: 'ws://test/rt',
    token,
    WebSocket: net.WebSocket,
    codec: 'json',
    timers: defaultTimers,
    clock: defaultClock,
    random: () => 0.5,
    logger: {},
    globals: undefined,
    backoff: DEFAULT_BACKOFF,
    connectTimeoutMs: 10_000,
    frames: undefined,
    helloRooms: () => [],
    ...overrides,
  });
  const statuses: ConnectionStatus[] = [];
  const messages: unknown[] = [];
  conn.events.on('state', (s) => statuses.push(s));
  conn.events.on('message', (m) => messages.push(m));
  const states = () => statuses.map((s) => s.state);
  async function open(w: Partial<Welcome> = {}) {
    await tick();
    const ws = net.current;
    ws.accept();
    ws.deliver(welcome(w));
    return ws;
  }
  return { conn, net, token, statuses, states, messages, open };
}

describe('Connection', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  describe('handshake', () => {
    it('goes connecting then open, sending hello with the token as its first message', async () => {
      const { conn, net, states, open } = make();
      expect(conn.status.state).toBe('idle');
      conn.connect();
      expect(states()).toEqual(['connecting']);
      const ws = await open();
      expect(ws.url).toBe('ws://test/rt');
      expect(ws.protocols).toEqual(['syncline.v1.json']);
      expect(ws.binaryType).toBe('arraybuffer');
      expect(ws.sent[0]).toMatchObject({ type: 'hello', v: 1, token: 'token-1' });
      expect(ws.sent[0].session).toBeUndefined();
      expect(states()).toEqual(['connecting', 'open']);
      expect(conn.ready).toBe(true);
      expect(net.sockets).toHaveLength(1);
      conn.close();
    });

    it('offers MessagePack first and speaks the subprotocol the server picked', async () => {
      const { conn, net } = make({ codec: 'msgpack' });
      conn.connect();
      await tick();
      const ws = net.current;
      expect(ws.protocols).toEqual(['syncline.v1.msgpack', 'syncline.v1.json']);
      ws.accept(SUBPROTOCOL_MSGPACK);
      expect(ws.sent[0]).toMatchObject({ type: 'hello', token: 'token-1' });
      ws.deliver(welcome());
      expect(conn.status.state).toBe('open');
      conn.send({ type: 'request', id: 'a', method: 'm' });
      expect(ws.last()).toEqual({ type: 'request', id: 'a', method: 'm' });
      conn.close();
    });

    it('gives up on a handshake that does not complete in connectTimeoutMs', async () => {
      const { conn, net } = make();
      conn.connect();
      await tick();
      net.current.accept();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(net.sockets[0].closedWith?.code).toBe(4004);
      expect(conn.status).toMatchObject({ state: 'reconnecting', nextRetryAt: T0 + 10_000 + 500 });
      conn.close();
    });

    it('caps a connectTimeoutMs longer than a timer can wait instead of giving up at once', async () => {
      const { conn, net } = make({ connectTimeoutMs: Number.POSITIVE_INFINITY });
      conn.connect();
      await tick();
      net.current.accept();
      await vi.advanceTimersByTimeAsync(1000);
      expect(net.sockets[0].closedWith).toBeUndefined();
      expect(conn.status.state).toBe('connecting');
      conn.close();
    });

    it('caps a restart hint longer than a timer can wait instead of reconnecting at once', async () => {
      const { conn, net, open } = make();
      conn.connect();
      await open();
      net.current.serverClose(4008, `restart:${2 ** 32}`);
      await vi.advanceTimersByTimeAsync(1000);
      expect(net.sockets).toHaveLength(1);
      expect(conn.status.state).toBe('reconnecting');
      conn.close();
    });

    it('calls the url and token providers afresh on every connect', async () => {
      let n = 0;
      const url = vi.fn(async () => `ws://node-${++n}/rt`);
      const { conn, net, token, open } = make({ url });
      conn.connect();
      await open();
      net.current.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(url).toHaveBeenCalledTimes(2);
      expect(token).toHaveBeenCalledTimes(2);
      expect(ws2.url).toBe('ws://node-2/rt');
      expect(ws2.sent[0].token).toBe('token-2');
      conn.close();
    });

    it('sends hello.rooms even empty when resuming, so the server does not restore rooms left offline', async () => {
      const { conn, net, open } = make({ helloRooms: () => [] });
      conn.connect();
      const ws1 = await open({ sessionId: 'S', resumeKey: 'K' });
      expect(ws1.sent[0].rooms).toBeUndefined(); // a new session: absent and empty mean the same
      net.current.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(ws2.sent[0]).toMatchObject({ session: { id: 'S', key: 'K' }, rooms: [] });
      conn.close();
    });

    it('resumes the session: hello carries the last welcome’s session id and resume key, and the rooms', async () => {
      const helloRooms = vi.fn(() => [{ room: 'doc:1', mode: 'join' as const, since: 7 }]);
      const { conn, net, open } = make({ helloRooms });
      conn.connect();
      await open({ sessionId: 'S', resumeKey: 'K' });
      net.current.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(ws2.sent[0]).toMatchObject({
        session: { id: 'S', key: 'K' },
        rooms: [{ room: 'doc:1', mode: 'join', since: 7 }],
      });
      conn.close();
    });

    it('does not offer a session whose grace period has passed', async () => {
      const { conn, net, open } = make({
        backoff: { ...DEFAULT_BACKOFF, initialMs: 300_000, maxMs: 300_000 },
      });
      conn.connect();
      await open({ sessionGraceMs: 60_000 });
      net.current.serverClose(1006);
      await vi.advanceTimersByTimeAsync(150_000);
      const ws2 = await open();
      expect(ws2.sent[0].session).toBeUndefined();
      conn.close();
    });
  });

  describe('reconnection', () => {
    it('reconnects after a drop with backoff, exposing when the next try starts', async () => {
      const { conn, net, statuses, states, open } = make();
      conn.connect();
      await open();
      net.current.serverClose(1006, 'gone');
      expect(conn.status).toEqual({
        state: 'reconnecting',
        attempt: 0,
        nextRetryAt: T0 + 500,
        lastClose: { code: 1006, reason: 'gone' },
      });
      await vi.advanceTimersByTimeAsync(499);
      expect(net.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(net.sockets).toHaveLength(2);
      expect(conn.status).toMatchObject({ state: 'reconnecting', attempt: 1 });
      expect(conn.status.nextRetryAt).toBeUndefined();
      await open();
      expect(states()).toEqual(['connecting', 'open', 'reconnecting', 'reconnecting', 'open']);
      expect(statuses.at(-1)).toMatchObject({ state: 'open', attempt: 0 });
      conn.close();
    });

    it('goes failed after maxAttempts failed tries, and reconnect() starts over', async () => {
      const { conn, net } = make({ backoff: { ...DEFAULT_BACKOFF, maxAttempts: 3 } });
      conn.connect();
      await tick();
      for (let i = 0; i < 3; i++) {
        net.current.serverClose(1006); // refused before opening
        expect(conn.status.state).toBe('reconnecting');
        await vi.advanceTimersByTimeAsync(conn.status.nextRetryAt! - Date.now());
      }
      expect(net.sockets).toHaveLength(4);
      net.current.serverClose(1006);
      expect(conn.status).toMatchObject({ state: 'failed', attempt: 3 });
      await vi.advanceTimersByTimeAsync(600_000);
      expect(net.sockets).toHaveLength(4);
      expect(vi.getTimerCount()).toBe(0);

      conn.reconnect();
      expect(conn.status).toMatchObject({ state: 'connecting', attempt: 0 });
      await tick();
      expect(net.sockets).toHaveLength(5);
      conn.close();
    });

    it.each([
      [4000, 'protocol error'],
      [4003, 'forbidden'],
      [4005, 'unsupported version'],
      [4011, 'session taken over'],
    ])('does not reconnect after close code %i (%s)', async (code) => {
      const { conn, net, open } = make();
      conn.connect();
      await open();
      net.current.serverClose(code);
      expect(conn.status.state).toBe('failed');
      expect(vi.getTimerCount()).toBe(0);
      conn.close();
    });

    it('retries an unauthorized close once with a fresh token from the provider, then fails', async () => {
      const { conn, net, token } = make();
      conn.connect();
      await tick();
      net.current.accept();
      net.current.serverClose(4001);
      expect(conn.status.state).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(500);
      net.current.accept();
      expect(net.current.sent[0].token).toBe('token-2');
      net.current.serverClose(4001);
      expect(conn.status.state).toBe('failed');
      expect(token).toHaveBeenCalledTimes(2);
      conn.close();
    });

    it('fails at once on unauthorized with a fixed token', async () => {
      const { conn, net } = make({ token: 'fixed' });
      conn.connect();
      await tick();
      net.current.accept();
      net.current.serverClose(4001);
      expect(conn.status.state).toBe('failed');
      conn.close();
    });

    it('reconnects with a fresh token after token expiry (4002)', async () => {
      const { conn, net, open } = make();
      conn.connect();
      await open();
      net.current.serverClose(4002);
      await vi.advanceTimersByTimeAsync(500);
      const ws2 = await open();
      expect(ws2.sent[0].token).toBe('token-2');
      conn.close();
    });

    it('waits at least the delay a restarting server suggests', async () => {
      expect(restartDelay('restart:5000')).toBe(5000);
      expect(restartDelay('bye')).toBe(0);
      const { conn, net, open } = make();
      conn.connect();
      await open();
      net.current.serverClose(4008, 'restart:5000');
      expect(conn.status.nextRetryAt).toBe(T0 + 5000);
      conn.close();
    });

    it('retries when the token provider fails', async () => {
      const token = vi.fn().mockRejectedValueOnce(new Error('auth down')).mockResolvedValue('tok');
      const errors: string[] = [];
      const { conn, net } = make({ token });
      conn.events.on('error', (e) => errors.push(e.code));
      conn.connect();
      await tick();
      expect(net.sockets).toHaveLength(0);
      expect(errors).toEqual(['unavailable']);
      expect(conn.status.state).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(500);
      expect(net.sockets).toHaveLength(1);
      conn.close();
    });

    it('creates no socket when closed while the providers are pending', async () => {
      let release: (t: string) => void = () => {};
      const token = () => new Promise<string>((resolve) => (release = resolve));
      const { conn, net } = make({ token });
      conn.connect();
      conn.close();
      release('late');
      await tick();
      expect(net.sockets).toHaveLength(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('ignores late events from an old socket', async () => {
      const { conn, net, messages, open } = make();
      conn.connect();
      const ws1 = await open();
      const { onmessage, onclose } = ws1;
      ws1.serverClose(1006);
      await vi.advanceTimersByTimeAsync(500);
      await open();
      expect(conn.status.state).toBe('open');
      const event = { type: 'user_join', room: 'doc:1', seq: 1, ts: 0, data: { userId: 'x' } };
      ws1.deliver(event); // handlers were detached...
      onmessage?.({ data: JSON.stringify(event) }); // ...and a handler captured earlier checks its socket
      onclose?.({ code: 1006, reason: '', wasClean: false });
      expect(messages).toEqual([]);
      expect(conn.status.state).toBe('open');
      expect(net.sockets).toHaveLength(2);
      conn.close();
    });
  });

  describe('heartbeat', () => {
    it('answers server pings with the same ts', async () => {
      const { conn, open } = make();
      conn.connect();
      const ws = await open();
      ws.deliver({ type: 'ping', ts: 123 });
      expect(ws.last()).toEqual({ type: 'pong', ts: 123 });
      conn.close();
    });

    it('pings and measures the round-trip time', async () => {
      const { conn, open } = make();
      const rtts: number[] = [];
      conn.events.on('rtt', (ms) => rtts.push(ms));
      conn.connect();
      const ws = await open({ heartbeatMs: 1000, heartbeatTimeoutMs: 500 });
      await vi.advanceTimersByTimeAsync(1000);
      const ping = ws.last('ping');
      expect(ping).toEqual({ type: 'ping', ts: T0 + 1000 });
      await vi.advanceTimersByTimeAsync(40);
      ws.deliver({ type: 'pong', ts: ping.ts });
      expect(conn.rtt).toBe(40);
      expect(rtts).toEqual([40]);
      conn.close();
    });

    it('treats a silent socket as dead: closes it with 4010 and reconnects', async () => {
      const { conn, net, open } = make();
      conn.connect();
      const ws = await open({ heartbeatMs: 1000, heartbeatTimeoutMs: 500 });
      await vi.advanceTimersByTimeAsync(1000);
      ws.deliver({ type: 'pong', ts: Date.now() }); // alive at T0 + 1000
      await vi.advanceTimersByTimeAsync(1499);
      expect(conn.status.state).toBe('open');
      await vi.advanceTimersByTimeAsync(1);
      expect(ws.closedWith).toEqual({ code: 4010, reason: 'heartbeat timeout' });
      expect(conn.status).toMatchObject({ state: 'reconnecting', lastClose: { code: 4010 } });
      await vi.advanceTimersByTimeAsync(500);
      expect(net.sockets).toHaveLength(2);
      conn.close();
    });
  });

  describe('browser events', () => {
    it('goes offline without spending tries, and reconnects at once when back online', async () => {
      const browser = fakeBrowser();
      const { conn, net, states, open } = make({ globals: browser.window });
      conn.connect();
      const ws = await open();
      browser.goOffline();
      expect(ws.closedWith).toBeDefined();
      expect(conn.status).toMatchObject({ state: 'offline', attempt: 0 });
      await vi.advanceTimersByTimeAsync(600_000);
      expect(net.sockets).toHaveLength(1);
      browser.goOnline();
      expect(conn.status.state).toBe('reconnecting');
      await open();
      expect(states()).toEqual(['connecting', 'open', 'offline', 'reconnecting', 'open']);
      conn.close();
    });

    it('starts offline when the browser says so', async () => {
      const browser = fakeBrowser();
      browser.window.navigator.onLine = false;
      const { conn, net } = make({ globals: browser.window });
      conn.connect();
      expect(conn.status.state).toBe('offline');
      await tick();
      expect(net.sockets).toHaveLength(0);
      browser.goOnline();
      await tick();
      expect(net.sockets).toHaveLength(1);
      conn.close();
    });

    it('tries at once when the page becomes visible while waiting to reconnect', async () => {
      const browser = fakeBrowser();
      const { conn, net, open } = make({ globals: browser.window });
      conn.connect();
      await open();
      net.current.serverClose(1006);
      browser.setVisible(false);
      expect(conn.status.nextRetryAt).toBe(T0 + 500);
      browser.setVisible(true);
      await tick();
      expect(net.sockets).toHaveLength(2);
      conn.close();
    });

    it('pings when the page becomes visible while open', async () => {
      const browser = fakeBrowser();
      const { conn, open } = make({ globals: browser.window });
      conn.connect();
      const ws = await open();
      browser.setVisible(true);
      expect(ws.last()).toEqual({ type: 'ping', ts: T0 });
      conn.close();
    });

    it('close() removes its listeners, its timers and the socket', async () => {
      const browser = fakeBrowser();
      const { conn, net, open } = make({ globals: browser.window });
      conn.connect();
      await open();
      expect(browser.listeners).toBe(3);
      conn.close();
      expect(browser.listeners).toBe(0);
      expect(net.current.closedWith).toEqual({ code: 1000, reason: 'client closed' });
      expect(conn.status.state).toBe('closed');
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('frames', () => {
    it('expands an ephemeral group into its events, in order, wherever it sits in a batch', () => {
      const group = {
        type: 'ephemeral',
        room: 'doc:1',
        event: 'cursor_update',
        items: ['u1', 10, { x: 0.1 }, null, 11, { x: 0.2 }, 'u3', 12, { x: 0.3 }, 'dangling'],
      };
      expect(
        unbatch({ type: 'batch', items: [{ type: 'ack', id: '1' }, group, { type: 'ack', id: '2' }] }),
      ).toEqual([
        { type: 'ack', id: '1' },
        { type: 'cursor_update', room: 'doc:1', ts: 10, data: { x: 0.1 }, from: 'u1' },
        { type: 'cursor_update', room: 'doc:1', ts: 11, data: { x: 0.2 } },
        { type: 'cursor_update', room: 'doc:1', ts: 12, data: { x: 0.3 }, from: 'u3' },
        { type: 'ack', id: '2' },
      ]);
      expect(unbatch({ type: 'ephemeral', room: 'doc:1', items: ['u1', 1, {}] })).toEqual([]); // no event type
      expect(unbatch({ type: 'ephemeral', room: 'doc:1', event: 'x', items: 'u1' })).toEqual([]);
    });

    it('unpacks batch frames in order, nested ones too', async () => {
      expect(
        unbatch({ type: 'batch', items: [{ type: 'a' }, { type: 'batch', items: [{ type: 'b' }] }, 3] }),
      ).toEqual([{ type: 'a' }, { type: 'b' }]);
      const { conn, messages, open } = make();
      conn.connect();
      const ws = await open();
      ws.deliverBatch([
        { type: 'ack', id: '1' },
        { type: 'ping', ts: 5 },
        { type: 'nack', id: '2', code: 'invalid', message: 'x' },
        { type: 'response', id: '3', data: 1 },
      ]);
      expect(messages.map((m) => (m as { id: string }).id)).toEqual(['1', '2', '3']);
      expect(ws.last()).toEqual({ type: 'pong', ts: 5 });
      conn.close();
    });

    it('refuses to send a message larger than the server’s maxPayload', async () => {
      const { conn, open } = make();
      conn.connect();
      const ws = await open({ maxPayload: 100 });
      expect(conn.send({ type: 'publish', data: 'x'.repeat(200) })).toBe('too_large');
      expect(conn.send({ type: 'publish', data: 'x' })).toBe('sent');
      expect(ws.sentOf('publish')).toHaveLength(1);
      conn.close();
      expect(conn.send({ type: 'publish' })).toBe('not_open');
    });
  });
});
