import {
  CloseCode,
  type CloseCodeInfo,
  type Codec,
  codecFor,
  type Encoded,
  type ErrorCode,
  type ServerMessage,
} from '@syncline/protocol';
import type { Hub } from './hub.js';
import { OutMessage, type SharedBatch } from './out-message.js';
import { OutboundQueue } from './outbound-queue.js';
import type { AbuseCounter, ClassBuckets } from './rate-limiter.js';
import type { ConnectionHandle, ConnectionInfo, ServerSocket } from './server-socket.js';
import type { Session } from './session.js';

/**
 * The last frame counted for the bytes-out metric and its size: a room's shared frame goes to every
 * subscriber in a row, and counting its UTF-8 bytes once per subscriber was a scan of the whole frame each.
 */
let countedFrame: Encoded | null = null;
let countedBytes = 0;

/**
 * A time in ms as a small integer (it wraps every ~12 days, when a comparison may be off once): a timestamp kept per
 * connection that is not a boxed number each.
 */
const smallMs = (ms: number): number => ms % 0x40000000;

/**
 * RFC 6455's "internal error": the server failed to encode this connection's output (see `flush`). Not one of
 * the protocol's `CloseCode`s: `describeClose` treats it as retryable, as it should be (resume and go on).
 */
const INTERNAL_ERROR: CloseCodeInfo = { code: 1011, reason: 'internal error', reconnect: true };

export type ConnectionState = 'handshake' | 'authenticating' | 'open' | 'closing' | 'closed';

/**
 * One socket as the core sees it: its codec, outbound queue, liveness, rate-limit buckets, and the
 * session attached to it after `hello`. It knows nothing of the transport behind `ServerSocket`.
 */

/** How long a slow consumer's `4007` close may take before its socket is cut (`Connection.cutSlowConsumer`). */
export const SLOW_CONSUMER_CUT_MS = 1_000;
export class Connection implements ConnectionHandle {
  state: ConnectionState = 'handshake';
  session: Session | null = null;
  readonly codec: Codec;
  readonly openedAt: number;
  lastSeen: number;
  /** When the server started closing this connection. */
  closingAt = 0;
  /** Latest measured app-level round-trip time in ms (-1 until measured). */
  rtt = -1;
  /** Messages that arrived while `hello` was being processed; handled in order once open. */
  inbox: unknown[] | null = null;
  buckets: ClassBuckets | null = null;
  abuse: AbuseCounter | null = null;
  /** The client reads `ephemeral` group messages (said so in `hello.features`). */
  ephemeralGroups = false;
  private readonly queue = new OutboundQueue();
  /** When ephemeral messages last left (see `HubLimits.ephemeralWindowMs`), and the wait for the next. */
  private ephemeralAt = -1e9; // "long ago", as a small integer (-Infinity would be a boxed number per connection)
  /**
   * The largest frame over the soft buffer limit sent since the buffer was last below it (a big document's open
   * reply, a history page): the hard limit is counted on top of it. A 5 MB snapshot still draining is what was asked
   * for, not a consumer falling behind the stream; without this, any event during its drain closed the connection,
   * and the reconnect asked for the snapshot again. One frame's worth, not their sum: a stream of large events to a
   * consumer that stopped reading is still a backlog past the limit.
   */
  private largeFrameBytes = 0;
  private ephemeralTimer: unknown = null;
  /** A slow consumer's cut, due `SLOW_CONSUMER_CUT_MS` after its `4007` close unless the close completes first. */
  private cutTimer: unknown = null;
  /** When this connection last sent a frame (`smallMs`; see `HubLimits.batchWindowMs`). */
  private flushedAt = -1e9;

  constructor(
    readonly socket: ServerSocket,
    readonly info: ConnectionInfo,
    private readonly hub: Hub,
  ) {
    this.codec = codecFor(socket.protocol);
    this.openedAt = this.lastSeen = hub.clock.now();
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** Closing or closed: nothing more is queued or sent (the close may wait long for a slow peer). */
  private get ending(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  // ---- inbound (called by the transport) ----

  receive(frame: Encoded | ArrayBuffer | Uint8Array, isBinary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.lastSeen = this.hub.clock.now();
    this.hub.receive(this, frame, isBinary);
  }

  alive(): void {
    this.lastSeen = this.hub.clock.now();
  }

  closed(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.ephemeralTimer !== null) {
      this.hub.clock.clearTimeout(this.ephemeralTimer);
      this.ephemeralTimer = null;
    }
    if (this.cutTimer !== null) {
      this.hub.clock.clearTimeout(this.cutTimer);
      this.cutTimer = null;
    }
    this.hub.release(this, code, reason);
  }

  // ---- outbound ----

  /** Queues a per-connection critical message (ack, nack, response, welcome, error). */
  send(message: ServerMessage | OutMessage): void {
    if (this.ending) return;
    const m = message instanceof OutMessage ? message : new OutMessage(message);
    this.queue.pushControl(m);
    this.hub.countOut(m);
    this.hub.flusher.markDirty(this);
  }

  queueLogged(m: OutMessage | SharedBatch): void {
    if (this.ending) return;
    // Ephemeral messages held for the window were published before this event: they go ahead of it (a job's
    // last progress tick before its final event).
    if (this.ephemeralTimer !== null) this.queue.promoteEphemeral();
    this.queue.pushLogged(m);
    // A busy server holds events for a connection it has just sent a frame to (see `HubLimits.batchWindowMs`).
    if (this.hub.load.busy) {
      const window = this.hub.limits.batchWindowMs;
      const since = smallMs(this.hub.flusher.now()) - this.flushedAt;
      if (window > 0 && since >= 0 && since < window) {
        this.hub.flusher.markDirtyWithin(this, window);
        return;
      }
    }
    this.hub.flusher.markDirty(this);
  }

  queueEphemeral(key: string, m: OutMessage, replace = true): void {
    if (this.ending) return;
    this.queue.pushEphemeral(key, m, replace);
    if (this.ephemeralTimer === null) this.scheduleEphemeral();
  }

  /**
   * Sends the waiting ephemeral messages this turn if the window since the last ones is over, else when it
   * is (coalesced until then, or sooner riding along with anything else this connection sends).
   */
  private scheduleEphemeral(): void {
    const wait = this.ephemeralAt + this.hub.limits.ephemeralWindowMs - this.hub.clock.now();
    if (wait <= 0) {
      this.hub.flusher.markDirty(this);
      return;
    }
    this.ephemeralTimer = this.hub.clock.setTimeout(() => {
      this.ephemeralTimer = null;
      if (!this.ending && this.queue.hasEphemeral) this.scheduleEphemeral();
    }, wait);
  }

  expandBatch(batch: SharedBatch): void {
    this.queue.expandBatch(batch);
  }

  /** Sends everything queued this turn as one frame (or a few, for very large turns). */
  flush(force = false): void {
    if (this.ending) return;
    // Nothing but the welcome may go first: hold output until the handshake completes.
    if (this.state === 'authenticating' && !force) return;
    this.sendQueued();
  }

  private sendQueued(): void {
    if (this.queue.empty) return;
    const { softBufferBytes, hardBufferBytes } = this.hub.limits;
    const buffered = this.socket.bufferedAmount;
    if (buffered <= softBufferBytes) this.largeFrameBytes = 0;
    if (buffered > hardBufferBytes + this.largeFrameBytes) {
      this.cutSlowConsumer();
      return;
    }
    if (this.queue.hasEphemeral) this.ephemeralAt = this.hub.clock.now();
    let drained: ReturnType<OutboundQueue['drain']>;
    try {
      drained = this.queue.drain(
        this.codec,
        buffered > softBufferBytes,
        this.ephemeralGroups,
        softBufferBytes,
      );
    } catch (err) {
      // A message its codec cannot write got past the checks at its source. The flush runs outside any handler:
      // a throw here would crash the process and stop the other connections' frames of the turn. The queue was
      // taken whole, so this connection lost what it held (room events, replies): it is closed, and its client
      // resumes from its `since` and re-sends what was not answered.
      this.hub.log.error(
        { err, user: this.session?.userId },
        'encoding output failed; closing the connection',
      );
      this.abandon(INTERNAL_ERROR);
      return;
    }
    const { frames, dropped } = drained;
    if (dropped > 0) this.hub.stats.droppedEphemeral += dropped;
    // Only a busy server reads it (and only then is it worth a clock read per connection and frame).
    if (frames.length > 0 && this.hub.load.busy) this.flushedAt = smallMs(this.hub.flusher.now());
    for (const frame of frames) {
      this.hub.stats.framesOut++;
      if (frame !== countedFrame) {
        countedFrame = frame;
        countedBytes = this.codec.byteLength(frame);
      }
      this.hub.stats.bytesOut += countedBytes;
      if (countedBytes > softBufferBytes && countedBytes > this.largeFrameBytes)
        this.largeFrameBytes = countedBytes;
      this.socket.send(frame);
      // One turn's frames can pass the limit by themselves (a client that stopped reading and asked for a hundred
      // big snapshots): checked after each, not only before the first.
      if (this.socket.bufferedAmount > hardBufferBytes + this.largeFrameBytes) {
        this.cutSlowConsumer();
        return;
      }
    }
  }

  /**
   * The send buffer is past the hard limit: the client does not read what it is sent. Closed with `4007`, and cut
   * `SLOW_CONSUMER_CUT_MS` later unless the close completes first: the close frame waits behind the buffered bytes,
   * which a client that stopped reading never takes, and they would be held until the close timeout (seconds),
   * however many megabytes they are. A client that reads again soon still learns why (`4007`).
   */
  private cutSlowConsumer(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.hub.stats.slowConsumerCloses++;
    this.abandon(CloseCode.SlowConsumer);
    this.cutTimer = this.hub.clock.setTimeout(() => {
      this.cutTimer = null;
      if (this.state !== 'closed') this.socket.terminate();
    }, SLOW_CONSUMER_CUT_MS);
  }

  /**
   * Flushes what is queued, then closes with a documented code. In a turn whose writes are not committed yet, what is
   * queued may answer them (an ack of a publish stored in this turn): it leaves after the turn's commit, then the
   * close; if that commit fails, it never leaves (the server stops: `Hub.abort`). Either way nothing more is read or
   * queued from now on.
   */
  close(info: CloseCodeInfo, reason: string = info.reason): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.state !== 'authenticating' && this.hub.flusher.commitPending) {
      this.state = 'closing';
      this.closingAt = this.hub.clock.now();
      this.hub.flusher.afterSend(() => {
        if (this.state !== 'closing') return;
        this.sendQueued();
        this.socket.close(info.code, reason);
      });
      return;
    }
    this.flush(true);
    this.abandon(info, reason);
  }

  /** Closes without sending what is queued. */
  private abandon(info: CloseCodeInfo, reason: string = info.reason): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.closingAt = this.hub.clock.now();
    this.socket.close(info.code, reason);
  }

  /** Answers a protocol error that has no message id to nack: an `error` message. */
  error(code: ErrorCode, message: string, id?: string): void {
    this.send(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
  }
}
