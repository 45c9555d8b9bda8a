import type { Delivery, EventMessage } from '@syncline/protocol';
import type { AppendInput, AppendResult, LogEntry, LogStore } from '../storage/log-store.js';
import type { Flusher } from './flusher.js';
import { OutMessage, SharedBatch } from './out-message.js';
import { SmallSet } from './small-set.js';
import type { Subscription } from './subscription.js';

export interface RoomHost {
  readonly store: LogStore;
  readonly flusher: Flusher;
  /** Called once per event delivered to a connection (metrics). */
  countDelivery(type: string, n: number): void;
}

interface PendingAppend {
  input: AppendInput;
  except: Subscription | undefined;
  stored: ((r: AppendResult) => void) | undefined;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/**
 * A room on this node: its live subscribers, its position in the durable log, presence counts, and the
 * per-turn shared batch that makes a broadcast cost one encoding however many subscribers it has.
 * Appends are serialized per room (one store call in flight, the rest batched behind it), so sequence
 * order and fan-out order are the same.
 */
export class Room {
  readonly subs = new SmallSet<Subscription>();
  /** Highest seq fanned out on this node. */
  lastSeq = 0;
  /** userId -> number of joined sessions of that user (presence); allocated on first join. */
  members: Map<string, number> | null = null;
  private loaded = false;
  private loading: Promise<void> | null = null;
  private batch: SharedBatch | null = null;
  private pending: PendingAppend[] | null = null;
  private appending = false;

  constructor(
    readonly name: string,
    private readonly host: RoomHost,
  ) {}

  /** Loads the room's last seq from the store once. */
  load(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.host.store.lastSeq(this.name).then(
      (seq) => {
        if (seq > this.lastSeq) this.lastSeq = seq;
        this.loaded = true;
        this.loading = null;
      },
      (err) => {
        this.loading = null; // let the next caller try again
        throw err;
      },
    );
    return this.loading;
  }

  get idle(): boolean {
    return this.subs.size === 0 && !this.members?.size && this.pending === null && !this.appending;
  }

  /** Appends a logged event and fans it out once it is durable. */
  append(
    input: AppendInput,
    except?: Subscription,
    stored?: (r: AppendResult) => void,
  ): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const pending = (this.pending ??= []);
      pending.push({ input, except, stored, resolve, reject });
      if (!this.appending && pending.length === 1) this.host.flusher.atTurnEnd(() => this.writePending());
    });
  }

  private writePending(): void {
    const batch = this.pending;
    if (this.appending || batch === null) return;
    this.pending = null;
    const { store } = this.host;
    if (this.loaded && store.appendSync) {
      // Synchronous store: append and fan out now, so this turn's flush carries the events.
      let results: AppendResult[];
      try {
        results = store.appendSync(
          this.name,
          batch.map((p) => p.input),
        );
      } catch (err) {
        for (const p of batch) p.reject(err);
        return;
      }
      this.settle(batch, results);
      return;
    }
    this.appending = true;
    this.load()
      .then(() =>
        store.append(
          this.name,
          batch.map((p) => p.input),
        ),
      )
      .then(
        (results) => this.settle(batch, results),
        (err) => {
          for (const p of batch) p.reject(err);
        },
      )
      .finally(() => {
        this.appending = false;
        if (this.pending !== null) this.writePending();
      });
  }

  /** Fans out what was appended (not duplicates), then answers the publishers. */
  private settle(batch: PendingAppend[], results: AppendResult[]): void {
    results.forEach((r, i) => {
      if (r.duplicate) return;
      const { input, except } = batch[i];
      const entry: LogEntry = {
        room: this.name,
        seq: r.seq,
        type: input.type,
        data: input.data,
        ts: input.ts,
      };
      if (input.from !== undefined) entry.from = input.from;
      this.deliverLogged(entry, except);
    });
    results.forEach((r, i) => {
      batch[i].stored?.(r);
      batch[i].resolve(r);
    });
  }

  /**
   * Fans out an entry of this room's log to every live subscriber that is not catching up. Unfiltered
   * subscribers that are in the turn's shared batch from its first item get the entry through the batch;
   * the others get it as a single message.
   */
  deliverLogged(entry: LogEntry, except?: Subscription): void {
    if (entry.seq <= this.lastSeq) return; // already fanned out here
    this.lastSeq = entry.seq;
    const msg = new OutMessage(toEventMessage(entry));
    const batch = this.sharedBatch();
    let n = 0;
    for (const sub of this.subs) {
      if (sub.catchingUp || entry.seq <= sub.sentSeq) continue;
      sub.sentSeq = entry.seq;
      const conn = sub.session.conn;
      if (!conn) continue;
      const skip = sub === except || !sub.accepts(entry.type);
      if (sub.batch === batch) {
        if (!skip) n++;
        else {
          conn.expandBatch(batch);
          sub.batch = null;
        }
        continue;
      }
      if (skip) continue;
      if (sub.types === null && batch.items.length === 0) {
        sub.batch = batch;
        conn.queueLogged(batch);
      } else conn.queueLogged(msg);
      n++;
    }
    batch.push(msg);
    this.host.countDelivery(entry.type, n);
  }

  /** Fans out an ephemeral event (not logged), coalesced per connection by `key`. */
  deliverEphemeral(
    type: string,
    data: unknown,
    key: string,
    ts: number,
    from?: string,
    except?: Subscription,
  ): void {
    const message: EventMessage = { type, room: this.name, ts, data } as EventMessage;
    if (from !== undefined) message.from = from;
    const msg = new OutMessage(message);
    let n = 0;
    for (const sub of this.subs) {
      if (sub === except || !sub.accepts(type)) continue;
      const conn = sub.session.conn;
      if (!conn) continue;
      conn.queueEphemeral(`${this.name}|${key}`, msg);
      n++;
    }
    this.host.countDelivery(type, n);
  }

  private sharedBatch(): SharedBatch {
    if (this.batch === null) {
      const b = new SharedBatch();
      this.batch = b;
      this.host.flusher.afterFlush(() => {
        if (this.batch === b) this.batch = null;
      });
    }
    return this.batch;
  }
}

export function toEventMessage(entry: LogEntry): EventMessage {
  const m = { type: entry.type, room: entry.room, seq: entry.seq, ts: entry.ts } as EventMessage;
  if (entry.from !== undefined) m.from = entry.from;
  m.data = entry.data as EventMessage['data'];
  return m;
}

export type { Delivery };
