import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { type ReplicaOpener, within } from './replica.js';

const FIELD = 'text';

/**
 * Hocuspocus's provider (one socket per client, `ws` as the WebSocket) on a `Y.Doc`, the text in a
 * `Y.Text`. Yjs sends every update at once (no acknowledgement gating); the server's `SyncStatus` reply
 * to each update is the acknowledgement (`unsyncedChanges` back to 0). Remote inserts are read from the
 * updates the provider applies.
 */
export const openHocuspocus: ReplicaOpener = async (o) => {
  const ydoc = new Y.Doc();
  const ytext = ydoc.getText(FIELD);
  const socket = new HocuspocusProviderWebsocket({
    url: `ws://127.0.0.1:${o.port}`,
    WebSocketPolyfill: WebSocket,
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: o.documentId,
    document: ydoc,
    token: o.token,
  });
  provider.attach();
  await within(
    new Promise<void>((resolve) => {
      if (provider.isSynced) resolve();
      else provider.on('synced', () => resolve());
    }),
    30_000,
    'hocuspocus sync',
  );
  // The strings in each remote update, once applied (the update, not the Y.Text's delta: computing a
  // delta walks the whole text).
  ydoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== provider) return;
    for (const struct of Y.decodeUpdate(update).structs) {
      const content = (struct as { content?: unknown }).content;
      if (content instanceof Y.ContentString) o.onRemoteInsert(content.str);
    }
  });
  let waiting: (() => void)[] = [];
  provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    if (number !== 0 || waiting.length === 0) return;
    const done = waiting;
    waiting = [];
    for (const fn of done) fn();
  });
  return {
    insert(pos, text, acked) {
      ytext.insert(pos, text);
      if (acked) {
        if (provider.unsyncedChanges === 0) acked();
        else waiting.push(acked);
      }
    },
    get length() {
      return ytext.length;
    },
    text: () => ytext.toString(),
    get unconfirmed() {
      return provider.hasUnsyncedChanges;
    },
    close() {
      provider.destroy();
      socket.destroy();
    },
  };
};
