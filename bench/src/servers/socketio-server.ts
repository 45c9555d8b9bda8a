import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

/**
 * Socket.IO 4.8 as it is usually deployed: a JWT checked in a middleware (HS256, `BENCH_JWT_SECRET`),
 * `join` and `publish` events with acks, and `io.to(room).emit('event', payload)` per publish (sender
 * included when it is in the room). Websocket transport only, no compression (Socket.IO's default).
 * Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
const key = new TextEncoder().encode(process.env.BENCH_JWT_SECRET ?? 'bench-secret');

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.use((socket, next) => {
  const token: unknown = socket.handshake.auth?.token;
  if (typeof token !== 'string') return next(new Error('unauthorized'));
  jwtVerify(token, key, { algorithms: ['HS256'] }).then(
    ({ payload }) => {
      socket.data.userId = payload.sub;
      next();
    },
    () => next(new Error('unauthorized')),
  );
});

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (typeof room === 'string') socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('publish', (room: unknown, payload: unknown, ack?: () => void) => {
    if (typeof room === 'string') io.to(room).emit('event', payload);
    if (typeof ack === 'function') ack();
  });
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
