/**
 * Every error code and close code of the protocol, in one place.
 * Error codes travel in `nack.code` and `error.code`; close codes are WebSocket close codes.
 */

/** Error codes (strings on the wire). */
export const ErrorCode = {
  /** The frame could not be decoded (not JSON / MessagePack, or not an object). */
  Malformed: 'malformed',
  /** `type` is not a message type of this protocol version. */
  UnknownType: 'unknown_type',
  /** The message does not match its schema; `message` says which field. */
  Invalid: 'invalid',
  /**
   * HTTP (413): a request body over its route's limit (an upload over the PDF size limit). Never sent on a WebSocket:
   * a frame over `maxPayload` closes the connection with `CloseCode.MessageTooBig` (1009) instead.
   */
  TooLarge: 'too_large',
  /** A message other than `hello` arrived before the handshake completed, or no `hello` came in time. */
  HelloRequired: 'hello_required',
  /** `hello` sent twice on one socket. */
  AlreadyAuthenticated: 'already_authenticated',
  /** The token is missing, malformed, forged or rejected by the authenticate hook. */
  Unauthorized: 'unauthorized',
  /** The token's `exp` has passed. */
  TokenExpired: 'token_expired',
  /** Authenticated, but not allowed to do this (join this room, publish this event, ...). */
  Forbidden: 'forbidden',
  /** The room name is not valid, or the room kind is unknown. */
  InvalidRoom: 'invalid_room',
  /** Publishing to, or leaving, a room this connection has not joined. */
  NotJoined: 'not_joined',
  /** `publish.event` is not an event of the catalogue. */
  UnknownEvent: 'unknown_event',
  /** The op touches a zone another user has locked. */
  ZoneLocked: 'zone_locked',
  /** A document op was submitted against a version the server does not have (client bug). */
  BadVersion: 'bad_version',
  /** `request.method` has no handler on the server. */
  UnknownMethod: 'unknown_method',
  /** Over a rate limit; `retryAfterMs` says when to try again. */
  RateLimited: 'rate_limited',
  /** The server cannot take this now (storage unavailable, shutting down); retry later. */
  Unavailable: 'unavailable',
  /** A request handler failed; the server logged the details. */
  Internal: 'internal',
  /** The job, document or export named in the request does not exist. */
  NotFound: 'not_found',
  /** HTTP: the id asked for is taken (a document with it exists, or existed and was deleted). */
  Conflict: 'conflict',
  /** HTTP (405): the route does not take this method; the `Allow` header names the one it does. */
  MethodNotAllowed: 'method_not_allowed',
  /** HTTP upload: the body is not a PDF (wrong `Content-Type` or no `%PDF-` header). */
  UnsupportedMediaType: 'unsupported_media_type',
  /** HTTP download: the signed link is malformed, forged, or made for another file. */
  LinkInvalid: 'link_invalid',
  /** HTTP download: the signed link's time is up; ask for a fresh one. */
  LinkExpired: 'link_expired',
  /** Client-side: no reply arrived in time. HTTP (408): a request body went silent before its end. */
  Timeout: 'timeout',
  /** Client-side only: a queued message expired in the outbox before it could be sent. */
  Expired: 'expired',
  /** Client-side only: the outbox was full. */
  OutboxFull: 'outbox_full',
  /** Client-side only: the client was closed before a reply arrived. */
  Closed: 'closed',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CloseCodeInfo {
  readonly code: number;
  readonly reason: string;
  /** Whether a client should reconnect by itself after this close. */
  readonly reconnect: boolean;
}

/** WebSocket close codes. 1000-1011 are RFC 6455's; 4000-4999 are the application's. */
export const CloseCode = {
  /** Normal closure (client or server closed on purpose). */
  Normal: { code: 1000, reason: 'normal', reconnect: false },
  /** The server is going away without notice (process exit). */
  GoingAway: { code: 1001, reason: 'going away', reconnect: true },
  /** A frame exceeded the server's maxPayload (sent by the WebSocket layer). */
  MessageTooBig: { code: 1009, reason: 'message too big', reconnect: true },
  /**
   * Protocol error: a bad or undecodable first message, or more than 64 frames before `welcome`. A client bug: do not
   * retry blindly.
   */
  ProtocolError: { code: 4000, reason: 'protocol error', reconnect: false },
  /** The token in `hello` is missing, malformed, forged, or rejected. */
  Unauthorized: { code: 4001, reason: 'unauthorized', reconnect: false },
  /** The token expired and was not refreshed in time. Reconnect with a fresh token. */
  TokenExpired: { code: 4002, reason: 'token expired', reconnect: true },
  /** The connection is not allowed (`Origin` not in the allowlist, or refused by the app's `onConnect` hook). */
  Forbidden: { code: 4003, reason: 'forbidden', reconnect: false },
  /** No `hello` arrived within the handshake timeout. */
  HandshakeTimeout: { code: 4004, reason: 'handshake timeout', reconnect: true },
  /** `hello.v` is a protocol version this server does not speak. */
  UnsupportedVersion: { code: 4005, reason: 'unsupported protocol version', reconnect: false },
  /** Sustained traffic over the rate limit. Reconnect after a backoff. */
  RateLimited: { code: 4006, reason: 'rate limited', reconnect: true },
  /** The client did not read fast enough; its buffer passed the hard limit. Reconnect and resume. */
  SlowConsumer: { code: 4007, reason: 'slow consumer', reconnect: true },
  /** The server is restarting; reconnect after the delay in the reason (`restart:<ms>`). */
  ServerRestarting: { code: 4008, reason: 'server restarting', reconnect: true },
  /** Too many connections for this user or address. */
  TooManyConnections: { code: 4009, reason: 'too many connections', reconnect: true },
  /** No pong or other traffic within the heartbeat timeout. */
  HeartbeatTimeout: { code: 4010, reason: 'heartbeat timeout', reconnect: true },
  /** A newer socket resumed this session; this one is obsolete. */
  SessionTakenOver: { code: 4011, reason: 'session taken over', reconnect: false },
} as const satisfies Record<string, CloseCodeInfo>;
export type CloseCodeName = keyof typeof CloseCode;

const byCode = new Map<number, CloseCodeInfo & { name: CloseCodeName }>(
  (Object.keys(CloseCode) as CloseCodeName[]).map((name) => [
    CloseCode[name].code,
    { ...CloseCode[name], name },
  ]),
);

/** Looks up a close code; unknown codes in 4000-4999 are treated as non-retryable, others as retryable. */
export function describeClose(code: number): CloseCodeInfo & { name: CloseCodeName | 'Unknown' } {
  const known = byCode.get(code);
  if (known) return known;
  return { code, reason: 'unknown', reconnect: code < 4000 || code > 4999, name: 'Unknown' };
}
