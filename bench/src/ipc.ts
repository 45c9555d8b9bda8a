/**
 * Messages between the harness and the load generator (Node IPC channel). The generator connects
 * its clients, says `ready`, waits for `go` (the harness measures the server in between), runs, and
 * reports `result`.
 */

/** The client implementation the load generator drives. */
export type ClientKind =
  | 'ws'
  | 'socket.io'
  | 'socket.io-client'
  | 'syncline'
  | 'sharedb'
  | 'sharedb-json1'
  | 'hocuspocus'
  | 'ot-relay';

/** Subscribers in one room and one publisher, flooding (`fanout`) or paced open-loop (`latency`). */
export interface PubSubJob {
  kind: 'pubsub';
  subscribers: number;
  events: number;
  /** `flood`: as fast as the window allows; `paced`: `rate` events/s on a fixed schedule (open loop). */
  pacing: 'flood' | 'paced';
  /** Most publishes in flight without an ack (systems with acks); publishes in a flood stop at this. */
  window: number;
  /** Events per second when paced. */
  rate: number;
  /** The first `warmupEvents` events are checked for loss but kept out of the latency histogram. */
  warmupEvents: number;
  /** How subscribers decode events (see `loadgen/scan.ts`). */
  decode: 'parse' | 'scan';
  /** With `scan`, every `parseEvery`-th subscriber still decodes with JSON.parse (a cross-check). */
  parseEvery: number;
  /** After the last publish, give up waiting for missing deliveries after this much silence. */
  drainMs: number;
  /** Hard limit on the whole run. */
  timeoutMs: number;
}

/** Many connections, each authenticated and in one room, doing nothing. */
export interface IdleJob {
  kind: 'idle';
  conns: number;
  rooms: number;
}

/**
 * Clients editing one shared text (`collab-latency`, `collab-throughput`), each inserting one character
 * per op at a random position. `paced`: every client every `1000 / rate` ms on a fixed, staggered
 * schedule (open loop); `closed`: each client submits its next op when the previous one is acknowledged.
 */
export interface CollabJob {
  kind: 'collab';
  clients: number;
  pacing: 'paced' | 'closed';
  /** Ops per second per client when paced. */
  rate: number;
  /** Measured seconds (after the warm-up). */
  duration: number;
  /** Seconds of load before the measured window (ops counted for convergence, not timed). */
  warmup: number;
  /** After the last op, give up waiting for missing deliveries after this much silence. */
  drainMs: number;
  timeoutMs: number;
}

/** Clients in one room moving their cursors at `rate` Hz (`cursors`). */
export interface CursorsJob {
  kind: 'cursors';
  clients: number;
  /** Cursor moves per second per client (the input rate; the client may throttle what it sends). */
  rate: number;
  duration: number;
  warmup: number;
  /** Syncline clients send at most this many cursor frames a second (the SDK's `Throttle`). */
  throttleHz: number;
  timeoutMs: number;
}

/**
 * A generated `pages`-page PDF uploaded and processed `runs` times with nobody watching and `runs` times
 * with `watchers` clients in the document's room (`pipeline`).
 */
export interface PipelineJob {
  kind: 'pipeline';
  pages: number;
  watchers: number;
  runs: number;
  /** Limit on one processing run. */
  timeoutMs: number;
}

export interface LoadgenJob {
  client: ClientKind;
  port: number;
  /** Every node's port when the system runs several (subscribers round-robin, the publisher on the first). */
  ports?: number[];
  /** Offer permessage-deflate. */
  deflate: boolean;
  /** HS256 secret the servers verify tokens with. */
  jwtSecret: string;
  /** Connection attempts in flight at once. */
  connectConcurrency: number;
  work: PubSubJob | IdleJob | CollabJob | CursorsJob | PipelineJob;
}

/** A JSON value. */
export type Json = number | string | boolean | null | Json[] | { [key: string]: Json };
/** Named measurements (JSON values) of one run. */
export type Metrics = Record<string, Json>;

export type HarnessMessage = { type: 'job'; job: LoadgenJob } | { type: 'go' };

export type LoadgenMessage =
  | { type: 'ready'; info: Metrics }
  | { type: 'result'; metrics: Metrics }
  | { type: 'error'; message: string };
