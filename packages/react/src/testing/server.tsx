import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ClientOptions, SynclineClient, type WebSocketConstructor } from '@syncline/client';
import { type Identity, SynclineServer, silentLogger } from '@syncline/server';
import { cleanup } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach } from 'vitest';
import WebSocket from 'ws';
import { WebSocketProvider, type WebSocketProviderProps } from '../websocket-provider.js';

/** Tests only: a real server on an ephemeral port, real clients on `ws`, and a provider around them. */

export const SECRET = 'syncline-react-test-secret-0123456789abcdef';

/** A paragraph zone for tests: 100 × 20 at (0, `y`) of `page`. */
export const testZone = (id: string, text = '', page = 0, y = 0) => ({
  id,
  page,
  bbox: { x: 0, y, w: 100, h: 20 },
  type: 'paragraph' as const,
  label: '',
  confidence: 1,
  text,
});

/**
 * An HS256 token for `userId`, signed with node:crypto. The test server checks it in an `onAuthenticate`
 * extension: jose's key checks fail across the realms of a jsdom test environment.
 */
export function signToken(userId: string, name = userId): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, name, iat: now, exp: now + 3600 })}`;
  const sig = createHmac('sha256', SECRET).update(body).digest('base64url');
  return Promise.resolve(`${body}.${sig}`);
}

/** The identity of a token made by `signToken`; throws when forged. */
export function verifyToken(token: string): Identity {
  const [header, payload, sig] = token.split('.');
  const expected = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('invalid token');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; name: string };
  return { userId: claims.sub, name: claims.name, roles: [], claims };
}

export const tokenFor = (userId: string) => () => signToken(userId);

/** `ws`'s WebSocket, remembering every socket made (so a test can count them or kill one). */
export function trackingWebSocket(): { WebSocket: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked as unknown as WebSocketConstructor, sockets };
}

export const FAST_RECONNECT = { initialMs: 20, maxMs: 200, maxAttempts: 1000 };

/** Client options for a test client: `ws`, fast reconnects, no browser globals (jsdom's window is not a network). */
export function testClientOptions(extra: Partial<ClientOptions> = {}): Partial<ClientOptions> {
  return {
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: FAST_RECONNECT,
    globals: null,
    ...extra,
  };
}

export class TestWorld {
  private readonly closers: (() => unknown)[] = [];
  server!: SynclineServer;
  url = '';
  private counter = 0;

  async start(): Promise<this> {
    this.server = new SynclineServer({
      storage: 'memory',
      auth: { secret: SECRET },
      logger: silentLogger,
      systemStatusIntervalMs: 0,
      extensions: [{ onAuthenticate: ({ token }) => verifyToken(token) }],
    });
    const { port } = await this.server.listen(0, '127.0.0.1');
    this.url = `ws://127.0.0.1:${port}/ws`;
    this.closers.push(() => this.server.close({ timeoutMs: 200 }));
    return this;
  }

  /** A fresh document id, unique in this process. */
  documentId(): string {
    return `t-${process.pid}-${Date.now().toString(36)}-${++this.counter}`;
  }

  /** A client of `userId`, closed at the end. */
  client(userId: string, extra: Partial<ClientOptions> = {}): SynclineClient {
    const client = new SynclineClient({
      url: this.url,
      token: tokenFor(userId),
      ...testClientOptions(),
      ...extra,
    });
    this.closers.push(() => client.close());
    return client;
  }

  /** A provider wrapper around `client` (for `render(..., { wrapper })`). */
  wrapper(client: SynclineClient, props: Partial<WebSocketProviderProps> = {}) {
    const url = this.url;
    return ({ children }: { children?: ReactNode }) => (
      <WebSocketProvider url={url} client={client} {...props}>
        {children}
      </WebSocketProvider>
    );
  }

  onClose(fn: () => unknown): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0).reverse()) await fn();
  }
}

/**
 * A started world and a fresh document id for each test of the enclosing `describe`; after each test, what
 * it rendered is unmounted, then the world is closed. Read `world` and `documentId` inside the tests.
 */
export function worldPerTest(): { readonly world: TestWorld; readonly documentId: string } {
  let world: TestWorld;
  let documentId: string;
  beforeEach(async () => {
    world = await new TestWorld().start();
    documentId = world.documentId();
  });
  afterEach(async () => {
    cleanup();
    await world.close();
  });
  return {
    get world() {
      return world;
    },
    get documentId() {
      return documentId;
    },
  };
}

/** Polls until `cond` holds (the real network is in the loop); rejects after `timeoutMs`. */
export async function until(cond: () => unknown, timeoutMs = 5_000, what = cond.toString()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Counts the listeners a client has through `on` and `subscribe` (installed before anything subscribes):
 * what a test checks to be back at zero after unmounting.
 */
export function countListeners(client: SynclineClient): { readonly active: number } {
  let active = 0;
  const wrap = <F extends (...args: never[]) => () => void>(fn: F): F =>
    ((...args: never[]) => {
      const dispose = fn(...args);
      active++;
      let done = false;
      return () => {
        if (!done) {
          done = true;
          active--;
        }
        dispose();
      };
    }) as F;
  client.on = wrap(client.on.bind(client)) as typeof client.on;
  client.subscribe = wrap(client.subscribe.bind(client)) as typeof client.subscribe;
  return {
    get active() {
      return active;
    },
  };
}
