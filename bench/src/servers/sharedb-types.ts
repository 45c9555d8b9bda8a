import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * The few parts of ShareDB 7 (which ships no type declarations) that the benchmark uses, for
 * `createRequire('sharedb')`, `sharedb/lib/client` and `@teamwork/websocket-json-stream`.
 */
export interface ShareDBType {
  name: string;
  uri: string;
}

export interface ShareDBModule {
  new (options?: Record<string, unknown>): { listen(stream: Duplex): unknown };
  types: { register(type: ShareDBType): void };
}

export type WebSocketJSONStreamClass = new (ws: WebSocket) => Duplex;

export interface ShareDBError {
  code?: string;
  message: string;
}

/** A ShareDB client document (`connection.get(collection, id)`). */
export interface ShareDBDoc {
  type: { name: string } | null;
  data: unknown;
  version: number | null;
  /** Ops sent, waiting for their acknowledgement. */
  inflightOp: unknown;
  pendingOps: unknown[];
  subscribe(cb: (err?: ShareDBError) => void): void;
  create(data: unknown, type: string, cb: (err?: ShareDBError) => void): void;
  submitOp(op: unknown, options: { source?: unknown } | undefined, cb?: (err?: ShareDBError) => void): void;
  hasWritePending(): boolean;
  whenNothingPending(cb: () => void): void;
  on(event: 'op', listener: (op: unknown, source: unknown) => void): void;
  on(event: 'error', listener: (err: ShareDBError) => void): void;
  destroy(cb?: () => void): void;
}

export interface ShareDBConnection {
  get(collection: string, id: string): ShareDBDoc;
  close(): void;
}

export interface ShareDBClientModule {
  Connection: new (socket: unknown) => ShareDBConnection;
  types: { register(type: ShareDBType): void };
}
