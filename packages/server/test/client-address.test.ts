import { SUBPROTOCOL_JSON } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../src/core/logger.js';
import { SynclineServer } from '../src/server.js';
import { helloMessage, signToken } from './helpers.js';

const SECRET = 'syncline-test-secret-0123456789abcdef';
let server: SynclineServer | null = null;

afterEach(async () => {
  await server?.close({ timeoutMs: 1000 });
  server = null;
});

/** A server that records the client address each authentication sees, over WebSocket and HTTP alike. */
async function start(trustProxy: boolean) {
  const seen: string[] = [];
  server = new SynclineServer({
    storage: 'memory',
    auth: { secret: SECRET },
    logger: silentLogger,
    systemStatusIntervalMs: 0,
    trustProxy,
    extensions: [
      {
        onAuthenticate: ({ info }) => {
          seen.push(info.ip);
          return undefined; // the JWT check decides
        },
      },
    ],
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { seen, base: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws` };
}

/** One authentication over each transport, both through a proxy that appended 203.0.113.7 to what the client sent. */
async function authenticateTwice(s: { base: string; ws: string }) {
  const token = await signToken(SECRET, 'olga');
  const forwarded = '198.51.100.1, 203.0.113.7'; // the first entry is the client's to choose
  const socket = new WebSocket(s.ws, [SUBPROTOCOL_JSON], { headers: { 'x-forwarded-for': forwarded } });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(helloMessage(token));
  await new Promise<void>((resolve) =>
    socket.on('message', (d) => {
      if (String(d).includes('"welcome"')) resolve();
    }),
  );
  const gone = new Promise((resolve) => socket.once('close', resolve));
  socket.close();
  await gone;
  const res = await fetch(`${s.base}/api/documents`, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwarded },
  });
  expect(res.status).toBe(200);
}

describe('the client address authentication sees', () => {
  it('behind a trusted proxy, is the entry the proxy appended, over WebSocket and HTTP alike', async () => {
    const s = await start(true);
    await authenticateTwice(s);
    expect(s.seen).toEqual(['203.0.113.7', '203.0.113.7']);
  });

  it('without a trusted proxy, is the socket peer, whatever X-Forwarded-For says', async () => {
    const s = await start(false);
    await authenticateTwice(s);
    expect(s.seen).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});
