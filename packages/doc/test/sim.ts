import { apply, compose, type Op, transform } from '../src/ot.js';
import { validateDocument, type ZoneDocument } from '../src/zone.js';

/**
 * A minimal ShareDB-style sequencer and clients, in memory, for convergence tests. The server transforms
 * a submitted op past the ops committed since its base version (the submitted op is `'left'`), checks
 * the result, commits and broadcasts; a client keeps one op in flight plus a pending op, and transforms
 * each remote op past them (its own ops stay `'left'`, as on the server).
 */
export class SimServer {
  log: Op[] = [];
  constructor(public doc: ZoneDocument) {}

  submit(op: Op, baseVersion: number): { op: Op; version: number } {
    let t = op;
    for (const committed of this.log.slice(baseVersion)) t = transform(t, committed, 'left');
    const next = apply(this.doc, t);
    const problems = validateDocument(next);
    if (problems.length > 0)
      throw new Error(`server would commit an invalid document: ${problems.join('; ')}`);
    this.doc = next;
    this.log.push(t);
    return { op: t, version: this.log.length };
  }
}

type Msg = { op: Op; own: boolean };

export class SimClient {
  version = 0;
  inflight: { op: Op; base: number } | null = null;
  pending: Op = null;
  inbox: Msg[] = [];
  constructor(
    public name: string,
    public doc: ZoneDocument,
  ) {}

  /** A local edit: applied at once, queued behind the op in flight. */
  local(op: Op) {
    this.doc = apply(this.doc, op);
    this.pending = compose(this.pending, op);
  }

  /** Send the pending op if nothing is in flight; returns what the server should receive. */
  send(): { op: Op; base: number } | null {
    if (this.inflight !== null || this.pending === null) return null;
    this.inflight = { op: this.pending, base: this.version };
    this.pending = null;
    return this.inflight;
  }

  /** Handle the next message from the server (an ack of my op, or a remote op). */
  receive() {
    const msg = this.inbox.shift();
    if (!msg) return false;
    this.version++;
    if (msg.own) {
      this.inflight = null;
      return true;
    }
    let remote = msg.op;
    if (this.inflight !== null) {
      const mine = this.inflight.op;
      this.inflight.op = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    if (this.pending !== null) {
      const mine = this.pending;
      this.pending = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    this.doc = apply(this.doc, remote);
    return true;
  }
}

/** Deliver a submission to the server and broadcast the committed op to every client. */
export function deliver(
  server: SimServer,
  clients: SimClient[],
  from: SimClient,
  sub: { op: Op; base: number },
) {
  const { op } = server.submit(sub.op, sub.base);
  for (const c of clients) c.inbox.push({ op, own: c === from });
}
