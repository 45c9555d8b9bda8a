import { SynclineClient, type WebSocketConstructor } from '@syncline/client';
import WebSocket from 'ws';
import { BENCH_ZONE, editInserts, type ReplicaOpener, within } from './replica.js';

const ZONE = BENCH_ZONE.id;

/**
 * Syncline's SDK: `client.doc(id)` (a `DocumentClient`: optimistic local edits, one op in flight,
 * later ones composed behind it), the text in one zone edited with `editText`. The first replica creates
 * the zone. Remote inserts are read from the committed ops the document room delivers (`zone_edit`),
 * after the `DocumentClient` (subscribed first) has applied them.
 */
export const openSyncline: ReplicaOpener = async (o) => {
  const client = new SynclineClient({
    url: `ws://127.0.0.1:${o.port}/ws`,
    token: o.token,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    globals: null,
    tokenRefresh: false,
  });
  const doc = client.doc(o.documentId);
  try {
    await within(doc.ready, 30_000, 'syncline doc.open');
    if (o.create) {
      doc.createZone(BENCH_ZONE);
      await within(doc.whenSynced(), 30_000, 'syncline zone created');
    } else {
      await within(
        new Promise<void>((resolve) => {
          const check = () => (doc.zone(ZONE) ? resolve() : setTimeout(check, 10));
          check();
        }),
        30_000,
        'syncline zone visible',
      );
    }
  } catch (err) {
    doc.close();
    client.close();
    throw err;
  }
  const me = o.userId;
  client.subscribe('zone_edit', (data) => {
    if (data.documentId !== o.documentId || data.userId === me) return;
    editInserts((data as { op?: unknown }).op, o.onRemoteInsert);
  });
  return {
    insert(pos, text, acked) {
      doc.editText(ZONE, { pos, ins: text });
      if (acked) void doc.whenSynced().then(acked);
    },
    get length() {
      return doc.zone(ZONE)?.text.length ?? 0;
    },
    text: () => doc.zone(ZONE)?.text ?? '',
    get unconfirmed() {
      const s = doc.getSnapshot();
      return s.inflight || s.pending > 0;
    },
    close() {
      doc.close();
      client.close();
    },
  };
};
