'use client';
import { type ReactNode, useEffect, useState } from 'react';
import { useWebSocketContext } from '../use-websocket-context.js';

export interface ConnectionStatusProps {
  className?: string;
  /** Shown while offline or reconnecting, e.g. "Changes will sync when you are back online". */
  offlineHint?: ReactNode;
}

const LABELS: Record<string, string> = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  failed: 'Connection failed',
  closed: 'Disconnected',
};

/**
 * The connection pill: connected; reconnecting with a countdown and a "Retry now" button; offline; failed
 * with a retry button. `data-state` carries the state for styling; the state is announced politely, once per change:
 * the countdown beside it ("in 7s") is not in the live region, which would have a screen reader say it every second.
 */
export function ConnectionStatus({ className, offlineHint }: ConnectionStatusProps): ReactNode {
  const { connectionStatus: state, nextRetryAt, retryNow } = useWebSocketContext();
  const seconds = useCountdown(state === 'reconnecting' ? nextRetryAt : null);
  const canRetry = state === 'reconnecting' || state === 'offline' || state === 'failed';
  const label = LABELS[state] ?? state;
  return (
    <div className={['syncline-connection-status', className].filter(Boolean).join(' ')} data-state={state}>
      <span className="syncline-connection-status__label">
        <span role="status" aria-live="polite">
          {label}
        </span>
        {state === 'reconnecting' && seconds !== null && (
          <span className="syncline-connection-status__countdown"> in {seconds}s</span>
        )}
      </span>
      {canRetry && (
        <button type="button" className="syncline-connection-status__retry" onClick={retryNow}>
          Retry now
        </button>
      )}
      {(state === 'offline' || state === 'reconnecting') && offlineHint ? (
        <span className="syncline-connection-status__hint">{offlineHint}</span>
      ) : null}
    </div>
  );
}

/** Whole seconds until `at` (ms since epoch), ticking each second; `null` without a target. */
export function useCountdown(at: number | null): number | null {
  const [clock, setClock] = useState(() => ({ at, now: Date.now() }));
  let now = clock.now;
  if (clock.at !== at) {
    // A new target: the time read for the previous one is stale (nothing ticks without a target), and a
    // countdown from it would show, if only for a frame, "Reconnecting in 603s".
    now = Date.now();
    setClock({ at, now });
  }
  useEffect(() => {
    if (at === null) return;
    const timer = setInterval(() => setClock({ at, now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
