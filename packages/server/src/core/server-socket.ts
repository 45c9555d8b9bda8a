import type { Encoded } from '@syncline/protocol';

/**
 * The minimal socket the core talks to. The `ws` adapter wraps a WebSocket in it; tests use an in-memory
 * pair. The core never imports a transport.
 */
export interface ServerSocket {
  /** Negotiated WebSocket subprotocol ('' when none). */
  readonly protocol: string;
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount: number;
  send(frame: Encoded): void;
  close(code: number, reason: string): void;
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void;
  /** Sends a protocol-level ping, when the transport has one (browsers answer them automatically). */
  ping?(): void;
}

/** What the transport knows about the peer at connection time. */
export interface ConnectionInfo {
  ip: string;
  origin?: string;
  userAgent?: string;
}

/** What the core hands back to the transport for each accepted socket. */
export interface ConnectionHandle {
  /** A frame arrived. */
  receive(frame: Encoded | ArrayBuffer | Uint8Array, isBinary: boolean): void;
  /** A protocol-level pong (or any sign of life the transport sees). */
  alive(): void;
  /** The socket is closed; the core releases it. */
  closed(code: number, reason: string): void;
}
