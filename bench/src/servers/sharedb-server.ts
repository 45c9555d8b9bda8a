import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type as json1 } from 'ot-json1';
import { type as textUnicode } from 'ot-text-unicode';
import { WebSocketServer } from 'ws';
import type { ShareDBModule, WebSocketJSONStreamClass } from './sharedb-types.js';

/**
 * ShareDB 7 as its README sets it up: the in-memory database (`new ShareDB()`), the `text-unicode` and `json1`
 * types registered (a client picks one when it creates its document), and every WebSocket (`ws`) wrapped in `@teamwork/websocket-json-stream` and handed to
 * `backend.listen`. No authentication (ShareDB has none of its own), no presence, no compression.
 * Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
const require = createRequire(import.meta.url);
const ShareDB = require('sharedb') as ShareDBModule;
const WebSocketJSONStream = require('@teamwork/websocket-json-stream') as WebSocketJSONStreamClass;

ShareDB.types.register(textUnicode);
ShareDB.types.register(json1);
const backend = new ShareDB();

const http = createServer((_req, res) => {
  res.writeHead(426).end();
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on('connection', (ws) => {
  backend.listen(new WebSocketJSONStream(ws));
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
