import WebSocket from 'ws';
import { payloadJson } from '../../payload.js';
import { type BenchClient, type Connector, deliverParsed, deliverScanned } from '../client.js';
import { openSocket } from './open.js';

/**
 * Client of the bare relay (`servers/ws-relay.ts`): sends `{"join":room}`, waits for `{"joined":room}`,
 * then every frame it sends is relayed to the room's other sockets. No acks, no auth.
 */
export const connectWs: Connector = (o) =>
  new Promise((resolve, reject) => {
    const { ws, bytesRead } = openSocket(`ws://127.0.0.1:${o.port}/`, undefined, o.deflate);
    let ready = false;
    const client: BenchClient = {
      acks: false,
      errors: {},
      publish: (i, t) => ws.send(payloadJson(i, t)),
      bufferedAmount: () => ws.bufferedAmount,
      bytesRead,
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      close: () => ws.close(1000),
    };
    ws.once('open', () => ws.send(JSON.stringify({ join: o.room })));
    ws.on('message', (data) => {
      const s = String(data);
      if (!ready) {
        if ((JSON.parse(s) as { joined?: unknown }).joined === o.room) {
          ready = true;
          resolve(client);
        }
      } else if (o.decode === 'scan') {
        deliverScanned(o, s);
      } else {
        deliverParsed(o, JSON.parse(s));
      }
    });
    ws.on('close', (code) => {
      if (ready) o.onClose?.(code);
      else reject(new Error(`ws: closed (${code}) before join`));
    });
    ws.on('error', (err) => {
      if (!ready) reject(err);
    });
  });
