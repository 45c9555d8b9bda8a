import { SynclineClient, Throttle, type WebSocketConstructor } from '@syncline/client';
import WebSocket from 'ws';
import { CURSOR_ROOM, type CursorClient, type CursorClientOptions } from '../cursors.js';

interface Move {
  x: number;
  y: number;
  t: number;
}

/**
 * Syncline's SDK: the client joins the room, its moves go through the SDK's `Throttle` (what
 * `RoomPresence.moveCursor` uses) at `throttleHz` as fire-and-forget `cursor_update` publishes (the move
 * time rides along as an extra field, which the open event schema keeps); the server coalesces them per
 * user. Others' cursors are read from `cursor_update` events. Frames are counted at the socket.
 */
export async function openSynclineCursor(o: CursorClientOptions): Promise<CursorClient> {
  let frames = 0;
  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.on('message', () => {
        frames++;
      });
    }
  }
  const client = new SynclineClient({
    url: `ws://127.0.0.1:${o.port}/ws`,
    token: o.token,
    WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
    globals: null,
    tokenRefresh: false,
  });
  client.subscribe('cursor_update', (data, event) => {
    if (event.room !== CURSOR_ROOM || event.from === o.userId) return;
    const t = (data as { t?: unknown }).t;
    if (typeof t === 'number') o.onCursor(Number(String(event.from).slice(1)), t);
  });
  try {
    await client.join(CURSOR_ROOM);
  } catch (err) {
    client.close();
    throw err;
  }
  const throttle = new Throttle<Move>(
    (m) =>
      void client.publish(CURSOR_ROOM, 'cursor_update', { page: 0, x: m.x, y: m.y, t: m.t }).catch(() => {}),
    { hz: o.throttleHz },
  );
  return {
    move: (x, y, t) => throttle.push({ x, y, t }),
    get frames() {
      return frames;
    },
    close: () => {
      throttle.cancel();
      client.close();
    },
  };
}
