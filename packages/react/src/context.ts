'use client';
import { createContext, useContext } from 'react';
import type { EventBus } from './event-bus.js';
import type { NotificationCenter } from './notification-center.js';
import type { SynclineRuntime } from './runtime.js';

export interface SynclineContextValue {
  /** `null` until the provider's effect created the client (and always during server rendering). */
  runtime: SynclineRuntime | null;
  bus: EventBus;
  notifications: NotificationCenter;
  presenceEnabled: boolean;
}

export const SynclineContext = createContext<SynclineContextValue | null>(null);

/** The provider's context; throws a clear error outside a `<WebSocketProvider>`. */
export function useSynclineContext(): SynclineContextValue {
  const value = useContext(SynclineContext);
  if (!value) throw new Error('Syncline hooks must be used inside a <WebSocketProvider>');
  return value;
}
