import { dismiss, useNotifications } from '../hooks/use-notifications.js';

/** Toasts: refused edits, conflicts, errors. Announced to screen readers. */
export function Notifications() {
  const notices = useNotifications();
  return (
    <div className="toasts" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`toast toast-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.message}</span>
          <button type="button" className="small" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
