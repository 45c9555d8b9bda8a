import { readPayload } from '../payload.js';
import { scanEvents } from './scan.js';

/**
 * What the load generator needs from a client of any system: connect, authenticate and enter one room;
 * receive event payloads; publish. Each system has one adapter (`adapters/*.ts`).
 */
export interface ConnectOptions {
  port: number;
  room: string;
  userId: string;
  token: string;
  /** Offer permessage-deflate. */
  deflate: boolean;
  /**
   * How event payloads are read: `parse` = `JSON.parse` of every frame; `scan` = `scanEvents` on frames
   * that hold nothing but events (cheaper; others are parsed).
   */
  decode: Decode;
  /**
   * Events arrived in one frame: `pairs` holds each event's number and intended send time
   * (`i0, t0, i1, t1, ...`; one pair per event, whatever the framing). Valid only during the call.
   */
  onEvents?: (pairs: readonly number[]) => void;
  /** A frame or payload that should have held an event but could not be read. */
  onMalformed?: () => void;
  /** The connection closed after it was established. */
  onClose?: (code: number) => void;
}

export interface BenchClient {
  /** Whether `publish` reports the server's acknowledgement through `done`. */
  readonly acks: boolean;
  /** Publishes event `i` with intended time `t` to the client's room. `done` runs on ack (true) / nack (false). */
  publish(i: number, t: number, done?: (ok: boolean) => void): void;
  /** Bytes queued in user space, not yet handed to the kernel. */
  bufferedAmount(): number;
  /** Bytes read from the TCP socket so far (WebSocket frames as they travel, compressed or not). */
  bytesRead(): number;
  /** Error replies (nack / error / connect_error) by code. */
  readonly errors: Record<string, number>;
  readonly open: boolean;
  close(): void;
}

export type Decode = 'parse' | 'scan';

export type Connector = (o: ConnectOptions) => Promise<BenchClient>;

/** Adds one to `counts[key]`. */
export function bump(counts: Record<string, number>, key: string | number): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

const pairs: number[] = [];

/** Hands a `JSON.parse`d payload to `onEvents`, or reports it malformed. */
export function deliverParsed(o: ConnectOptions, data: unknown): void {
  const p = readPayload(data);
  if (!p) {
    o.onMalformed?.();
    return;
  }
  pairs.length = 0;
  pairs.push(p.i, p.t);
  o.onEvents?.(pairs);
}

/** Scans a frame for events (`scanEvents`); a frame with none, or an unreadable one, is malformed. */
export function deliverScanned(o: ConnectOptions, frame: string): void {
  if (scanEvents(frame, pairs) > 0) o.onEvents?.(pairs);
  else o.onMalformed?.();
}
