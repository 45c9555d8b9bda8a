import { jwtVerify } from 'jose';
import type { Server, ServerOptions } from 'socket.io';

/**
 * The Socket.IO bench application, as Socket.IO 4.8 is usually deployed, shared by `socketio-server.ts`
 * (one process) and `socketio-redis-server.ts` (one node behind the Redis adapter): a JWT checked in a
 * middleware (HS256, `BENCH_JWT_SECRET`), `join` and `publish` events with acks, and
 * `io.to(room).emit('event', payload)` per publish (sender included when it is in the room).
 */
const key = new TextEncoder().encode(process.env.BENCH_JWT_SECRET ?? 'bench-secret');

/** Websocket transport only, no compression (Socket.IO's default). */
export const SOCKETIO_OPTIONS: Partial<ServerOptions> = {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
};

/** Installs the JWT middleware and the `join` / `publish` handlers on `io`. */
export function installSocketIoApp(io: Server): void {
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
}
