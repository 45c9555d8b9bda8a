import WebSocket from 'ws';
import { payloadJson } from '../../payload.js';
import { type BenchClient, bump, type Connector, deliverParsed, deliverScanned } from '../client.js';
import { openSocket } from './open.js';

/**
 * A minimal Socket.IO v4 client speaking the wire protocol over a bare `ws` socket (websocket transport,
 * as `transports: ['websocket']` does). It is what socket.io-client sends and expects, without its
 * per-packet machinery, so the load generator stays cheaper than the server:
 *
 * - engine.io: server `0{sid,...}` (open), `2` (ping) -> client `3` (pong), `4...` (message);
 * - socket.io inside `4`: `0{auth}` connect -> `0{sid}` / `4{message}` error; `2[name,...args]` event,
 *   `2<id>[...]` event with ack -> `3<id>[...]` ack.
 *
 * `adapters/socketio-official.ts` drives the real socket.io-client for comparison (`--sio-client official`).
 */
/** An `event` packet without ack id, as `io.to(room).emit('event', payload)` sends it. */
const EVENT_PREFIX = '42["event",';

export const connectSocketIo: Connector = (o) =>
  new Promise((resolve, reject) => {
    const { ws, bytesRead } = openSocket(
      `ws://127.0.0.1:${o.port}/socket.io/?EIO=4&transport=websocket`,
      undefined,
      o.deflate,
    );
    const pending = new Map<number, (ok: boolean) => void>();
    const JOIN_ACK = 0;
    let nextAck = 1;
    let ready = false;
    const roomJson = JSON.stringify(o.room);
    const client: BenchClient = {
      acks: true,
      errors: {},
      publish(i, t, done) {
        const id = nextAck++;
        if (done) pending.set(id, done);
        ws.send(`42${id}["publish",${roomJson},${payloadJson(i, t)}]`);
      },
      bufferedAmount: () => ws.bufferedAmount,
      bytesRead,
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      close: () => ws.close(1000),
    };
    const fail = (why: string) => {
      if (!ready) reject(new Error(`socket.io: ${why}`));
    };
    pending.set(JOIN_ACK, () => {
      ready = true;
      resolve(client);
    });

    ws.on('message', (data) => {
      const s = String(data);
      const eio = s.charCodeAt(0);
      if (eio === 0x32 /* 2 ping */) {
        ws.send('3');
        return;
      }
      if (eio === 0x30 /* 0 open */) {
        ws.send(`40${JSON.stringify({ token: o.token })}`);
        return;
      }
      if (eio !== 0x34 /* 4 message */) return;
      switch (s.charCodeAt(1)) {
        case 0x32 /* 2 event */:
          {
            if (o.decode === 'scan' && s.startsWith(EVENT_PREFIX)) {
              deliverScanned(o, s);
              return;
            }
            const args = JSON.parse(s.slice(2)) as unknown[];
            if (args[0] === 'event') deliverParsed(o, args[1]);
            return;
          }
        case 0x33 /* 3 ack */:
          {
            const id = Number.parseInt(s.slice(2), 10);
            const done = pending.get(id);
            pending.delete(id);
            done?.(true);
            return;
          }
        case 0x30 /* 0 connected */:
          ws.send(`42${JOIN_ACK}["join",${roomJson}]`);
          return;
        case 0x34 /* 4 connect error */:
          bump(client.errors, 'connect_error');
          fail(`connect error ${s.slice(2)}`);
          return;
      }
    });
    ws.on('close', (code) => {
      if (ready) o.onClose?.(code);
      else fail(`closed (${code}) before join`);
    });
    ws.on('error', (err) => fail(err.message));
  });
