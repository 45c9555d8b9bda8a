import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Hub } from '../core/hub.js';
import type { ConnectionHandle, ConnectionInfo, ServerSocket } from '../core/server-socket.js';
import { WsTransport, type WsTransportOptions } from './ws-transport.js';

const OPTS: WsTransportOptions = {
  path: '/ws',
  maxPayload: 64 * 1024,
  maxConnectionsPerIp: 0,
  compression: false,
  trustProxy: false,
};

/** A hub that only records what the transport hands it. */
function fakeHub() {
  const opened: ConnectionInfo[] = [];
  const sockets: ServerSocket[] = [];
  const handle: ConnectionHandle = { receive() {}, alive() {}, closed() {} };
  const hub = {
    open: (socket: ServerSocket, info: ConnectionInfo) => {
      opened.push(info);
      sockets.push(socket);
      return handle;
    },
  };
  return { hub: hub as unknown as Hub, opened, sockets };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(opts: Partial<WsTransportOptions> = {}, owner = true) {
  const { hub, opened, sockets } = fakeHub();
  const transport = new WsTransport(hub, { ...OPTS, ...opts });
  const server: Server = createServer((req, res) => res.end(`page ${req.url}`));
  transport.attach(server, owner);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => {
    transport.close();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const connections = () => new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
  return { port, opened, sockets, connections };
}

const UPGRADE_ELSEWHERE =
  'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Opens a WebSocket with extra headers; resolves with its close code and the first frame it received. */
function dial(port: number, headers: Record<string, string>) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
  let first: string | undefined;
  ws.on('message', (d) => {
    first ??= String(d);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((r, j) => {
    ws.on('open', () => r());
    ws.on('error', j);
  });
  cleanups.push(() => ws.terminate());
  return { ws, opened, closed, first: () => first };
}

describe('WsTransport upgrades on other paths', () => {
  it('survives clients that reset the connection while their 404 is written', async () => {
    const { port } = await serve();
    // Without an error handler on the upgraded socket, the ECONNRESET was an uncaught exception: the process died.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    cleanups.push(() => process.off('uncaughtException', onUncaught));
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const c = connect(port, '127.0.0.1');
            c.on('error', () => {});
            c.on('close', () => resolve());
            c.on('connect', () => {
              c.write(UPGRADE_ELSEWHERE);
              setTimeout(() => c.resetAndDestroy(), i % 4);
            });
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
  });

  it('answers 404 and closes the socket even if the client keeps its side open', async () => {
    const { port, connections } = await serve();
    const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    cleanups.push(() => c.destroy());
    let answer = '';
    c.on('data', (d) => {
      answer += String(d);
    });
    const ended = new Promise<void>((r) => c.on('end', () => r()));
    c.write(UPGRADE_ELSEWHERE);
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    // The client never ends its side: the server must not keep the socket (a descriptor per request, for good).
    const deadline = Date.now() + 2000;
    while ((await connections()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await connections()).toBe(0);
  });
});

describe('WsTransport upgrades it does not take', () => {
  /** Sends `request` on a raw socket and resolves with everything the server wrote back until it ended. */
  async function raw(port: number, request: string): Promise<string> {
    const c = connect({ port, host: '127.0.0.1' });
    cleanups.push(() => c.destroy());
    let answer = '';
    c.on('data', (d) => {
      answer += String(d);
    });
    const ended = new Promise<void>((r) => c.on('end', () => r()));
    c.write(request);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
    return answer;
  }

  it('answers 404 to a WebSocket upgrade elsewhere when embedded (attach) and alone on the server, never hangs', async () => {
    const { port } = await serve({}, false);
    expect(await raw(port, UPGRADE_ELSEWHERE)).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('answers an upgrade to another protocol (curl --http2: h2c) as the plain request it also is', async () => {
    for (const owner of [true, false]) {
      const { port } = await serve({}, owner);
      const answer = await raw(
        port,
        'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
          'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain('page /healthz');
    }
  });
});

describe('WsTransport client address behind a proxy', () => {
  it('takes the last X-Forwarded-For entry (the one the proxy appended), not a spoofable first one', async () => {
    const { port, opened } = await serve({ trustProxy: true, maxConnectionsPerIp: 1 });
    const a = dial(port, { 'X-Forwarded-For': '203.0.113.1, 198.51.100.7' });
    await a.opened;
    expect(opened.map((i) => i.ip)).toEqual(['198.51.100.7']);
    // The same real client claiming another first address is still the same client: over its cap.
    const b = dial(port, { 'X-Forwarded-For': '203.0.113.2, 198.51.100.7' });
    expect(await b.closed).toBe(4009);
    expect(b.first()).toContain('too many connections');
    expect(opened).toHaveLength(1);
  });

  it('falls back to the socket address when the last entry is not an address, and ignores the header untrusted', async () => {
    const trusted = await serve({ trustProxy: true });
    await dial(trusted.port, { 'X-Forwarded-For': '198.51.100.7, not-an-ip' }).opened;
    expect(trusted.opened[0].ip).toBe('127.0.0.1');
    const untrusted = await serve({ trustProxy: false });
    await dial(untrusted.port, { 'X-Forwarded-For': '198.51.100.7' }).opened;
    expect(untrusted.opened[0].ip).toBe('127.0.0.1');
  });
});

describe('WsTransport maxPayload', () => {
  it('refuses a limit ws would read as "no limit" rather than accept frames of any size', () => {
    const { hub } = fakeHub();
    for (const maxPayload of [0, -1, 2 ** 31, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => new WsTransport(hub, { ...OPTS, maxPayload })).toThrow(RangeError);
    }
    expect(() => new WsTransport(hub, { ...OPTS, maxPayload: 2 ** 31 - 1 }).close()).not.toThrow();
  });

  it('closes 1009 a frame over the limit', async () => {
    const { port } = await serve({ maxPayload: 1024 });
    const c = dial(port, {});
    await c.opened;
    c.ws.send('x'.repeat(1025));
    expect(await c.closed).toBe(1009);
  });
});

describe('WsTransport frames', () => {
  it('sends bytes as a text frame on a JSON connection (a reply with a snapshot spliced in), binary on MessagePack', async () => {
    const { port, sockets } = await serve();
    const received: { protocol: string; text: string; isBinary: boolean }[] = [];
    for (const protocol of [SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK]) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocol);
      cleanups.push(() => ws.terminate());
      ws.on('message', (d, isBinary) => received.push({ protocol, text: String(d), isBinary }));
      await new Promise((r) => ws.once('open', r));
    }
    const bytes = new TextEncoder().encode('{"type":"response","id":"é"}');
    for (const socket of sockets) {
      socket.send(bytes);
      socket.send('{"type":"ping"}');
    }
    for (let i = 0; i < 200 && received.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
    // Each socket's frames in order (the two sockets' may interleave).
    received.sort((a, b) => a.protocol.localeCompare(b.protocol));
    expect(received).toEqual([
      { protocol: SUBPROTOCOL_JSON, text: '{"type":"response","id":"é"}', isBinary: false },
      { protocol: SUBPROTOCOL_JSON, text: '{"type":"ping"}', isBinary: false },
      { protocol: SUBPROTOCOL_MSGPACK, text: '{"type":"response","id":"é"}', isBinary: true },
      { protocol: SUBPROTOCOL_MSGPACK, text: '{"type":"ping"}', isBinary: false },
    ]);
  });
});
