import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TextOp, type as textUnicode } from 'ot-text-unicode';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The floor of a server-sequenced OT server: the least any of them does per op, in memory, in ~50 lines.
 * One text (`ot-text-unicode`), one room. A client's frame `{"v":N,"op":[...]}` (the op made on version N)
 * is transformed over the ops committed since N, applied to the text, appended at version + 1, answered
 * `{"a":version}` and sent as `{"v":version,"op":[...]}` to every other socket, one `ws.send` each (as
 * ShareDB sends). No authentication, no storage, no validation, no presence, no history beyond memory, no
 * duplicate detection: what Syncline and ShareDB add on top of it is what their ops cost above this one.
 * Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
let text = '';
const ops: TextOp[] = [];
const sockets = new Set<WebSocket>();

const http = createServer((_req, res) => {
  res.writeHead(426).end();
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws) => {
  sockets.add(ws);
  ws.send(JSON.stringify({ v: ops.length, text }));
  ws.on('message', (data) => {
    let msg: { v: number; op: TextOp };
    try {
      msg = JSON.parse(String(data));
      let op = msg.op;
      for (let v = msg.v; v < ops.length; v++) op = textUnicode.transform(op, ops[v], 'left');
      text = textUnicode.apply(text, op);
      ops.push(op);
    } catch (err) {
      ws.close(4000, String(err).slice(0, 100));
      return;
    }
    const version = ops.length;
    ws.send(`{"a":${version}}`);
    const event = JSON.stringify({ v: version, op: ops[version - 1] });
    for (const peer of sockets) if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(event);
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => sockets.delete(ws));
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
