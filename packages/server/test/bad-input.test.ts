import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, ErrorCode } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { silentLogger } from '../src/core/logger.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from '../src/core/rate-limiter.js';
import { SynclineServer, type SynclineServerOptions } from '../src/server.js';
import {
  closeAllSockets,
  closed,
  helloMessage,
  type Msg,
  nextMessage,
  openSocket,
  received,
  signToken,
} from './helpers.js';

const SECRET = 'syncline-test-secret-0123456789abcdef';
const ROOM = 'doc:shared';

let server: SynclineServer | null = null;
let base = '';
let wsUrl = '';
const tempDirs: string[] = [];

afterEach(async () => {
  await closeAllSockets();
  await server?.close({ timeoutMs: 1000 });
  server = null;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Partial<SynclineServerOptions> = {}): Promise<SynclineServer> {
  const s = new SynclineServer({
    storage: 'memory',
    auth: { secret: SECRET },
    logger: silentLogger,
    systemStatusIntervalMs: 0,
    ...opts,
  });
  server = s;
  const { port } = await s.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  wsUrl = `ws://127.0.0.1:${port}/ws`;
  return s;
}

const token = (user: string) => signToken(SECRET, user, { name: user });

/** A client that has completed hello and subscribed to `rooms`. */
async function client(user: string, opts: { rooms?: string[]; origin?: string } = {}): Promise<WebSocket> {
  const ws = await openSocket(wsUrl, { origin: opts.origin });
  ws.send(helloMessage(await token(user), { rooms: (opts.rooms ?? [ROOM]).map((room) => ({ room })) }));
  await nextMessage(ws, (m) => m.type === 'welcome');
  return ws;
}

const send = (ws: WebSocket, message: unknown) => ws.send(JSON.stringify(message));
const isEvent = (name: string) => (m: Msg) => m.type === 'app_event' && m.data?.name === name;

/**
 * The well-behaved client is still served: its own publish is acknowledged and delivered back to it, and
 * an event the server publishes reaches it.
 */
async function stillServed(good: WebSocket, tag: string): Promise<void> {
  const id = `alive-${tag}`;
  send(good, { type: 'publish', id, room: ROOM, event: 'app_event', data: { name: tag } });
  expect(await nextMessage(good, (m) => m.type === 'ack' && m.id === id)).toMatchObject({
    data: { seq: expect.any(Number) },
  });
  await nextMessage(good, isEvent(tag));
  await server!.broadcast(ROOM, 'app_event', { name: `${tag}-from-server` });
  await nextMessage(good, isEvent(`${tag}-from-server`));
}

describe('bad input over a real socket', () => {
  it('answers malformed JSON with error malformed and keeps the connection', async () => {
    await start();
    const good = await client('good');
    const bad = await client('bad');
    const serving = stillServed(good, 'malformed');
    bad.send('{"type": "publish", oops');
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({ code: ErrorCode.Malformed });
    await serving;
    send(bad, { type: 'ping', ts: 1 });
    expect(await nextMessage(bad, (m) => m.type === 'pong')).toEqual({ type: 'pong', ts: 1 });
  });

  it('answers an unknown message type with nack unknown_type', async () => {
    await start();
    const good = await client('good');
    const bad = await client('bad');
    const serving = stillServed(good, 'unknown');
    send(bad, { type: 'teleport', id: 'u1', room: ROOM });
    expect(await nextMessage(bad, (m) => m.id === 'u1')).toMatchObject({
      type: 'nack',
      code: ErrorCode.UnknownType,
    });
    await serving;
  });

  it('answers a schema violation with nack invalid', async () => {
    await start();
    const good = await client('good');
    const bad = await client('bad');
    const serving = stillServed(good, 'invalid');
    send(bad, { type: 'subscribe', id: 's1', room: 'Not A Room!' });
    send(bad, { type: 'publish', id: 'p1', room: ROOM, event: 'zone_update', data: { zoneId: 7 } });
    expect(await nextMessage(bad, (m) => m.id === 's1')).toMatchObject({
      type: 'nack',
      code: ErrorCode.Invalid,
    });
    expect(await nextMessage(bad, (m) => m.id === 'p1')).toMatchObject({
      type: 'nack',
      code: ErrorCode.Invalid,
    });
    await serving;
  });

  it('closes 1009 for a frame over maxPayload', async () => {
    await start({ limits: { maxPayload: 16 * 1024 } });
    const good = await client('good');
    const bad = await client('bad');
    const serving = stillServed(good, 'oversized');
    send(bad, {
      type: 'publish',
      id: 'big',
      room: ROOM,
      event: 'app_event',
      data: { name: 'big', blob: 'x'.repeat(20 * 1024) },
    });
    expect((await closed(bad)).code).toBe(CloseCode.MessageTooBig.code);
    await serving;
    expect(received(good).some(isEvent('big'))).toBe(false);
  });

  it('answers a message before hello with error hello_required and closes 4000', async () => {
    await start();
    const good = await client('good');
    const bad = await openSocket(wsUrl);
    const serving = stillServed(good, 'before-hello');
    send(bad, { type: 'join_room', id: 'j1', room: ROOM });
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({
      code: ErrorCode.HelloRequired,
      id: 'j1',
    });
    expect((await closed(bad)).code).toBe(CloseCode.ProtocolError.code);
    await serving;
  });

  it('closes 4001 for a token that is not a JWT', async () => {
    await start();
    const good = await client('good');
    const bad = await openSocket(wsUrl);
    const serving = stillServed(good, 'bad-token');
    bad.send(helloMessage('not-a-jwt'));
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({ code: ErrorCode.Unauthorized });
    expect((await closed(bad)).code).toBe(CloseCode.Unauthorized.code);
    await serving;
  });

  it('holds an app authenticator’s identity to a token’s rules: 4001 for a user id that cannot be stored', async () => {
    const onAuthenticate = ({ token }: { token: string }) =>
      token.startsWith('app:')
        ? {
            userId: token.slice(4),
            name: 'Ann\u0000 \ud83d',
            roles: ['editor', 7 as unknown as string],
            claims: {},
          }
        : undefined;
    await start({ extensions: [{ onAuthenticate }] });
    for (const userId of ['a\u0000b', 'a\ud800', '', 'x'.repeat(129)]) {
      const bad = await openSocket(wsUrl);
      bad.send(helloMessage(`app:${userId}`));
      expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({
        code: ErrorCode.Unauthorized,
        message: 'the authenticator gave no valid user id',
      });
      expect((await closed(bad)).code).toBe(CloseCode.Unauthorized.code);
    }
    // A valid one is taken, its name made storable as a token's is.
    const watcher = await client('watcher');
    const ann = await openSocket(wsUrl);
    ann.send(helloMessage('app:ann', { rooms: [{ room: ROOM, mode: 'join' }] }));
    expect(await nextMessage(ann, (m) => m.type === 'welcome')).toMatchObject({ userId: 'ann' });
    expect(
      await nextMessage(watcher, (m) => m.type === 'user_join' && m.data?.userId === 'ann'),
    ).toMatchObject({
      data: { userName: 'Ann ' },
    });
  });

  it('closes 4002 for an expired token', async () => {
    await start();
    const good = await client('good');
    const bad = await openSocket(wsUrl);
    const serving = stillServed(good, 'expired-token');
    const expired = await signToken(SECRET, 'late', { expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    bad.send(helloMessage(expired));
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({ code: ErrorCode.TokenExpired });
    expect((await closed(bad)).code).toBe(CloseCode.TokenExpired.code);
    await serving;
  });

  it('closes 4001 for a token signed with another secret', async () => {
    await start();
    const good = await client('good');
    const bad = await openSocket(wsUrl);
    const serving = stillServed(good, 'forged-token');
    bad.send(helloMessage(await signToken('some-other-secret-0123456789abcdef', 'good')));
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({ code: ErrorCode.Unauthorized });
    expect((await closed(bad)).code).toBe(CloseCode.Unauthorized.code);
    await serving;
  });

  it('nacks forbidden a subscription to another user’s private room', async () => {
    await start();
    const good = await client('good');
    const bad = await client('bad');
    const serving = stillServed(good, 'forbidden');
    send(bad, { type: 'subscribe', id: 'spy', room: 'user:good' });
    send(bad, { type: 'join_room', id: 'spy2', room: 'user:good' });
    expect(await nextMessage(bad, (m) => m.id === 'spy')).toMatchObject({
      type: 'nack',
      code: ErrorCode.Forbidden,
    });
    expect(await nextMessage(bad, (m) => m.id === 'spy2')).toMatchObject({
      type: 'nack',
      code: ErrorCode.Forbidden,
    });
    await serving;
    await server!.toUser('good', 'app_event', { name: 'private' });
    await nextMessage(good, isEvent('private'));
    expect(received(bad).some(isEvent('private'))).toBe(false);
  });

  it('closes 4003 for an Origin not in allowedOrigins', async () => {
    await start({ allowedOrigins: ['https://app.example'] });
    const good = await client('good', { origin: 'https://app.example' });
    const serving = stillServed(good, 'origin');
    const bad = await openSocket(wsUrl, { origin: 'https://evil.example' });
    expect(await nextMessage(bad, (m) => m.type === 'error')).toMatchObject({ code: ErrorCode.Forbidden });
    expect((await closed(bad)).code).toBe(CloseCode.Forbidden.code);
    await serving;
  });

  it('nacks rate_limited past the rate limit, then closes 4006 on a sustained flood', async () => {
    const normal = { ratePerS: 5, burst: 10 }; // app_event is a normal-class event
    const rateLimits: RateLimitOptions = {
      ...DEFAULT_RATE_LIMITS,
      connection: { ...DEFAULT_RATE_LIMITS.connection, normal },
      abuseRefusals: 20,
    };
    await start({ rateLimits });
    const good = await client('good');
    const bad = await client('bad');
    for (let i = 0; i < 100; i++) {
      send(bad, {
        type: 'publish',
        id: `f${i}`,
        room: ROOM,
        event: 'app_event',
        data: { name: 'flood', i },
      });
    }
    const limited = await nextMessage(bad, (m) => m.code === ErrorCode.RateLimited);
    expect(limited).toMatchObject({ type: 'nack', retryAfterMs: expect.any(Number) });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect((await closed(bad)).code).toBe(CloseCode.RateLimited.code);
    // What got through before the close reached the other client.
    await nextMessage(good, (m) => m.type === 'app_event' && m.data.i === 0);
    await stillServed(good, 'after-flood');
  });

  it('closes 4007 a consumer that stops reading, and keeps serving the others', async () => {
    const s = await start({
      limits: { maxPayload: 256 * 1024, softBufferBytes: 64 * 1024, hardBufferBytes: 512 * 1024 },
      rateLimits: false,
    });
    const good = await client('good');
    const slow = await client('slow');
    const publisher = await client('publisher');
    (slow as unknown as { _socket: Socket })._socket.pause();

    const blob = 'x'.repeat(100_000);
    for (let round = 0; s.hub.stats.slowConsumerCloses === 0; round++) {
      if (round === 200) throw new Error('the paused consumer was never closed');
      for (let i = 0; i < 10; i++) {
        send(publisher, {
          type: 'publish',
          id: `r${round}-${i}`,
          room: ROOM,
          event: 'app_event',
          data: { name: `r${round}-${i}`, blob },
          echo: false,
        });
      }
      // Fan-out (and the flush that finds the paused consumer over the limit) precedes the ack.
      await nextMessage(publisher, (m) => m.type === 'ack' && m.id === `r${round}-9`, 10_000);
    }

    (slow as unknown as { _socket: Socket })._socket.resume();
    expect((await closed(slow)).code).toBe(CloseCode.SlowConsumer.code);
    await stillServed(good, 'after-slow-consumer');
    const names = received(good)
      .filter((m) => m.type === 'app_event' && m.data.name.startsWith('r'))
      .map((m) => m.data.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.length).toBe(new Set(names).size);
  });
});

describe('HTTP routes', () => {
  it('answers a request Node cannot read with a JSON 400, and closes the socket even if the peer never does', async () => {
    const s = await start();
    const { port } = new URL(base);
    const raw = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }); // never closes its side
    let answer = '';
    raw.setEncoding('utf8');
    raw.on('data', (chunk: string) => {
      answer += chunk;
    });
    const ended = new Promise<void>((resolve) => raw.once('end', resolve));
    raw.write('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code: 'invalid' },
    });
    const http = (s as unknown as { httpServer: NetServer }).httpServer;
    const connections = () => new Promise<number>((resolve) => http.getConnections((_, n) => resolve(n)));
    const until = Date.now() + 5000;
    while ((await connections()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await connections()).toBe(0);
    raw.destroy();
  });

  it('/healthz answers 200 with JSON', async () => {
    await start();
    await client('someone');
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok', version: expect.any(String), connections: 1 });
  });

  it('/readyz answers 200 when the store is ready (SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-bad-input-'));
    tempDirs.push(dir);
    await start({ storage: { sqlite: join(dir, 'log.db') } });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, storage: true });
    const good = await client('good');
    await stillServed(good, 'sqlite');
  });

  it('/metrics exposes syncline_ metrics', async () => {
    await start();
    const good = await client('good');
    await stillServed(good, 'metrics');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^syncline_connections 1$/m);
    expect(text).toMatch(/^syncline_messages_in_total\{type="publish"\} 1$/m);
    expect(text).toContain('syncline_frames_out_total');
  });

  it('refuses to start without a secret or JWKS URL unless dev mode is asked for, opening nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-noauth-'));
    tempDirs.push(dir);
    const file = join(dir, 'syncline.db');
    for (const auth of [undefined, {}, { dev: false }, { devSecret: 'a-dev-secret' }]) {
      expect(
        () => new SynclineServer({ storage: { sqlite: file }, auth, logger: silentLogger }),
        JSON.stringify(auth),
      ).toThrow(/no auth\.secret or auth\.jwksUrl configured.*auth: \{ dev: true \}/);
    }
    expect(existsSync(file)).toBe(false); // thrown before the store was opened
  });

  it('POST /api/dev/token issues a working token in dev mode (auth: { dev: true })', async () => {
    await start({ auth: { dev: true } });
    const res = await fetch(`${base}/api/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada Lovelace' }),
    });
    expect(res.status).toBe(200);
    const issued = (await res.json()) as { token: string; userId: string };
    expect(issued.userId).toBe('dev-ada-lovelace');
    const ws = await openSocket(wsUrl);
    ws.send(helloMessage(issued.token));
    expect(await nextMessage(ws, (m) => m.type === 'welcome')).toMatchObject({ userId: 'dev-ada-lovelace' });

    const invalid = await fetch(`${base}/api/dev/token`, { method: 'POST', body: '{"name": ""}' });
    expect(invalid.status).toBe(400);
    await invalid.body?.cancel();
  });

  it('POST /api/dev/token is 404 once a secret is configured, also with auth.dev', async () => {
    for (const dev of [undefined, true]) {
      const s = await start({ auth: { secret: SECRET, dev } });
      expect(s.devTokens).toBeNull();
      const res = await fetch(`${base}/api/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Ada' }),
      });
      expect(res.status).toBe(404);
      await res.body?.cancel();
      await s.close({ timeoutMs: 1000 });
      server = null;
    }
  });
});
