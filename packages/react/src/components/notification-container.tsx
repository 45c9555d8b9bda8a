'use client';
import type { ReactNode } from 'react';
import { useNotifications } from '../use-notifications.js';

export interface NotificationContainerProps {
  className?: string;
}

/**
 * The provider's toasts: conflicts, refused edits (`zone_locked`, `forbidden`), errors, maintenance.
 * Errors and refusals are announced assertively, the rest politely; each has a Dismiss button.
 */
export function NotificationContainer({ className }: NotificationContainerProps): ReactNode {
  const { notifications, dismiss } = useNotifications();
  return (
    <section
      className={['syncline-notifications', className].filter(Boolean).join(' ')}
      aria-label="Notifications"
      aria-live="polite"
    >
      {notifications.map((n) => {
        const urgent = n.kind === 'error' || n.kind === 'rejected' || n.kind === 'maintenance';
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
