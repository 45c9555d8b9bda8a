import { type Codec, codecFor, type Encoded, type ServerMessage, SUBPROTOCOL_JSON } from '@syncline/protocol';
import type { ConnectionHandle, ServerSocket } from '../server-socket.js';

export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * Both ends of a socket in memory, for driving the core without a network. The core sees a `ServerSocket`;
 * the test plays the client with `write` / `writeRaw` / `pong` / `drop` and reads what the server sent with
 * `messages()` / `take()` (batches flattened) or `frames` (raw).
 *
 * Like a real transport, the core hears about a close on a later microtask, unless `holdClose` is set: then
 * the peer never completes the closing handshake (a client that stopped reading) until `release()`.
 */
export class MemorySocket implements ServerSocket {
  /** What the server reads as the socket's unsent bytes; set it to simulate a slow reader. */
  bufferedAmount = 0;
  /** Frames the server sent, in order. */
  readonly frames: Encoded[] = [];
  /** The close the server asked for (or 1006 after `terminate` / `drop`). */
  closeInfo: CloseInfo | null = null;
  terminated = false;
  pings = 0;
  holdClose = false;
  readonly codec: Codec;
  private handle: ConnectionHandle | null = null;
  private released = false;
  private decoded: ServerMessage[] = [];
  private decodedFrames = 0;
  private taken = 0;

  constructor(readonly protocol: string = SUBPROTOCOL_JSON) {
    this.codec = codecFor(protocol);
  }

  /** Connects the socket to the handle the core returned from `open`. */
  attach(handle: ConnectionHandle): this {
    this.handle = handle;
    return this;
  }

  // ---- ServerSocket: the server's end ----

  send(frame: Encoded): void {
    if (this.closeInfo === null) this.frames.push(frame);
  }

  close(code: number, reason: string): void {
    if (this.closeInfo !== null) return;
    this.closeInfo = { code, reason };
    if (!this.holdClose) queueMicrotask(() => this.release());
  }

  terminate(): void {
    this.terminated = true;
    this.closeInfo ??= { code: 1006, reason: '' };
    queueMicrotask(() => this.release());
  }

  ping(): void {
    this.pings++;
  }

  // ---- the client's end ----

  /** Sends a message to the server, encoded with the socket's codec. */
  write(message: unknown): void {
    this.writeRaw(this.codec.encode(message));
  }

  writeRaw(frame: Encoded): void {
    this.handle?.receive(frame, typeof frame !== 'string');
  }

  /** A protocol-level pong (or any other sign of life the transport sees). */
  pong(): void {
    this.handle?.alive();
  }

  /** The client goes away without a closing handshake. */
  drop(code = 1006): void {
    this.closeInfo ??= { code, reason: '' };
    this.release();
  }

  /** Tells the core the socket is closed (with the code the server sent, as a well-behaved peer echoes it). */
  release(): void {
    if (this.released || this.handle === null) return;
    this.released = true;
    const info = this.closeInfo ?? { code: 1006, reason: '' };
    this.handle.closed(info.code, info.reason);
  }

  /** Every message the server sent, batches flattened, in order. */
  messages(): ServerMessage[] {
    for (; this.decodedFrames < this.frames.length; this.decodedFrames++) {
      const m = this.codec.decode(this.frames[this.decodedFrames]) as ServerMessage;
      if (m.type === 'batch') this.decoded.push(...m.items);
      else this.decoded.push(m);
    }
    return this.decoded;
  }

  /** The messages that arrived since the last `take`. */
  take(): ServerMessage[] {
    const all = this.messages();
    const fresh = all.slice(this.taken);
    this.taken = all.length;
    return fresh;
  }
}
