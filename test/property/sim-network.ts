import type { WebSocketConstructor, WebSocketLike } from '@syncline/client';
import { type Encoded, SUBPROTOCOL_JSON } from '@syncline/protocol';
import type { Hub } from '../../packages/server/src/core/hub.js';
import type { ConnectionHandle, ServerSocket } from '../../packages/server/src/core/server-socket.js';

type Close = { kind: 'close'; code: number; reason: string };
type Down = { kind: 'open' } | { kind: 'frame'; data: Encoded } | Close;
type Up = { kind: 'frame'; data: Encoded } | Close;

/**
 * One TCP connection between a client's WebSocket and the server's `Hub`, in memory. Each direction is
 * a queue delivered in order (as TCP does), one item at a time, when the test says so: what is queued
 * is in flight. `cut()` breaks the connection like a network failure: what was in flight is lost, later
 * sends go nowhere, and each end learns of it either at once or only when its heartbeat gives up.
 */
export class SimLink {
  readonly up: Up[] = [];
  readonly down: Down[] = [];
  /** The connection was cut: nothing gets through any more. */
  broken = false;
  private clientDone = false;
  private serverDone = false;
  readonly server: SimServerSocket;
  private handle: ConnectionHandle | null = null;

  constructor(
    readonly network: SimNetwork,
    readonly ws: SimWebSocket,
  ) {
    this.server = new SimServerSocket(this);
  }

  /** The server accepts the TCP connection now; the client hears `open` when it is delivered. */
  accept(hub: Hub): void {
    this.handle = hub.open(this.server, { ip: '127.0.0.1' });
    this.down.push({ kind: 'open' });
  }

  /** Whether anything is in flight. */
  get busy(): boolean {
    return this.up.length > 0 || this.down.length > 0;
  }

  /** Both ends are finished with this connection. */
  get done(): boolean {
    return this.clientDone && this.serverDone;
  }

  // ---- the client's end ----

  clientSend(data: Encoded): void {
    if (!this.broken && !this.clientDone) this.up.push({ kind: 'frame', data });
  }

  clientClose(code: number, reason: string): void {
    if (this.clientDone) return;
    this.clientDone = true;
    this.down.length = 0; // the client reads nothing more
    if (!this.broken) this.up.push({ kind: 'close', code, reason });
  }

  // ---- the server's end ----

  serverSend(data: Encoded): void {
    if (!this.broken && !this.serverDone) this.down.push({ kind: 'frame', data });
  }

  serverClose(code: number, reason: string): void {
    if (!this.broken && !this.serverDone) this.down.push({ kind: 'close', code, reason });
  }

  /** The server drops the connection without a closing handshake (both ends hear of it). */
  serverTerminate(): void {
    this.cut({ tellClient: true, tellServer: true });
  }

  // ---- the network ----

  /** Delivers the next item from the client to the server. Returns false when there is none. */
  deliverUp(): boolean {
    const item = this.up.shift();
    if (!item) return false;
    if (item.kind === 'frame') this.handle?.receive(item.data, typeof item.data !== 'string');
    else this.closeServer(item.code, item.reason);
    return true;
  }

  /** Delivers the next item from the server to the client. Returns false when there is none. */
  deliverDown(): boolean {
    const item = this.down.shift();
    if (!item) return false;
    if (item.kind === 'open') this.ws.opened();
    else if (item.kind === 'frame') this.ws.received(item.data);
    else {
      // The server's close frame: the client answers it, and the server then releases the socket.
      this.up.length = 0;
      this.closeClient(item.code, item.reason);
      this.closeServer(item.code, item.reason);
    }
    return true;
  }

  /**
   * A network failure: what is in flight is lost and nothing gets through any more. An end told now sees
   * the socket close (code 1006); one not told finds out from its heartbeat.
   */
  cut(options: { tellClient: boolean; tellServer: boolean }): void {
    this.broken = true;
    this.up.length = 0;
    this.down.length = 0;
    if (options.tellClient) queueMicrotask(() => this.closeClient(1006, ''));
    if (options.tellServer) queueMicrotask(() => this.closeServer(1006, ''));
  }

  private closeClient(code: number, reason: string): void {
    if (this.clientDone) return;
    this.clientDone = true;
    this.down.length = 0;
    this.ws.closed(code, reason);
  }

  private closeServer(code: number, reason: string): void {
    if (this.serverDone) return;
    this.serverDone = true;
    this.handle?.closed(code, reason);
  }
}

/** The server's end of a `SimLink`, as the `Hub` sees it. */
export class SimServerSocket implements ServerSocket {
  readonly protocol = SUBPROTOCOL_JSON;
  readonly bufferedAmount = 0;

  constructor(private readonly link: SimLink) {}

  send(frame: Encoded): void {
    this.link.serverSend(frame);
  }

  close(code: number, reason: string): void {
    this.link.serverClose(code, reason);
  }

  terminate(): void {
    this.link.serverTerminate();
  }
}

/** The client's end of a `SimLink`: the browser WebSocket API the client uses. */
export class SimWebSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  readonly bufferedAmount = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly link: SimLink;

  constructor(network: SimNetwork, owner: string) {
    this.link = network.open(this, owner);
  }

  send(data: string | Uint8Array): void {
    if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
    if (this.readyState === 1) this.link.clientSend(data);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.link.clientClose(code, reason);
  }

  opened(): void {
    if (this.readyState !== 0) return;
    this.readyState = 1;
    this.protocol = SUBPROTOCOL_JSON;
    this.onopen?.({});
  }

  received(data: Encoded): void {
    if (this.readyState === 1) this.onmessage?.({ data });
  }

  closed(code: number, reason: string): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }
}

/**
 * Every connection between the clients of a run and its server. A client's WebSocket constructor comes
 * from `webSocketFor(owner)`; the server accepts each new connection at once (the handshake then needs
 * its frames delivered like any other).
 */
export class SimNetwork {
  private readonly all: SimLink[] = [];

  constructor(private readonly hub: () => Hub) {}

  webSocketFor(owner: string): WebSocketConstructor {
    const network = this;
    return class extends SimWebSocket {
      constructor(_url: string, _protocols?: string | string[]) {
        super(network, owner);
      }
    };
  }

  open(ws: SimWebSocket, owner: string): SimLink {
    const link = new SimLink(this, ws);
    this.owners.set(link, owner);
    this.all.push(link);
    link.accept(this.hub());
    return link;
  }

  private readonly owners = new Map<SimLink, string>();

  /** Connections not finished at both ends (finished ones are forgotten). */
  get links(): SimLink[] {
    for (let i = this.all.length - 1; i >= 0; i--) {
      if (this.all[i].done) {
        this.owners.delete(this.all[i]);
        this.all.splice(i, 1);
      }
    }
    return this.all;
  }

  /** The connections of one client that can still carry something. */
  linksOf(owner: string): SimLink[] {
    return this.links.filter((l) => this.owners.get(l) === owner && !l.broken);
  }

  get busy(): boolean {
    return this.links.some((l) => l.busy);
  }
}
