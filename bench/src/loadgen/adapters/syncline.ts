import { PROTOCOL_VERSION, SUBPROTOCOL_JSON } from '@syncline/protocol';
import WebSocket from 'ws';
import { payloadJson } from '../../payload.js';
import { type BenchClient, bump, type Connector, deliverParsed } from '../client.js';
import { scanTypedEvents } from '../scan.js';
import { openSocket } from './open.js';

/** The event type the bench publishes: the catalogue's general-purpose client event. */
const EVENT = 'app_event';
const SUBSCRIBE_ID = 's1';

interface Frame {
  type?: unknown;
  id?: unknown;
  code?: unknown;
  message?: unknown;
  data?: unknown;
  items?: unknown;
  ts?: unknown;
}

const pairs: number[] = [];

/**
 * A Syncline client speaking the raw protocol (JSON subprotocol, path `/ws`) over a bare `ws` socket,
 * much lighter than the SDK:
 * `hello{v,token}` -> `welcome`; `subscribe{id,room}` -> `ack`; `publish{id,room,event,data}` -> `ack`/`nack`;
 * events arrive alone or inside `batch.items` (each counted as one event); `ping{ts}` is answered `pong{ts}`.
 * With `decode: 'scan'`, frames made only of events are scanned; any frame with something else is parsed.
 */
export const connectSyncline: Connector = (o) =>
  new Promise((resolve, reject) => {
    const { ws, bytesRead } = openSocket(`ws://127.0.0.1:${o.port}/ws`, SUBPROTOCOL_JSON, o.deflate);
    const pending = new Map<string, (ok: boolean) => void>();
    const roomJson = JSON.stringify(o.room);
    let ready = false;
    const client: BenchClient = {
      acks: true,
      errors: {},
      publish(i, t, done) {
        const id = `p${i}`;
        if (done) pending.set(id, done);
        ws.send(
          `{"type":"publish","id":"${id}","room":${roomJson},"event":"${EVENT}","data":${payloadJson(i, t)}}`,
        );
      },
      bufferedAmount: () => ws.bufferedAmount,
      bytesRead,
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      close: () => ws.close(1000),
    };
    const fail = (why: string) => {
      if (!ready) reject(new Error(`syncline: ${why}`));
    };
    pending.set(SUBSCRIBE_ID, (ok) => {
      if (!ok) return fail('subscribe refused');
      ready = true;
      resolve(client);
    });

    const handle = (m: Frame): void => {
      switch (m.type) {
        case EVENT:
          deliverParsed(o, m.data);
          return;
        case 'batch':
          if (Array.isArray(m.items)) for (const item of m.items) handle(item as Frame);
          return;
        case 'ack':
        case 'nack': {
          if (m.type === 'nack') {
            bump(client.errors, String(m.code));
            fail(`nack ${String(m.code)}: ${String(m.message)} (id ${String(m.id)})`);
          }
          const id = String(m.id);
          const done = pending.get(id);
          pending.delete(id);
          done?.(m.type === 'ack');
          return;
        }
        case 'ping':
          ws.send(typeof m.ts === 'number' ? `{"type":"pong","ts":${m.ts}}` : '{"type":"pong"}');
          return;
        case 'welcome':
          ws.send(`{"type":"subscribe","id":"${SUBSCRIBE_ID}","room":${roomJson}}`);
          return;
        case 'error':
          bump(client.errors, String(m.code));
          fail(`error ${String(m.code)}: ${String(m.message)}`);
          return;
      }
    };

    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, token: o.token })));
    ws.on('message', (data) => {
      const s = String(data);
      // Frames of events only are scanned; anything else (acks, pings, mixed batches) is parsed.
      if (ready && o.decode === 'scan' && scanTypedEvents(s, EVENT, pairs) > 0) o.onEvents?.(pairs);
      else handle(JSON.parse(s) as Frame);
    });
    ws.on('close', (code, reason) => {
      if (ready) o.onClose?.(code);
      else fail(`closed (${code} ${String(reason)}) before subscribe ack`);
    });
    ws.on('error', (err) => fail(err.message));
  });
