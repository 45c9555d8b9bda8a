import { PROTOCOL_VERSION, SUBPROTOCOL_JSON } from '@syncline/protocol';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

/** A server message as a test reads it. */
// biome-ignore lint/suspicious/noExplicitAny: test messages are read loosely
export type Msg = { type: string } & Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

interface Tracked {
  messages: Msg[];
  used: Set<number>;
  waiters: Set<() => void>;
  closed: Promise<Closed>;
}

const tracked = new WeakMap<WebSocket, Tracked>();
const live = new Set<WebSocket>();

/** Opens a raw `ws` client and records what it receives (batches flattened) from the first frame on. */
export async function openSocket(
  url: string,
  opts: { origin?: string; protocols?: string[] } = {},
): Promise<WebSocket> {
  const ws = new WebSocket(url, opts.protocols ?? [SUBPROTOCOL_JSON], { origin: opts.origin });
  const t: Tracked = {
    messages: [],
    used: new Set(),
    waiters: new Set(),
    closed: new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    ),
  };
  tracked.set(ws, t);
  live.add(ws);
  const wake = () => {
    for (const w of [...t.waiters]) w();
  };
  ws.on('message', (data, isBinary) => {
    let m: Msg;
    try {
      m = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
    } catch {
      m = { type: '<undecodable>' };
    }
    if (m.type === 'batch') t.messages.push(...(m.items as Msg[]));
    else t.messages.push(m);
    wake();
  });
  ws.on('close', () => {
    live.delete(ws);
    wake();
  });
  ws.on('error', () => {}); // surfaced as the close that follows
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code) => reject(new Error(`closed (${code}) before opening`)));
  });
  return ws;
}

/**
 * The first message received on `ws` (since it opened) that matches and was not returned before.
 * Rejects when none arrives within `timeoutMs`, or the socket closes first.
 */
export function nextMessage(ws: WebSocket, predicate: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
  const t = tracked.get(ws);
  if (!t) throw new Error('nextMessage: socket was not opened with openSocket');
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      t.waiters.delete(check);
    };
    const check = () => {
      for (let i = 0; i < t.messages.length; i++) {
        if (t.used.has(i) || !predicate(t.messages[i])) continue;
        t.used.add(i);
        done();
        resolve(t.messages[i]);
        return;
      }
      if (ws.readyState === WebSocket.CLOSED) {
        done();
        reject(new Error('socket closed before a matching message arrived'));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no matching message within ${timeoutMs} ms`));
    }, timeoutMs);
    t.waiters.add(check);
    check();
  });
}

/** Every message received so far. */
export function received(ws: WebSocket): readonly Msg[] {
  return tracked.get(ws)?.messages ?? [];
}

/** Resolves with the close code and reason once the socket is closed. */
export function closed(ws: WebSocket): Promise<Closed> {
  const t = tracked.get(ws);
  if (!t) throw new Error('closed: socket was not opened with openSocket');
  return t.closed;
}

/** Drops every socket opened by `openSocket` that is still open, and waits until they are closed. */
export async function closeAllSockets(): Promise<void> {
  const all = [...live];
  for (const ws of all) ws.terminate();
  await Promise.all(all.map((ws) => tracked.get(ws)?.closed));
}

export function signToken(
  secret: string,
  sub: string,
  opts: { expiresAt?: number; name?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(opts.name === undefined ? {} : { name: opts.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(opts.expiresAt ?? '1h');
  return jwt.sign(new TextEncoder().encode(secret));
}

export const helloMessage = (token: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, token, ...extra });
