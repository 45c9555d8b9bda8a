import { createRequire } from 'node:module';
import { type as textUnicode } from 'ot-text-unicode';
import WebSocket from 'ws';
import type { ShareDBClientModule, ShareDBDoc, ShareDBError } from '../../servers/sharedb-types.js';
import { type ReplicaOpener, textOpInserts, within } from './replica.js';

const require = createRequire(import.meta.url);
const sharedb = require('sharedb/lib/client') as ShareDBClientModule;
sharedb.types.register(textUnicode);

const COLLECTION = 'bench';

const fail = (what: string, err: ShareDBError) => new Error(`sharedb ${what}: ${err.message}`);

/**
 * ShareDB's own client (`sharedb/lib/client`) over a `ws` socket: `doc.subscribe`, `submitOp` of
 * `text-unicode` ops (one op in flight, later ones composed while it waits, as ShareDB does), remote
 * ops from the `op` event.
 */
export const openShareDb: ReplicaOpener = async (o) => {
  const ws = new WebSocket(`ws://127.0.0.1:${o.port}`, { perMessageDeflate: false });
  const connection = new sharedb.Connection(ws);
  const doc: ShareDBDoc = connection.get(COLLECTION, o.documentId);
  await within(
    new Promise<void>((resolve, reject) => {
      doc.subscribe((err) => (err ? reject(fail('subscribe', err)) : resolve()));
    }),
    30_000,
    'sharedb subscribe',
  );
  if (o.create) {
    await new Promise<void>((resolve, reject) => {
      doc.create('', textUnicode.uri, (err) => (err ? reject(fail('create', err)) : resolve()));
    });
  } else {
    await within(
      new Promise<void>((resolve) => {
        const check = () => (doc.type ? resolve() : setTimeout(check, 10));
        check();
      }),
      30_000,
      'sharedb document created',
    );
  }
  doc.on('op', (op, source) => {
    if (!source) textOpInserts(op, o.onRemoteInsert);
  });
  doc.on('error', () => {});
  return {
    insert(pos, text, acked) {
      doc.submitOp(pos === 0 ? [text] : [pos, text], undefined, acked && (() => acked()));
    },
    get length() {
      return (doc.data as string).length;
    },
    text: () => doc.data as string,
    get unconfirmed() {
      return doc.hasWritePending();
    },
    close() {
      connection.close();
    },
  };
};
