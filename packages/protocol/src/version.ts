/**
 * Protocol version. A client sends it in `hello.v`; the server answers with the version it speaks in
 * `welcome.v` or closes with `CloseCode.UnsupportedVersion` when it cannot speak it.
 * Bump on any incompatible change to PROTOCOL.md.
 */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocols. A client offers one or both; the server picks the first it supports. */
export const SUBPROTOCOL_JSON = 'syncline.v1.json';
export const SUBPROTOCOL_MSGPACK = 'syncline.v1.msgpack';
export const SUBPROTOCOLS = [SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK] as const;
export type Subprotocol = (typeof SUBPROTOCOLS)[number];

/** Defaults both ends agree on unless the server says otherwise in `welcome`. */
export const DEFAULTS = {
  /** Largest accepted frame in bytes (client -> server). */
  maxPayload: 64 * 1024,
  /** Interval between app-level pings from the server, in ms. */
  heartbeatMs: 25_000,
  /** A peer silent for this long after a ping is dead, in ms. */
  heartbeatTimeoutMs: 10_000,
  /** A socket must send `hello` within this many ms of opening. */
  handshakeTimeoutMs: 10_000,
  /** A session can be resumed for this long after its socket closed, in ms. */
  sessionGraceMs: 120_000,
} as const;
