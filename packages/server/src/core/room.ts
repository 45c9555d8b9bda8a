import type { Delivery, EventMessage } from '@syncline/protocol';
import type { Broker, NodePresence } from '../broker/broker.js';
import { encodeData } from '../storage/log-data.js';
import type { AppendInput, AppendResult, LogEntry, LogStore } from '../storage/log-store.js';
import type { Flusher } from './flusher.js';
import { EphemeralEvent, LoggedEvent, OutMessage, SharedBatch } from './out-message.js';
import { SmallSet } from './small-set.js';
import type { Subscription } from './subscription.js';

export interface RoomHost {
  readonly store: LogStore;
  readonly flusher: Flusher;
  readonly broker: Broker;
  /** Called once per event delivered to a connection (metrics). */
  countDelivery(type: string, n: number): void;
  /** Reading a gap from the log failed (it is retried). */
  gapFailed(room: Room, err: unknown): void;
  /** Events between `lastSeq` and the log's first retained seq are gone: live subscribers must reset. */
  gapLost(room: Room): void;
}

/** Log entries read per page when filling a gap. */
const FILL_PAGE = 500;

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
  /** userId -> how many of those sessions are idle (`presence.status`); allocated on the first idle one. */
  idleSessions: Map<string, number> | null = null;
  /** Users present here whose status was last announced as idle (cluster-wide, as this node sees it). */
  idleUsers: Set<string> | null = null;
  /**
   * Users whose last announced number of connections in the room is not 1 (what a `user_join` says), with that
   * number (cluster-wide, as this node sees it); allocated on the first such user.
   */
  shownConnections: Map<string, number> | null = null;
  /** Other nodes' presence in this room (node -> user -> presence); allocated when another node has some. */
  remote: Map<string, Map<string, NodePresence>> | null = null;
  /**
   * The other nodes' presence is being read (a room new here, or after a broker reconnect): until it is, this node
   * neither records nor announces a user's status or count (it would take its own sessions for all of them).
   */
  remoteLoading = false;
  /** The read of the other nodes' presence under way (the latest one, `remoteLoading`): settles once it is applied. */
  presenceRead: Promise<unknown> | null = null;
  /**
   * Nodes heard gone (closed, reaped) while a read of presence was under way: the read may have been answered before
   * they went, and must not bring their users back. Cleared once the latest read is applied.
   */
  goneDuringRead: Set<string> | null = null;
  /** Users whose status change this node recorded without publishing it (another node led them): see `nodeGone`. */
  recordedOnly: Set<string> | null = null;
  /** Resolves once the broker delivers other nodes' entries of this room (several nodes only). */
  subscribed: Promise<void> | null = null;
  private loaded = false;
  /** Entries that arrived ahead of `lastSeq + 1`, waiting for the gap before them to be read from the log. */
  private held: Map<number, { entry: LogEntry; except: Subscription | undefined }> | null = null;
  private filling = false;
  private refill = false;
  private fillToEnd = false;
  private loading: Promise<void> | null = null;
  private batch: SharedBatch | null = null;
  /** `JSON.stringify(name)`, for the events' frames (`LoggedEvent`). */
  private nameJson: string | undefined;
  private pending: PendingAppend[] | null = null;
  private appending = false;

  constructor(
    readonly name: string,
    private readonly host: RoomHost,
  ) {}

  /** Loads the room's last seq from the store once. */
  load(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    const store = this.host.store;
    // With other nodes, the room's channel is subscribed before its position is read: nothing published in
    // between can be missed (it arrives with a seq above the one read, or is at most a gap filled from the log).
    this.loading ??= (
      this.subscribed ? this.subscribed.then(() => store.lastSeq(this.name)) : store.lastSeq(this.name)
    ).then(
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
    return (
      // A room still loading is about to get the subscription that asked for it: unloading it now would leave
      // that subscription on a room nothing delivers to any more.
      this.loading === null &&
      this.subs.size === 0 &&
      !this.members?.size &&
      this.pending === null &&
      !this.appending &&
      this.held === null &&
      !this.filling
    );
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
    // Each event's data serialized once, here: the store writes that text and the frames carry it (`LoggedEvent`).
    try {
      for (const p of batch) if (p.input.json === undefined) p.input.json = encodeData(p.input.data);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
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
    const broker = this.host.broker.distributed ? this.host.broker : null;
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
      this.receive(entry, except, input.json);
      broker?.publishEntry(entry);
    });
    results.forEach((r, i) => {
      batch[i].stored?.(r);
      batch[i].resolve(r);
    });
  }

  /**
   * Takes an entry of this room's log (appended here, or by another node) and fans it out in seq order: the
   * next one at once; one further ahead waits while the gap before it is read from the log, so nothing is
   * ever skipped; one already fanned out is dropped (so a node's own entries are not delivered twice).
   */
  receive(entry: LogEntry, except?: Subscription, dataJson?: string | null): void {
    if (entry.seq <= this.lastSeq) return;
    if (entry.seq === this.lastSeq + 1 && this.held === null && this.loaded) {
      this.deliverLogged(entry, except, dataJson);
      return;
    }
    (this.held ??= new Map()).set(entry.seq, { entry, except });
    void this.fill();
  }

  /**
   * Reads from the log what this node has not fanned out and delivers it in order, with whatever arrived
   * meanwhile. `toEnd`: read up to the log's end (after the broker lost messages), not only up to the entries
   * held here.
   */
  async fill(toEnd = false): Promise<void> {
    // Reading to the end is remembered until a pass has done it (a fill already running, or one that failed
    // and is retried, does it too).
    this.fillToEnd ||= toEnd;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      await this.load();
      do {
        this.refill = false;
        const before = this.lastSeq;
        this.drainHeld();
        const toEndNow = this.fillToEnd;
        for (;;) {
          const target = toEndNow ? Number.POSITIVE_INFINITY : this.heldTarget();
          if (this.lastSeq >= target) break;
          const res = await this.host.store.read(this.name, this.lastSeq, FILL_PAGE);
          if (res.firstSeq > this.lastSeq + 1 && res.lastSeq > this.lastSeq) {
            // Older than retention: jump, and let every live subscriber replay (it will get a reset).
            this.lastSeq = res.firstSeq - 1;
            this.host.gapLost(this);
          }
          for (const e of res.entries) {
            if (e.seq !== this.lastSeq + 1) continue;
            const held = this.held?.get(e.seq);
            this.deliverLogged(held?.entry ?? e, held?.except);
            this.drainHeld();
          }
          this.drainHeld();
          if (res.entries.length < FILL_PAGE) break;
        }
        if (toEndNow) this.fillToEnd = false;
        if (this.held !== null && this.lastSeq < this.heldTarget()) {
          // What is held is beyond the log's end as read: it was committed since. Read again (later, when
          // this pass made no progress at all).
          if (this.lastSeq === before) throw new Error(`seq ${this.lastSeq + 1} is not in the log yet`);
          this.refill = true;
        }
      } while (this.refill);
    } catch (err) {
      this.host.gapFailed(this, err);
    } finally {
      this.filling = false;
    }
  }

  /** Delivers held entries that are next in line, and drops those already delivered. */
  private drainHeld(): void {
    const held = this.held;
    if (held === null) return;
    for (const seq of held.keys()) if (seq <= this.lastSeq) held.delete(seq);
    for (let next = held.get(this.lastSeq + 1); next; next = held.get(this.lastSeq + 1)) {
      held.delete(next.entry.seq);
      this.deliverLogged(next.entry, next.except);
    }
    if (held.size === 0) this.held = null;
  }

  private heldTarget(): number {
    let max = 0;
    if (this.held) for (const seq of this.held.keys()) if (seq > max) max = seq;
    return max;
  }

  /**
   * Fans out an entry of this room's log to every live subscriber that is not catching up. Unfiltered
   * subscribers that are in the turn's shared batch from its first item get the entry through the batch;
   * the others get it as a single message.
   */
  deliverLogged(entry: LogEntry, except?: Subscription, dataJson?: string | null): void {
    if (entry.seq <= this.lastSeq) return; // already fanned out here
    this.lastSeq = entry.seq;
    const msg =
      dataJson === undefined
        ? new OutMessage(toEventMessage(entry))
        : new LoggedEvent(toEventMessage(entry), dataJson, (this.nameJson ??= JSON.stringify(this.name)));
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
    const msg = new EphemeralEvent(message);
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
