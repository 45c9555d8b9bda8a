import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The bare `ws` relay, the floor every real-time server is measured against. A client's first frame is
 * `{"join":"<room>"}` (answered `{"joined":"<room>"}`); every later frame is sent as-is, with one
 * `ws.send` per recipient (the naive relay: no batching, no corking), to every other socket of the room.
 * No authentication, no acks, no heartbeat. Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
const rooms = new Map<string, Set<WebSocket>>();

const http = createServer((_req, res) => {
  res.writeHead(426).end();
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws) => {
  let peers: Set<WebSocket> | undefined;
  let roomName = '';
  ws.on('message', (data, isBinary) => {
    if (peers) {
      for (const peer of peers) {
        if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary });
      }
      return;
    }
    const join = (JSON.parse(String(data)) as { join?: unknown }).join;
    if (typeof join !== 'string') {
      ws.close(4000, 'join first');
      return;
    }
    roomName = join;
    peers = rooms.get(join) ?? new Set();
    rooms.set(join, peers);
    peers.add(ws);
    ws.send(JSON.stringify({ joined: join }));
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    if (!peers) return;
    peers.delete(ws);
    if (peers.size === 0) rooms.delete(roomName);
  });
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
