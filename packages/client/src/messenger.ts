import { type Ack, ErrorCode, type ErrorMessage, type Nack, type Response } from '@syncline/protocol';
import { type Clock, type TimerHandle, type Timers, timerDelay } from './environment.js';
import { SynclineError } from './errors.js';
import { Outbox } from './outbox.js';
import type { OutboxStorage, StoredMessage } from './outbox-storage.js';

/**
 * Nacks the server does not remember and that say when to try again (`retryAfterMs`): re-sent with the same
 * id (PROTOCOL §10.4, §19). `unavailable`: a log write failed (§9.2 step 10) or a `doc.submit` lost version
 * races; rejecting it would lose a message over a transient storage failure.
 */
const RETRY_CODES = new Set<string>([ErrorCode.RateLimited, ErrorCode.Unavailable]);

/** A client message that expects a reply (`publish`, `request`, `join_room`, ...), before its id is set. */
export type OutgoingMessage = { type: string; [key: string]: unknown };
type Identified = OutgoingMessage & { id: string };

export interface SendOptions {
  /** How long the message may wait to be sent (in the outbox, or for a retry after `retryAfterMs`). */
  ttlMs?: number;
  /** Reject with `timeout` when no reply came this long after the call, queued or not. */
  timeoutMs?: number;
  /**
   * Re-send after a reconnect when no reply came (default). `false` for commands a reconnect makes
   * pointless (`join_room`: `hello.rooms` re-enters; `auth`: `hello` carries a fresh token): their
   * promise then resolves with `undefined`. Such messages are never queued.
   */
  replay?: boolean;
}

/** A reply to a message restored from storage after a reload, whose promise is gone. */
export interface RestoredReply {
  message: Identified;
  data?: unknown;
  error?: SynclineError;
}

/** The socket, as the messenger sees it. */
export interface Transport {
  readonly ready: boolean;
  /** The largest frame the server takes, in bytes (for the message of a `too_large`). */
  readonly maxPayload?: number;
  send(message: object): 'sent' | 'too_large' | 'not_open';
}

export interface MessengerOptions {
  transport: Transport;
  timers: Timers;
  clock: Clock;
  newId(): string;
  storage: OutboxStorage | undefined;
  maxQueued: number;
  ttlMs: number;
  onRestoredReply(reply: RestoredReply): void;
  onStorageError(error: unknown): void;
}

interface Entry {
  message: Identified;
  deadline: number;
  replay: boolean;
  /** Absent for messages restored from storage after a reload. */
  resolve?: (data: unknown) => void;
  reject?: (error: SynclineError) => void;
  persisted: boolean;
  timeout?: TimerHandle;
  retry?: TimerHandle;
}

/**
 * Messages that expect a reply, through their whole life: sent at once when the socket is open, else
 * queued in the outbox (persisted when a storage is given); in flight until their reply; re-sent in order
 * after a reconnect (in-flight ones first, then the outbox); re-sent after `retryAfterMs` when the server
 * says `rate_limited` or `unavailable`; rejected on timeout, expiry, overflow or close.
 *
 * Re-sending is safe because the server de-duplicates by message id.
 */
export class Messenger {
  /** Sent, awaiting their reply; in send order. */
  private readonly inflight = new Map<string, Entry>();
  /** Waiting for a retry after `retryAfterMs` (`rate_limited`, `unavailable`). */
  private readonly waiting = new Set<Entry>();
  private readonly outbox: Outbox<Entry>;
  private closed = false;

  constructor(private readonly options: MessengerOptions) {
    this.outbox = new Outbox<Entry>({
      maxSize: options.maxQueued,
      timers: options.timers,
      clock: options.clock,
      onExpire: (entry) =>
        this.settle(
          entry,
          new SynclineError(ErrorCode.Expired, `${entry.message.type} expired before it could be sent`),
        ),
    });
  }

  /** Number of messages queued for the next connection. */
  get queued(): number {
    return this.outbox.size;
  }

  /** Sends `message` with a fresh id; resolves with the reply's `data`. */
  call(message: OutgoingMessage, options: SendOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new SynclineError(ErrorCode.Closed, 'the client was closed'));
        return;
      }
      const entry: Entry = {
        message: { ...message, id: this.options.newId() },
        deadline: this.now() + (options.ttlMs ?? this.options.ttlMs),
        replay: options.replay ?? true,
        resolve,
        reject,
        persisted: false,
      };
      if (options.timeoutMs !== undefined) {
        entry.timeout = this.options.timers.setTimeout(() => {
          entry.timeout = undefined;
          this.settle(
            entry,
            new SynclineError(ErrorCode.Timeout, `no reply to ${message.type} in ${options.timeoutMs} ms`),
          );
        }, timerDelay(options.timeoutMs));
      }
      this.dispatch(entry);
    });
  }

  /** Settles the message `reply.id` refers to; false when none is waiting (a late or foreign reply). */
  handleReply(reply: Ack | Nack | Response | ErrorMessage): boolean {
    const entry = reply.id === undefined ? undefined : this.inflight.get(reply.id);
    if (!entry) return false;
    if (reply.type === 'ack' || reply.type === 'response') {
      this.settle(entry, undefined, reply.data);
      return true;
    }
    const error = SynclineError.from(reply);
    const retryAt = this.now() + (error.retryAfterMs ?? 0);
    if (RETRY_CODES.has(error.code) && error.retryAfterMs !== undefined && retryAt <= entry.deadline) {
      this.retryLater(entry, error.retryAfterMs);
    } else {
      this.settle(entry, error);
    }
    return true;
  }

  /**
   * After a (re)connect: re-sends, in their original order, the messages still awaiting a reply, then
   * `between()` (room commands), then the outbox.
   */
  resume(between: () => void = () => {}): void {
    for (const entry of [...this.inflight.values()]) {
      if (this.inflight.get(entry.message.id) === entry) this.transmit(entry);
    }
    between();
    for (const entry of this.outbox.drain()) this.transmit(entry);
  }

  /** The socket is gone: messages not worth re-sending resolve with `undefined`; others wait. */
  disconnected(): void {
    for (const entry of [...this.inflight.values()]) if (!entry.replay) this.settle(entry);
  }

  /**
   * Queues messages persisted by an earlier run (a reload), before anything queued since. Their
   * replies go to `onRestoredReply`.
   */
  restore(stored: readonly StoredMessage[]): void {
    if (this.closed) return;
    const fresh: Entry[] = [];
    for (const s of stored) {
      const known = this.inflight.has(s.id) || this.outbox.find((e) => e.message.id === s.id);
      if (known) continue;
      const entry: Entry = {
        message: { ...s.message, id: s.id },
        deadline: s.deadline,
        replay: true,
        persisted: true,
      };
      if (s.deadline <= this.now())
        this.settle(entry, new SynclineError(ErrorCode.Expired, 'expired before a reload'));
      else fresh.push(entry);
    }
    if (!this.options.transport.ready) this.outbox.prepend(fresh);
    else for (const entry of fresh) this.transmit(entry);
  }

  /** Rejects everything with `closed` and clears every timer. Persisted messages stay in storage. */
  close(): void {
    this.closed = true;
    const error = new SynclineError(ErrorCode.Closed, 'the client was closed');
    const all = [...this.inflight.values(), ...this.waiting, ...this.outbox.drain()];
    this.inflight.clear();
    this.waiting.clear();
    for (const entry of all) {
      this.clearTimers(entry);
      entry.reject?.(error);
    }
  }

  private dispatch(entry: Entry): void {
    if (this.options.transport.ready) {
      this.transmit(entry);
      return;
    }
    if (!entry.replay) {
      this.settle(entry);
      return;
    }
    if (!this.outbox.add(entry)) {
      this.settle(
        entry,
        new SynclineError(ErrorCode.OutboxFull, `outbox full (${this.options.maxQueued} messages)`),
      );
      return;
    }
    if (!entry.persisted) this.persist(entry);
  }

  private transmit(entry: Entry): void {
    this.inflight.delete(entry.message.id);
    this.inflight.set(entry.message.id, entry);
    // `not_open` (the socket just went away) needs nothing: the entry stays in flight and is re-sent.
    if (this.options.transport.send(entry.message) === 'too_large') {
      const limit = this.options.transport.maxPayload;
      const size =
        limit === undefined ? '' : limit < 1024 ? `${limit} bytes` : `${Math.floor(limit / 1024)} KB`;
      const most = size && `: the server takes at most ${size} at once`;
      this.settle(entry, new SynclineError(ErrorCode.TooLarge, `too large to send${most}`));
    }
  }

  private retryLater(entry: Entry, delayMs: number): void {
    this.inflight.delete(entry.message.id);
    // The SAME id (PROTOCOL §10.4, §17.1): the server does not remember these nacks, so the
    // retry is run normally. A new id would defeat de-duplication: a message re-sent after a reconnect
    // to a new session may have been run already (its ack lost with the old socket), and the rate limit
    // is checked before the durable de-duplication, so a retry under a new id would be appended twice.
    this.waiting.add(entry);
    entry.retry = this.options.timers.setTimeout(() => {
      entry.retry = undefined;
      this.waiting.delete(entry);
      this.dispatch(entry);
    }, timerDelay(delayMs));
  }

  /** Removes `entry` from wherever it is and resolves (no error) or rejects it. */
  private settle(entry: Entry, error?: SynclineError, data?: unknown): void {
    if (this.inflight.get(entry.message.id) === entry) this.inflight.delete(entry.message.id);
    this.waiting.delete(entry);
    this.outbox.remove(entry);
    this.clearTimers(entry);
    if (entry.persisted) this.unpersist(entry.message.id);
    if (entry.resolve && entry.reject) {
      if (error) entry.reject(error);
      else entry.resolve(data);
    } else {
      this.options.onRestoredReply(
        error ? { message: entry.message, error } : { message: entry.message, data },
      );
    }
  }

  private clearTimers(entry: Entry): void {
    if (entry.timeout !== undefined) this.options.timers.clearTimeout(entry.timeout);
    if (entry.retry !== undefined) this.options.timers.clearTimeout(entry.retry);
    entry.timeout = entry.retry = undefined;
  }

  private persist(entry: Entry): void {
    const storage = this.options.storage;
    if (!storage) return;
    entry.persisted = true;
    const stored: StoredMessage = { id: entry.message.id, message: entry.message, deadline: entry.deadline };
    storage.put(stored).catch(this.options.onStorageError);
  }

  private unpersist(id: string): void {
    this.options.storage?.delete(id).catch(this.options.onStorageError);
  }

  private now(): number {
    return this.options.clock.now();
  }
}
