'use client';
import type {
  ConnectionState,
  ConnectionStatus,
  Disposer,
  PublishResult,
  SendOptions,
  SynclineClient,
} from '@syncline/client';
import { SynclineError } from '@syncline/client';
import type { EventData, EventType } from '@syncline/protocol';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useSynclineContext } from './context.js';
import type { AnyEventHandler } from './event-bus.js';

/** The status before the client exists (first render, server rendering). */
export const IDLE_STATUS: ConnectionStatus = Object.freeze({ state: 'idle', attempt: 0 });

/** A seed-style message: an event `type` with its `data`, to `room` or to `doc:<data.documentId>`. */
export interface SendMessage<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
  room?: string;
}

export interface WebSocketContextValue {
  /** The client, or `null` before the provider's effect made it. */
  client: SynclineClient | null;
  /** The full connection status (attempt, nextRetryAt, lastClose). */
  status: ConnectionStatus;
  isConnected: boolean;
  /** `idle`, `connecting`, `open`, `reconnecting`, `offline`, `failed`, `closed`. */
  connectionStatus: ConnectionState;
  /** While waiting to reconnect: when the next try happens (ms since epoch), for a countdown. */
  nextRetryAt: number | null;
  /** Reconnects now (the "Retry now" button), from `reconnecting`, `offline` or `failed`. */
  retryNow: () => void;
  /** Publishes an event (`{type, data, room?}`; the room defaults to `doc:<data.documentId>`). */
  sendMessage: <T extends EventType>(
    message: SendMessage<T>,
    options?: SendOptions,
  ) => Promise<PublishResult>;
  /** `handler(data, event)` for every event of `type` (`'*'`: all) in the rooms the client is in. */
  subscribe: (type: EventType | '*', handler: AnyEventHandler) => Disposer;
  unsubscribe: (type: EventType | '*', handler: AnyEventHandler) => void;
  /** Calls a server method (`job.get`, `export.start`, ...). */
  request: <T = unknown>(method: string, data?: unknown, options?: SendOptions) => Promise<T>;
}

const noSubscribe = () => () => {};
const idle = () => IDLE_STATUS;

/** The connection: status (re-renders on every change), and seed-style messaging functions. */
export function useWebSocketContext(): WebSocketContextValue {
  const { runtime, bus } = useSynclineContext();
  const client = runtime?.client ?? null;
  const subscribeStatus = useCallback(
    (onChange: () => void) => (client ? client.on('state', onChange) : () => {}),
    [client],
  );
  const getStatus = useCallback(() => client?.status ?? IDLE_STATUS, [client]);
  const status = useSyncExternalStore(client ? subscribeStatus : noSubscribe, getStatus, idle);

  const functions = useMemo(
    () => ({
      retryNow: () => client?.reconnect(),
      sendMessage: <T extends EventType>(message: SendMessage<T>, options?: SendOptions) => {
        if (!client) return Promise.reject(notReady());
        const documentId = (message.data as { documentId?: unknown }).documentId;
        const room = message.room ?? (typeof documentId === 'string' ? `doc:${documentId}` : undefined);
        if (!room)
          return Promise.reject(new SynclineError('invalid', 'sendMessage needs a room or data.documentId'));
        return client.publish(room, message.type, message.data, options);
      },
      subscribe: (type: EventType | '*', handler: AnyEventHandler) => bus.subscribe(type, handler),
      unsubscribe: (type: EventType | '*', handler: AnyEventHandler) => bus.unsubscribe(type, handler),
      request: <T = unknown>(method: string, data?: unknown, options?: SendOptions) =>
        client ? client.request<T>(method, data, options) : Promise.reject(notReady()),
    }),
    [client, bus],
  );

  return useMemo(
    () => ({
      client,
      status,
      isConnected: status.state === 'open',
      connectionStatus: status.state,
      nextRetryAt: status.nextRetryAt ?? null,
      ...functions,
    }),
    [client, status, functions],
  );
}

function notReady(): SynclineError {
  return new SynclineError('unavailable', 'the connection is not set up yet');
}
