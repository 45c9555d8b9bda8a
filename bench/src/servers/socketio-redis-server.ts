import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

/**
 * One node of Socket.IO 4.8 behind `@socket.io/redis-adapter` 8 (ioredis pub + duplicated sub client, as its
 * README shows): the same JWT middleware, `join` / `publish` with acks and `io.to(room).emit('event', payload)`
 * as `socketio-server.ts`, so a broadcast reaches the room's sockets on every node through Redis.
 * `REDIS_URL`, `BENCH_REDIS_KEY` (the adapter's channel prefix, fresh per run), `PORT`, `HOST`,
 * `BENCH_JWT_SECRET`; prints `{"msg":"listening","port":N}` once the adapter is subscribed.
 */
const key = new TextEncoder().encode(process.env.BENCH_JWT_SECRET ?? 'bench-secret');
const pub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const sub = pub.duplicate();

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  adapter: createAdapter(pub, sub, { key: process.env.BENCH_REDIS_KEY ?? 'socket.io' }),
});

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

// The adapter subscribes when it is created; wait for both connections before saying we listen.
const ready = (c: Redis) =>
  c.status === 'ready' ? Promise.resolve() : new Promise<void>((r) => c.once('ready', () => r()));
await Promise.all([ready(pub), ready(sub)]);
http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});

process.on('SIGTERM', () => {
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});
