import { type Server as HttpServer, type IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, codecFor, type Encoded, SUBPROTOCOLS } from '@syncline/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Hub } from '../core/hub.js';
import type { ConnectionHandle, ConnectionInfo, ServerSocket } from '../core/server-socket.js';
import { clientIp } from './client-ip.js';

export interface WsTransportOptions {
  path: string;
  maxPayload: number;
  /** Allowed `Origin` values; undefined allows any. Requests without an Origin (non-browsers) pass. */
  allowedOrigins?: readonly string[];
  /** Connections per client address; 0 = unlimited. */
  maxConnectionsPerIp: number;
  /** permessage-deflate; off by default (its memory per connection is real). */
  compression: false | { threshold: number; concurrencyLimit: number };
  /**
   * Trust `X-Forwarded-For` for the client address (behind a proxy): its last entry, the address the proxy in
   * front of this server saw (the entries before it are whatever the client sent).
   */
  trustProxy: boolean;
}

/** The largest `maxPayload` ws can enforce (it reads the option as a signed 32-bit integer). */
const MAX_PAYLOAD_LIMIT = 2 ** 31 - 1;
const SOCKET = Symbol('syncline.socket');
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;
/** The last text frame sent and its UTF-8 bytes (see `WsSocket.send`). */
let lastText = '';
let lastBytes: Buffer = Buffer.alloc(0);
type TaggedSocket = WebSocket & { [SOCKET]: WsSocket };

/**
 * The core's socket, backed by a `ws` WebSocket. It also carries what the shared listeners need (the
 * core's handle, the transport, the peer's address), so a connection costs no closures.
 */
class WsSocket implements ServerSocket {
  handle: ConnectionHandle | null = null;

  constructor(
    private readonly ws: WebSocket,
    readonly transport: WsTransport,
    readonly ip: string,
  ) {}
  get protocol(): string {
    return this.ws.protocol;
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
  send(frame: Encoded): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (typeof frame !== 'string') {
      // Bytes on a JSON connection are UTF-8 text (a reply with a snapshot spliced in, `Preencoded`).
      this.ws.send(frame, codecFor(this.ws.protocol).binary ? BINARY : TEXT);
      return;
    }
    // A room's frame goes to every subscriber in a row: encode its text to UTF-8 once, not once per socket.
    if (frame !== lastText) {
      lastText = frame;
      lastBytes = Buffer.from(frame, 'utf8');
    }
    this.ws.send(lastBytes, TEXT);
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }
}

// Shared listeners: `this` is the WebSocket; what they need hangs off it.
function onMessage(this: TaggedSocket, data: RawData, isBinary: boolean): void {
  const buf = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
  this[SOCKET].handle?.receive(isBinary ? buf : buf.toString('utf8'), isBinary);
}
function onPong(this: TaggedSocket): void {
  this[SOCKET].handle?.alive();
}
function onClose(this: TaggedSocket, code: number, reason: Buffer): void {
  const s = this[SOCKET];
  s.transport.released(s.ip);
  s.handle?.closed(code, reason.toString());
}
function onError(this: TaggedSocket): void {
  // ws closes the socket itself (e.g. 1009 for an oversized frame); 'close' follows.
}

/** Accepts WebSocket upgrades on a path of an HTTP server and hands each socket to the core. */
export class WsTransport {
  readonly wss: WebSocketServer;
  private readonly perIp = new Map<string, number>();
  private readonly servers: {
    server: HttpServer;
    listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  }[] = [];

  constructor(
    private readonly hub: Hub,
    private readonly opts: WsTransportOptions,
  ) {
    // ws reads the limit as a 32-bit integer where 0 means none: 0, or a value of 2^31 or more (`4294967296`, meant
    // as "4 GiB"), would silently accept frames of any size, each buffered whole in memory.
    if (!Number.isInteger(opts.maxPayload) || opts.maxPayload < 1 || opts.maxPayload > MAX_PAYLOAD_LIMIT) {
      throw new RangeError(
        `maxPayload must be an integer from 1 to ${MAX_PAYLOAD_LIMIT}, got ${opts.maxPayload}`,
      );
    }
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: opts.maxPayload,
      perMessageDeflate: opts.compression
        ? {
            threshold: opts.compression.threshold,
            concurrencyLimit: opts.compression.concurrencyLimit,
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
          }
        : false,
      // The client's first choice that we speak, returned as our own constant rather than the string parsed from
      // the header: ws keeps what this returns on every socket.
      handleProtocols: (protocols) => {
        for (const p of protocols) {
          const ours = (SUBPROTOCOLS as readonly string[]).indexOf(p);
          if (ours >= 0) return SUBPROTOCOLS[ours];
        }
        return false;
      },
    });
  }

  /**
   * Handles WebSocket upgrades on `opts.path`. Anything else that came as an upgrade is left to the app's own upgrade
   * handlers; when there are none (`owner`, or this is the server's only upgrade listener), a request for another
   * protocol (`Upgrade: h2c`, which `curl --http2` sends) is answered as the plain HTTP request it also is, and a
   * WebSocket upgrade on another path gets 404 (left alone, it would hang: an upgraded socket has no HTTP timeouts).
   */
  attach(server: HttpServer, owner = false): void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '/').split('?')[0];
      const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      if (path === this.opts.path && websocket) {
        this.upgrade(req, socket, head);
        return;
      }
      if (!owner && server.listenerCount('upgrade') > 1) return; // the app's own handler takes it
      // Once upgraded, the socket has no HTTP error handler left: a client resetting it would throw
      // ECONNRESET as an uncaught exception (the process exits). And `end` only half-closes it (HTTP server
      // sockets allow half-open): a client that never closes its side would hold the descriptor for good.
      socket.on('error', () => socket.destroy());
      socket.once('finish', () => socket.destroy());
      if (!websocket && socket instanceof Socket) {
        // RFC 9110: a server may ignore an upgrade it does not offer and answer the request itself.
        if (head.length > 0) socket.unshift(head);
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket);
        res.once('finish', () => socket.end());
        server.emit('request', req, res);
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    };
    server.on('upgrade', listener);
    this.servers.push({ server, listener });
  }

  detach(): void {
    for (const { server, listener } of this.servers) server.off('upgrade', listener);
    this.servers.length = 0;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    const ua = req.headers['user-agent'];
    const info: ConnectionInfo = { ip: clientIp(req, this.opts.trustProxy) };
    if (origin !== undefined) info.origin = origin;
    if (ua !== undefined) info.userAgent = ua.slice(0, 256);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws as TaggedSocket, info));
  }

  private accept(ws: TaggedSocket, info: ConnectionInfo): void {
    const on = ws.on.bind(ws) as (event: string, fn: (...args: never[]) => void) => void;
    on('error', onError);
    const { allowedOrigins, maxConnectionsPerIp } = this.opts;
    if (allowedOrigins && info.origin !== undefined && !allowedOrigins.includes(info.origin)) {
      ws.send(
        codecFor(ws.protocol).encode({
          type: 'error',
          code: 'forbidden',
          message: `origin ${info.origin} is not allowed`,
        }),
      );
      ws.close(CloseCode.Forbidden.code, 'origin not allowed');
      return;
    }
    const count = (this.perIp.get(info.ip) ?? 0) + 1;
    if (maxConnectionsPerIp > 0 && count > maxConnectionsPerIp) {
      ws.send(
        codecFor(ws.protocol).encode({
          type: 'error',
          code: 'rate_limited',
          message: 'too many connections from this address',
        }),
      );
      ws.close(CloseCode.TooManyConnections.code, CloseCode.TooManyConnections.reason);
      return;
    }
    this.perIp.set(info.ip, count);
    ws.binaryType = 'nodebuffer';
    const socket = new WsSocket(ws, this, info.ip);
    ws[SOCKET] = socket;
    on('message', onMessage);
    on('pong', onPong);
    on('close', onClose);
    socket.handle = this.hub.open(socket, info);
  }

  /** A socket from `ip` closed. */
  released(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  close(): void {
    this.detach();
    this.wss.close();
  }
}
