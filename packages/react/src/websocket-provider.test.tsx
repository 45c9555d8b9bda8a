// @vitest-environment jsdom
import type { SynclineClient } from '@syncline/client';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionStatus } from './components/connection-status.js';
import { NotificationContainer } from './components/notification-container.js';
import { TestWorld, testClientOptions, tokenFor, trackingWebSocket, until } from './testing/server.js';
import { useNotify } from './use-notifications.js';
import { useRealTimeDocument } from './use-real-time-document.js';
import { useWebSocketContext } from './use-websocket-context.js';
import { WebSocketProvider } from './websocket-provider.js';

let seen: SynclineClient[] = [];
function Probe() {
  const ctx = useWebSocketContext();
  if (ctx.client && !seen.includes(ctx.client)) seen.push(ctx.client);
  return <p data-testid="state">{ctx.connectionStatus}</p>;
}

function DocProbe({ documentId }: { documentId: string }) {
  return <p data-testid="doc">{useRealTimeDocument(documentId).status}</p>;
}

describe('WebSocketProvider', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await new TestWorld().start();
  });
  afterEach(async () => {
    cleanup();
    await world.close();
  });

  it('makes one client and one connection however often it re-renders, and closes it on unmount', async () => {
    seen = [];
    const net = trackingWebSocket();
    const ui = (n: number) => (
      <WebSocketProvider
        url={world.url}
        token={tokenFor('ann')}
        options={{
          enableHeartbeat: true,
          reconnectInterval: 20,
          maxReconnectAttempts: 5,
          enablePresence: true,
        }}
        clientOptions={testClientOptions({ WebSocket: net.WebSocket })}
      >
        <Probe />
        <span>{n}</span>
      </WebSocketProvider>
    );
    const { rerender, unmount } = render(ui(0));
    await until(() => screen.getByTestId('state').textContent === 'open');
    for (let i = 1; i <= 5; i++) rerender(ui(i));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 30));
    });
    expect(seen).toHaveLength(1);
    expect(net.sockets).toHaveLength(1);
    unmount();
    expect(seen[0].state).toBe('closed');
  });

  it('re-renders on every connection state change, with a countdown and Retry now while reconnecting', async () => {
    seen = [];
    const net = trackingWebSocket();
    render(
      <WebSocketProvider
        url={world.url}
        token={tokenFor('ann')}
        options={{ reconnectInterval: 60_000, maxReconnectInterval: 60_000, maxReconnectAttempts: 3 }}
        clientOptions={testClientOptions({ WebSocket: net.WebSocket, random: () => 0.999 })}
      >
        <Probe />
        <ConnectionStatus offlineHint="Changes will sync" />
      </WebSocketProvider>,
    );
    await until(() => screen.getByTestId('state').textContent === 'open');
    expect(screen.getByRole('status').textContent).toBe('Connected');
    expect(screen.queryByRole('button', { name: 'Retry now' })).toBeNull();

    net.sockets[0].terminate(); // the network drops: no close frame
    await until(() => screen.getByTestId('state').textContent === 'reconnecting');
    // The state is announced; the countdown shows beside it, outside the live region.
    expect(screen.getByRole('status').textContent).toBe('Reconnecting');
    const pill = screen.getByRole('status').parentElement?.textContent ?? '';
    expect(pill).toMatch(/^Reconnecting in \d+s$/);
    expect(Number(pill.match(/\d+/)?.[0])).toBeGreaterThan(50);
    expect(screen.getByText('Changes will sync')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    await until(() => screen.getByTestId('state').textContent === 'open');
    expect(net.sockets).toHaveLength(2);
    expect(screen.getByRole('status').textContent).toBe('Connected');
  });

  it('reads the token provider afresh at every connect', async () => {
    seen = [];
    const net = trackingWebSocket();
    const users: string[] = [];
    const token = (user: string) => () => {
      users.push(user);
      return tokenFor(user)();
    };
    const ui = (user: string) => (
      <WebSocketProvider
        url={world.url}
        token={token(user)}
        clientOptions={testClientOptions({ WebSocket: net.WebSocket })}
      >
        <Probe />
      </WebSocketProvider>
    );
    const { rerender } = render(ui('ann'));
    await until(() => seen[0]?.userId === 'ann');
    rerender(ui('ben'));
    net.sockets[0].terminate();
    await until(() => seen[0]?.userId === 'ben');
    expect(seen).toHaveLength(1);
    expect(users).toEqual(['ann', 'ben']);
  });

  it('under StrictMode ends with one open client and the document opened once', async () => {
    seen = [];
    const net = trackingWebSocket();
    const documentId = world.documentId();
    render(
      <StrictMode>
        <WebSocketProvider
          url={world.url}
          token={tokenFor('ann')}
          clientOptions={testClientOptions({ WebSocket: net.WebSocket })}
        >
          <Probe />
          <DocProbe documentId={documentId} />
        </WebSocketProvider>
      </StrictMode>,
    );
    await until(() => screen.getByTestId('doc').textContent === 'open');
    const open = seen.filter((c) => c.state === 'open');
    expect(open).toHaveLength(1);
    expect(seen.filter((c) => c.state !== 'open').every((c) => c.state === 'closed')).toBe(true);
    const members = world.server.hub.members(`doc:${documentId}`);
    expect(members).toHaveLength(1);
    expect(members[0].connections).toBe(1);
  });

  it('throws a clear error outside a provider', () => {
    const spy = console.error;
    console.error = () => {};
    try {
      expect(() => render(<Probe />)).toThrow('inside a <WebSocketProvider>');
    } finally {
      console.error = spy;
    }
  });
});

/** A client standing in for `SynclineClient` where only the provider's wiring matters (no network). */
function quietClient(): SynclineClient {
  return {
    on: () => () => {},
    subscribe: () => () => {},
    close: () => {},
    state: 'idle',
    status: { state: 'idle', attempt: 0 },
  } as unknown as SynclineClient;
}

function Notifier({ onReady }: { onReady: (notify: ReturnType<typeof useNotify>) => void }) {
  onReady(useNotify());
  return null;
}

describe('WebSocketProvider and its toasts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('still dismisses the toasts shown when another client is given', () => {
    let notify: ReturnType<typeof useNotify> | undefined;
    const ui = (client: SynclineClient) => (
      <WebSocketProvider url="ws://test/ws" client={client} notifications={{ durationMs: 1_000 }}>
        <Notifier
          onReady={(n) => {
            notify = n;
          }}
        />
        <NotificationContainer />
      </WebSocketProvider>
    );
    const { rerender } = render(ui(quietClient()));
    act(() => void notify?.({ kind: 'info', title: 'Saved', message: 'All changes saved' }));
    expect(screen.getByText('All changes saved')).toBeTruthy();
    rerender(ui(quietClient())); // e.g. signed in as someone else
    act(() => void vi.advanceTimersByTime(1_000));
    expect(screen.queryByText('All changes saved')).toBeNull();
  });
});
