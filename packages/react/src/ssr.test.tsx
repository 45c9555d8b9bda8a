// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * Next.js renders client components on the server too: importing the package and rendering every hook
 * and component there must not touch `window` or `WebSocket`, and must render the "not connected yet" view.
 */
type Lib = typeof import('./index.js');

function Page({ lib }: { lib: Lib }) {
  const ctx = lib.useWebSocketContext();
  const doc = lib.useRealTimeDocument('d1');
  const zone = lib.useZone('d1', 'z1');
  const progress = lib.useWebSocketProgress('d1');
  const collab = lib.useCollaboration('d1', { enabled: true });
  const exp = lib.useExport('d1');
  const maintenance = lib.useMaintenance();
  return (
    <main>
      <lib.ConnectionStatus />
      <lib.UserPresence users={collab.users} />
      <lib.ProcessingProgress documentId="d1" />
      <lib.NotificationContainer />
      <p id="summary">
        {ctx.connectionStatus}/{String(ctx.isConnected)}/{doc.zones.length}/{doc.status}/{String(zone)}/
        {progress.processingStatus}/{exp.status}/{String(maintenance.enabled)}
      </p>
    </main>
  );
}

describe('server rendering', () => {
  const made: string[] = [];
  const g = globalThis as Record<string, unknown>;
  let saved: unknown;
  beforeEach(() => {
    saved = g.WebSocket;
    g.WebSocket = class {
      constructor(url: string) {
        made.push(url);
        throw new Error('a WebSocket was made during server rendering');
      }
    };
  });
  afterEach(() => {
    g.WebSocket = saved;
  });

  it('imports and renders to a string without a window or a socket', async () => {
    expect(typeof window).toBe('undefined');
    const lib = await import('./index.js');
    const html = renderToString(
      <lib.WebSocketProvider url="ws://example.invalid/ws" token="t" options={{ enablePresence: true }}>
        <Page lib={lib} />
      </lib.WebSocketProvider>,
    );
    expect(made).toEqual([]);
    expect(html).toContain('Connecting…');
    expect(html.replace(/<!-- -->/g, '')).toContain('idle/false/0/opening/undefined/idle/idle/false');
    expect(html).toContain('0 people here');
  });
});
