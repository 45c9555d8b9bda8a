import { type TextOp, type as textUnicode } from 'ot-text-unicode';
import WebSocket from 'ws';
import { type ReplicaOpener, textOpInserts, within } from './replica.js';

const insertOp = (pos: number, text: string): TextOp => (pos === 0 ? [text] : [pos, text]);

/**
 * The client of `servers/ot-relay.ts`, as small as a correct OT client gets: optimistic local apply, one op
 * in flight, later ones composed into one pending op, remote ops transformed past both (ShareDB's client
 * algorithm, without its API).
 */
export const openOtRelay: ReplicaOpener = async (o) => {
  const ws = new WebSocket(`ws://127.0.0.1:${o.port}`, { perMessageDeflate: false });
  let text = '';
  let version = 0;
  let inflight: TextOp | null = null;
  let inflightAcked: (() => void)[] = [];
  let pending: TextOp | null = null;
  let pendingAcked: (() => void)[] = [];
  const send = () => {
    if (inflight !== null || pending === null) return;
    inflight = pending;
    inflightAcked = pendingAcked;
    pending = null;
    pendingAcked = [];
    ws.send(JSON.stringify({ v: version, op: inflight }));
  };
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('message', (data) => {
        const hello = JSON.parse(String(data)) as { v: number; text: string };
        version = hello.v;
        text = hello.text;
        resolve();
      });
    }),
    30_000,
    'ot-relay connect',
  );
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { a?: number; v?: number; op?: TextOp };
    if (msg.a !== undefined) {
      version = msg.a;
      const acked = inflightAcked;
      inflight = null;
      inflightAcked = [];
      for (const f of acked) f();
      send();
      return;
    }
    let op = msg.op as TextOp;
    version = msg.v as number;
    if (inflight !== null) {
      const theirs = textUnicode.transform(op, inflight, 'right');
      inflight = textUnicode.transform(inflight, op, 'left');
      op = theirs;
    }
    if (pending !== null) {
      const theirs = textUnicode.transform(op, pending, 'right');
      pending = textUnicode.transform(pending, op, 'left');
      op = theirs;
    }
    text = textUnicode.apply(text, op);
    textOpInserts(op, o.onRemoteInsert);
  });
  return {
    insert(pos, s, acked) {
      const op = insertOp(pos, s);
      text = textUnicode.apply(text, op);
      pending = pending === null ? op : textUnicode.compose(pending, op);
      if (acked) pendingAcked.push(acked);
      send();
    },
    get length() {
      return text.length;
    },
    text: () => text,
    get unconfirmed() {
      return inflight !== null || pending !== null;
    },
    close() {
      ws.close();
    },
  };
};
