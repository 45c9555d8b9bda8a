/**
 * The connection's state, one union:
 * - `idle`: created, `connect()` not called yet;
 * - `connecting`: a first attempt (or one asked for by `reconnect()`) is under way;
 * - `open`: `welcome` received; messages flow;
 * - `reconnecting`: the connection dropped; waiting for the next try (`nextRetryAt`) or trying;
 * - `offline`: the browser says the network is down; no tries are spent until it comes back;
 * - `failed`: tries exhausted or the server refused us for good; `reconnect()` starts over;
 * - `closed`: `close()` was called; final.
 */
export const CONNECTION_STATES = [
  'idle',
  'connecting',
  'open',
  'reconnecting',
  'offline',
  'closed',
  'failed',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** A snapshot of the connection, replaced (never mutated) on every change. */
export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Tries made since the last successful connection. */
  readonly attempt: number;
  /** While `reconnecting` and waiting: clock time (ms) of the next try, for a countdown. */
  readonly nextRetryAt?: number;
  /** How the last socket closed. */
  readonly lastClose?: CloseInfo;
}

export function sameStatus(a: ConnectionStatus, b: ConnectionStatus): boolean {
  return (
    a.state === b.state &&
    a.attempt === b.attempt &&
    a.nextRetryAt === b.nextRetryAt &&
    a.lastClose?.code === b.lastClose?.code &&
    a.lastClose?.reason === b.lastClose?.reason
  );
}
