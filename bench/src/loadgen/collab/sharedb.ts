import { createRequire } from 'node:module';
import { editOp, type as json1 } from 'ot-json1';
import { type as textUnicode } from 'ot-text-unicode';
import WebSocket from 'ws';
import type { ShareDBClientModule, ShareDBDoc, ShareDBError } from '../../servers/sharedb-types.js';
import { BENCH_ZONE, editInserts, type ReplicaOpener, textOpInserts, within } from './replica.js';

const require = createRequire(import.meta.url);
const sharedb = require('sharedb/lib/client') as ShareDBClientModule;
sharedb.types.register(textUnicode);
sharedb.types.register(json1);

const COLLECTION = 'bench';

const fail = (what: string, err: ShareDBError) => new Error(`sharedb ${what}: ${err.message}`);

/** How one ShareDB document holds the shared text: the ops that edit it and how to read it back. */
interface TextModel {
  type: { uri: string };
  initial: unknown;
  insertOp(pos: number, text: string): unknown;
  text(data: unknown): string;
  inserts(op: unknown, onText: (s: string) => void): void;
}

/** The whole document is one `text-unicode` string. */
const PLAIN_TEXT: TextModel = {
  type: textUnicode,
  initial: '',
  insertOp: (pos, text) => (pos === 0 ? [text] : [pos, text]),
  text: (data) => data as string,
  inserts: textOpInserts,
};

const ZONE_TEXT = ['zones', BENCH_ZONE.id, 'text'];

/**
 * Syncline's document model in ShareDB: a `json1` document of zones (the same zone Syncline's bench
 * creates), the text in one zone's `text`, edited by `json1` ops with the `text-unicode` subtype.
 */
const ZONE_DOCUMENT: TextModel = {
  type: json1,
  initial: {
    meta: {},
    zones: { [BENCH_ZONE.id]: BENCH_ZONE },
  },
  insertOp: (pos, text) => editOp(ZONE_TEXT, textUnicode, pos === 0 ? [text] : [pos, text]),
  text: (data) => (data as { zones: Record<string, { text: string }> }).zones[BENCH_ZONE.id].text,
  inserts: editInserts,
};

/**
 * ShareDB's own client (`sharedb/lib/client`) over a `ws` socket: `doc.subscribe`, `submitOp` (one op in
 * flight, later ones composed while it waits, as ShareDB does), remote ops from the `op` event.
 */
const openShareDbWith =
  (model: TextModel): ReplicaOpener =>
  async (o) => {
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
        doc.create(model.initial, model.type.uri, (err) => (err ? reject(fail('create', err)) : resolve()));
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
      if (!source) model.inserts(op, o.onRemoteInsert);
    });
    doc.on('error', () => {});
    return {
      insert(pos, text, acked) {
        doc.submitOp(model.insertOp(pos, text), undefined, acked && (() => acked()));
      },
      get length() {
        return model.text(doc.data).length;
      },
      text: () => model.text(doc.data),
      get unconfirmed() {
        return doc.hasWritePending();
      },
      close() {
        connection.close();
      },
    };
  };

/** ShareDB with the whole document one `text-unicode` string. */
export const openShareDb = openShareDbWith(PLAIN_TEXT);
/** ShareDB with Syncline's document model: `json1` zones, the text edited in one zone. */
export const openShareDbJson1 = openShareDbWith(ZONE_DOCUMENT);
