import type { SynclineClient } from '@syncline/client';
import { useConnection } from '../hooks/use-connection.js';
import { useNow } from '../hooks/use-now.js';

/** Connected / connecting / reconnecting in N s (Retry now) / offline / failed (Retry). */
export function ConnectionPill({ client }: { client: SynclineClient }) {
  const status = useConnection(client);
  const waiting = status.state === 'reconnecting' && status.nextRetryAt !== undefined;
  const now = useNow(waiting);
  let text: string;
  switch (status.state) {
    case 'open':
      text = 'Connected';
      break;
    case 'idle':
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'reconnecting':
      text = waiting
        ? `Reconnecting in ${Math.max(0, Math.ceil(((status.nextRetryAt ?? now) - now) / 1000))} s`
        : 'Reconnecting…';
      break;
    case 'offline':
      text = 'Offline';
      break;
    case 'failed':
      text = 'Connection failed';
      break;
    default:
      text = 'Disconnected';
  }
  const canRetry = status.state === 'reconnecting' || status.state === 'failed';
  return (
    <div className="connection" data-state={status.state}>
      <output className={`pill pill-${status.state}`} aria-live="polite" data-testid="connection-pill">
        <span className="dot" aria-hidden="true" />
        {text}
      </output>
      {canRetry && (
        <button type="button" className="small" onClick={() => client.reconnect()}>
          {status.state === 'failed' ? 'Retry' : 'Retry now'}
        </button>
      )}
    </div>
  );
}
