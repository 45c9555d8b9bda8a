'use client';
import type { ReactNode } from 'react';
import type { Notification, NotificationAction } from '../notification-center.js';
import { useNotifications } from '../use-notifications.js';

export type { NotificationAction };

export interface NotificationContainerProps {
  className?: string;
  /**
   * The action a toast offers, if any: say "Show zone" for one about zones (`zoneIds`, `documentId`) of the
   * document on screen. Asked at every render; `null` for none. A toast given its own `action` (`notify({…, action})`)
   * offers that one instead.
   */
  action?: (n: Notification) => NotificationAction | null;
}

/**
 * The provider's toasts: conflicts, refused edits (`zone_locked`, `forbidden`), errors, maintenance.
 * Errors and refusals are announced assertively, the rest politely; each has a Dismiss button, and the
 * action `action` offers for it, if any.
 */
export function NotificationContainer({ className, action }: NotificationContainerProps): ReactNode {
  const { notifications, dismiss } = useNotifications();
  return (
    <section
      className={['syncline-notifications', className].filter(Boolean).join(' ')}
      aria-label="Notifications"
      aria-live="polite"
    >
      {notifications.map((n) => {
        const urgent = n.kind === 'error' || n.kind === 'rejected' || n.kind === 'maintenance';
        const offered = n.action ?? action?.(n) ?? null;
        return (
          <div
            key={n.id}
            className="syncline-notification"
            data-kind={n.kind}
            data-code={n.code}
            role={urgent ? 'alert' : 'status'}
          >
            <strong className="syncline-notification__title">{n.title}</strong>
            <span className="syncline-notification__message">{n.message}</span>
            {offered && (
              <button
                type="button"
                className="syncline-notification__action"
                onClick={() => {
                  dismiss(n.id);
                  offered.run();
                }}
              >
                {offered.label}
              </button>
            )}
            <button
              type="button"
              className="syncline-notification__dismiss"
              aria-label={`Dismiss: ${n.title}`}
              onClick={() => dismiss(n.id)}
            >
              ×
            </button>
          </div>
        );
      })}
    </section>
  );
}
