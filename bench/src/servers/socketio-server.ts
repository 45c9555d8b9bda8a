import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { installSocketIoApp, SOCKETIO_OPTIONS } from './socketio-app.js';

/**
 * Socket.IO 4.8 as it is usually deployed (see `socketio-app.ts`): JWT middleware, `join` and `publish`
 * events with acks, `io.to(room).emit('event', payload)` per publish. Websocket transport only, no
 * compression (Socket.IO's default). Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
const http = createServer();
const io = new Server(http, SOCKETIO_OPTIONS);
installSocketIoApp(io);

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
