'use client';
import {
  type ClientOptions,
  type DocumentClientOptions,
  type Provider,
  SynclineClient,
} from '@syncline/client';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { SynclineContext, type SynclineContextValue } from './context.js';
import { EventBus } from './event-bus.js';
import { NotificationCenter, type NotificationCenterOptions } from './notification-center.js';
import { SynclineRuntime } from './runtime.js';
import { useLatest } from './use-latest.js';

/** The seed's provider options. */
export interface WebSocketProviderOptions {
  /**
   * Kept for the seed's API. Syncline's heartbeat is always on: the server sets its period in `welcome`
   * and a connection that stops answering is replaced. `false` is accepted and changes nothing.
   */
  enableHeartbeat?: boolean;
  /** First reconnect delay bound in ms (backoff doubles it, with full jitter). Default 1000. */
  reconnectInterval?: number;
  /** Longest reconnect delay in ms. Default 30 000. */
  maxReconnectInterval?: number;
  /** Tries before the connection goes `failed` (a "Retry now" starts over). Default 10. */
  maxReconnectAttempts?: number;
  /** Presence (who is here, cursors): `false` makes `useCollaboration` inert. Default true. */
  enablePresence?: boolean;
}

export interface WebSocketProviderProps {
  /** WebSocket URL, or a function giving it; read at every (re)connect, so a new value applies at the next one. */
  url: string | (() => string);
  /** Auth token, or a function giving a fresh one; read at every (re)connect and token refresh. */
  token?: Provider<string>;
  options?: WebSocketProviderOptions;
  /** Any other client option (`WebSocket`, `outbox.storage`, `codec`, `logger`, ...). Read once. */
  clientOptions?: Partial<Omit<ClientOptions, 'url' | 'token'>>;
  /** A client made elsewhere (tests, several providers sharing one): used as is, not closed on unmount. */
  client?: SynclineClient;
  /**
   * Options of each document client, read once per document. E.g. ``{persistence: new IndexedDBDocPersistence({name:
   * `app-${userId}`})}`` (one database per user, made once per user) keeps offline edits across reloads; without one,
   * documents share the client's memory (`defaultDocPersistence(client)`). `closeTimeoutMs` (default 10 s) is how long
   * a document nobody uses stays open for the server to confirm my last edits; the provider's unmount closes them at
   * once (unconfirmed edits stay in the persistence).
   */
  documentOptions?: DocumentClientOptions | ((documentId: string) => DocumentClientOptions);
  /** Toast timing. Read once. */
  notifications?: NotificationCenterOptions;
  children?: ReactNode;
}

/**
 * Owns one Syncline connection for everything below it. The client is created in an effect (never
 * during rendering, so importing and server-rendering this touch no `window` or `WebSocket`) and lives
 * until the provider unmounts: re-renders never recreate it. `url` and `token` are read through refs at
 * every connect; `options`, `clientOptions`, `documentOptions` and `notifications` are read once, when
 * the client is made. Only a different `client` prop makes a new runtime.
 *
 * @example
 * <WebSocketProvider url="ws://localhost:8000/ws" token={() => auth.token()}
 *   options={{ enableHeartbeat: true, reconnectInterval: 1000, maxReconnectAttempts: 10, enablePresence: true }}>
 *   <App />
 *   <NotificationContainer />
 * </WebSocketProvider>
 */
export function WebSocketProvider(props: WebSocketProviderProps): ReactNode {
  const { client: givenClient, children } = props;
  const latest = useLatest(props);
  const [notifications] = useState(() => new NotificationCenter(props.notifications));
  const [bus] = useState(() => new EventBus());
  const [runtime, setRuntime] = useState<SynclineRuntime | null>(null);
  const presenceEnabled = props.options?.enablePresence !== false;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the client is made once; other props are read through `latest`
  useEffect(() => {
    const p = latest.current;
    const client = givenClient ?? createClient(latest);
    const docOptions = p.documentOptions;
    const rt = new SynclineRuntime(
      client,
      notifications,
      typeof docOptions === 'function' ? docOptions : () => docOptions ?? {},
      p.options?.enablePresence !== false,
    );
    bus.attach(client);
    setRuntime(rt);
    return () => {
      bus.attach(null);
      rt.close();
      if (!givenClient) client.close();
      setRuntime(null);
    };
  }, [givenClient]);
  // The toasts' timers stop when the provider goes, not when another client comes (the toasts shown stay).
  useEffect(() => () => notifications.dispose(), [notifications]);

  const value = useMemo<SynclineContextValue>(
    () => ({ runtime, bus, notifications, presenceEnabled }),
    [runtime, bus, notifications, presenceEnabled],
  );
  return <SynclineContext.Provider value={value}>{children}</SynclineContext.Provider>;
}

function createClient(latest: { current: WebSocketProviderProps }): SynclineClient {
  const p = latest.current;
  const o = p.options ?? {};
  const reconnect = { ...p.clientOptions?.reconnect };
  if (o.reconnectInterval !== undefined) reconnect.initialMs = o.reconnectInterval;
  if (o.maxReconnectInterval !== undefined) reconnect.maxMs = o.maxReconnectInterval;
  if (o.maxReconnectAttempts !== undefined) reconnect.maxAttempts = o.maxReconnectAttempts;
  return new SynclineClient({
    ...p.clientOptions,
    reconnect,
    url: () => {
      const url = latest.current.url;
      return typeof url === 'function' ? url() : url;
    },
    token: () => {
      const token = latest.current.token ?? '';
      return typeof token === 'function' ? token() : token;
    },
  });
}
