/**
 * Everything the client takes from its environment, behind small interfaces so tests (and Node) can
 * inject their own: the WebSocket constructor, timers, clock, randomness, logger, and the browser's
 * network and visibility events.
 */

/** A value or a function computing it, called afresh on every (re)connect. */
export type Provider<T> = T | (() => T | Promise<T>);

export async function resolveProvider<T>(p: Provider<T>): Promise<T> {
  return typeof p === 'function' ? await (p as () => T | Promise<T>)() : p;
}

/**
 * The part of the browser WebSocket API the client uses. The browser's `WebSocket` and the `ws`
 * package both fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server picked. */
  readonly protocol: string;
  readonly bufferedAmount: number;
  binaryType: string;
  // Handler parameters are `any` so both the DOM's and `ws`'s event types are assignable here.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onopen: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onmessage: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onclose: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onerror: ((event: any) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export const WS_OPEN = 1;

export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Looked up at call time, so fake timers installed after import still apply.
export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days): browsers and Node run a timer
 * with a longer delay at once. Timers that may be that far away (a token's expiry) wait in steps.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * `ms` capped at `MAX_TIMER_DELAY_MS`, for timers armed with a delay given by the app or the server
 * (`timeoutMs`, `retryAfterMs`, ...): a longer one (or `Infinity`, "no limit") would fire at once.
 */
export function timerDelay(ms: number): number {
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const defaultClock: Clock = { now: () => Date.now() };

export interface Logger {
  debug?(message: string, details?: unknown): void;
  info?(message: string, details?: unknown): void;
  warn?(message: string, details?: unknown): void;
  error?(message: string, details?: unknown): void;
}

/** A listener target: `window`, `document`, or a fake. */
export interface ListenerTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Browser globals the client listens to: `online`/`offline` on the window, `visibilitychange` on the
 * document. Absent in Node, where the client simply does not listen.
 */
export interface BrowserGlobals extends ListenerTarget {
  navigator?: { onLine?: boolean };
  document?: ListenerTarget & { visibilityState?: string };
}

/** `globalThis` when it looks like a browser window, else `undefined`. */
export function detectBrowserGlobals(): BrowserGlobals | undefined {
  const g = globalThis as Partial<BrowserGlobals>;
  return typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function'
    ? (g as BrowserGlobals)
    : undefined;
}

/** Listens to `type` on `target` and returns the function that stops listening. */
export function listen(target: ListenerTarget, type: string, listener: () => void): () => void {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}
