import { io } from 'socket.io-client';
import { payloadJson } from '../../payload.js';
import { type BenchClient, bump, type Connector, deliverParsed } from '../client.js';

/**
 * The real socket.io-client (websocket transport only). Heavier per packet than `adapters/socketio.ts`;
 * it always decodes with JSON.parse (socket.io-parser), whatever `decode` says.
 */
export const connectSocketIoOfficial: Connector = (o) =>
  new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${o.port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
      auth: { token: o.token },
      perMessageDeflate: o.deflate ? { threshold: 0 } : false,
    } as Parameters<typeof io>[1]);
    let ready = false;
    const client: BenchClient = {
      acks: true,
      errors: {},
      publish(i, t, done) {
        socket.emit('publish', o.room, JSON.parse(payloadJson(i, t)), () => done?.(true));
      },
      bufferedAmount: () => 0,
      bytesRead() {
        // Private path (engine.io-client's websocket transport keeps its `ws`): NaN when it moves.
        const transport = socket.io.engine?.transport as unknown as {
          ws?: { _socket?: { bytesRead?: number } };
        };
        return transport?.ws?._socket?.bytesRead ?? Number.NaN;
      },
      get open() {
        return socket.connected;
      },
      close: () => socket.close(),
    };
    socket.on('event', (payload: unknown) => deliverParsed(o, payload));
    socket.once('connect', () => {
      socket.emit('join', o.room, () => {
        ready = true;
        resolve(client);
      });
    });
    socket.on('connect_error', (err) => {
      bump(client.errors, 'connect_error');
      if (!ready) reject(err);
    });
    socket.on('disconnect', (reason) => {
      if (ready) o.onClose?.(reason === 'io server disconnect' ? 4000 : 1006);
      else reject(new Error(`socket.io-client: ${reason} before join`));
    });
  });
