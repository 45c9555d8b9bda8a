import { codecFor, SUBPROTOCOL_JSON, type Welcome } from '@syncline/protocol';
import type { WebSocketLike } from '../environment.js';

// biome-ignore lint/suspicious/noExplicitAny: test messages are read field by field
type Message = Record<string, any>;

/**
 * An in-memory WebSocket for tests. The client drives it through the browser API; the test plays the
 * server with `accept()`, `deliver()` and `serverClose()`, and reads what the client sent in `sent`.
 */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Messages the client sent, decoded, in order. */
  readonly sent: Message[] = [];
  /** Set when the client closed this socket. */
  closedWith: { code?: number; reason?: string } | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: string | Uint8Array): void {
    if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
    if (this.readyState !== 1) return; // browsers drop sends on a closing socket silently
    this.sent.push(codecFor(this.protocol).decode(data) as Message);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  // ---- the server's side --------------------------------------------------------------------------

  /** The server accepts the connection with `protocol`. */
  accept(protocol: string = SUBPROTOCOL_JSON): void {
    this.readyState = 1;
    this.protocol = protocol;
    this.onopen?.({});
  }

  /** The server sends each message in its own frame. */
  deliver(...messages: Message[]): void {
    for (const m of messages) this.onmessage?.({ data: this.encode(m) });
  }

  /** The server sends one `batch` frame. */
  deliverBatch(items: Message[]): void {
    this.onmessage?.({ data: this.encode({ type: 'batch', items }) });
  }

  /** The server (or the network) closes the socket. */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }

  /** Messages of `type` the client sent. */
  sentOf(type: string): Message[] {
    return this.sent.filter((m) => m.type === type);
  }

  /** The last message the client sent (of `type`, if given). */
  last(type?: string): Message {
    const list = type ? this.sentOf(type) : this.sent;
    return list[list.length - 1];
  }

  private encode(message: Message): string | ArrayBuffer {
    const frame = codecFor(this.protocol).encode(message);
    if (typeof frame === 'string') return frame;
    return frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer;
  }
}

/** A WebSocket constructor that records every socket it makes. */
export function fakeWebSockets() {
  const sockets: FakeWebSocket[] = [];
  class WebSocket extends FakeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return {
    WebSocket,
    sockets,
    /** The last socket made. */
    get current(): FakeWebSocket {
      const ws = sockets[sockets.length - 1];
      if (!ws) throw new Error('no socket yet');
      return ws;
    },
  };
}

export function welcome(overrides: Partial<Welcome> = {}): Welcome {
  return {
    type: 'welcome',
    v: 1,
    sessionId: 'sess-1',
    resumeKey: 'key-1',
    resumed: false,
    userId: 'u1',
    heartbeatMs: 25_000,
    heartbeatTimeoutMs: 10_000,
    maxPayload: 65_536,
    sessionGraceMs: 120_000,
    rooms: [
      { room: 'user:u1', seq: 0, status: 'fresh' },
      { room: 'system', seq: 0, status: 'fresh' },
    ],
    serverTime: Date.now(),
    ...overrides,
  };
}

/** A browser window and document to dispatch `online`/`offline`/`visibilitychange` on. */
export function fakeBrowser() {
  const window = new EventTarget() as EventTarget & {
    navigator: { onLine: boolean };
    document: EventTarget & { visibilityState: string };
  };
  window.navigator = { onLine: true };
  window.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  let listeners = 0;
  for (const target of [window, window.document]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      listeners++;
      add(...args);
    };
    target.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => {
      listeners--;
      remove(...args);
    };
  }
  return {
    window,
    get listeners() {
      return listeners;
    },
    goOffline() {
      window.navigator.onLine = false;
      window.dispatchEvent(new Event('offline'));
    },
    goOnline() {
      window.navigator.onLine = true;
      window.dispatchEvent(new Event('online'));
    },
    setVisible(visible: boolean) {
      window.document.visibilityState = visible ? 'visible' : 'hidden';
      window.document.dispatchEvent(new Event('visibilitychange'));
    },
  };
}
