import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { installSocketIoApp, SOCKETIO_OPTIONS } from './socketio-app.js';

/**
 * One node of Socket.IO 4.8 behind `@socket.io/redis-adapter` 8 (ioredis pub + duplicated sub client, as its
 * README shows): the same JWT middleware, `join` / `publish` with acks and `io.to(room).emit('event', payload)`
 * as `socketio-server.ts` (both install `socketio-app.ts`), so a broadcast reaches the room's sockets on every
 * node through Redis.
 * `REDIS_URL`, `BENCH_REDIS_KEY` (the adapter's channel prefix, fresh per run), `PORT`, `HOST`,
 * `BENCH_JWT_SECRET`; prints `{"msg":"listening","port":N}` once the adapter is subscribed.
 */
const pub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const sub = pub.duplicate();

const http = createServer();
const io = new Server(http, {
  ...SOCKETIO_OPTIONS,
  adapter: createAdapter(pub, sub, { key: process.env.BENCH_REDIS_KEY ?? 'socket.io' }),
});
installSocketIoApp(io);

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
