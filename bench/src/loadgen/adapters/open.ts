import type { Socket } from 'node:net';
import WebSocket from 'ws';

export interface OpenedSocket {
  ws: WebSocket;
  /** Bytes read from the underlying TCP socket (0 until the upgrade completes). */
  bytesRead(): number;
}

/**
 * Opens a `ws` WebSocket for a load-generator client: no per-message deflate unless asked, a handshake
 * timeout, and access to the TCP socket for byte counts (through the public `upgrade` event).
 */
export function openSocket(url: string, protocol: string | undefined, deflate: boolean): OpenedSocket {
  const ws = new WebSocket(url, protocol ? [protocol] : [], {
    perMessageDeflate: deflate,
    handshakeTimeout: 30_000,
  });
  let tcp: Socket | undefined;
  ws.once('upgrade', (res) => {
    tcp = res.socket;
  });
  return { ws, bytesRead: () => tcp?.bytesRead ?? 0 };
}
