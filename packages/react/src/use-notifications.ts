'use client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useSynclineContext } from './context.js';
import type { Notification, NotificationInput } from './notification-center.js';
import { type MaintenanceState, NO_MAINTENANCE } from './runtime.js';

export interface UseNotifications {
  notifications: readonly Notification[];
  /** Shows a toast; returns its id (the same `id` replaces a shown toast). */
  notify: (input: NotificationInput) => string;
  dismiss: (id: string) => void;
  clear: () => void;
}

/**
 * The provider's toasts: conflicts and refused edits of every open document, connection errors and
 * maintenance announcements arrive here on their own; `notify` adds the app's own.
 */
export function useNotifications(): UseNotifications {
  const { notifications: center } = useSynclineContext();
  const notifications = useSyncExternalStore(center.subscribe, center.getSnapshot, center.getSnapshot);
  // The functions keep their identity while the list changes (safe in effect and memo dependencies).
  const functions = useMemo(
    () => ({
      notify: (input: NotificationInput) => center.notify(input),
      dismiss: (id: string) => center.dismiss(id),
      clear: () => center.clear(),
    }),
    [center],
  );
  return useMemo(() => ({ notifications, ...functions }), [notifications, functions]);
}

/**
 * Only `notify`, without following the list: for components that show toasts but not the toasts
 * themselves (so they do not re-render whenever one appears or goes).
 */
export function useNotify(): (input: NotificationInput) => string {
  const { notifications: center } = useSynclineContext();
  return useCallback((input: NotificationInput) => center.notify(input), [center]);
}

const noSubscribe = () => () => {};
const noMaintenance = () => NO_MAINTENANCE;

/** Whether the server announced maintenance (and its message), for a banner. */
export function useMaintenance(): MaintenanceState {
  const { runtime } = useSynclineContext();
  return useSyncExternalStore(
    runtime ? runtime.subscribeMaintenance : noSubscribe,
    runtime ? runtime.getMaintenance : noMaintenance,
    noMaintenance,
  );
}
