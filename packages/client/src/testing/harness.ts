import type { Welcome } from '@syncline/protocol';
import { vi } from 'vitest';
import { type ClientOptions, SynclineClient } from '../client.js';
import type { ConnectionState } from '../connection-state.js';
import type { SynclineError } from '../errors.js';
import { fakeWebSockets, welcome } from './fake-websocket.js';

/** Lets pending promises (providers, storage) settle and runs timers due now. */
export async function tick(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** A client on fake sockets, with its states and errors recorded. Call under `vi.useFakeTimers()`. */
export function setup(options: Partial<ClientOptions> = {}) {
  const net = fakeWebSockets();
  const token = vi.fn(() => `token-${token.mock.calls.length}`);
  const client = new SynclineClient({
    url: 'ws://test/rt',
    token,
    WebSocket: net.WebSocket,
    globals: null,
    random: () => 0.5,
    ...options,
  });
  const states: ConnectionState[] = [];
  const errors: SynclineError[] = [];
  client.on('state', (s) => states.push(s.state));
  client.on('error', (e) => errors.push(e));

  /** Lets the client create its socket, accepts it and sends `welcome`; returns the socket. */
  async function open(overrides: Partial<Welcome> = {}) {
    await tick();
    const ws = net.current;
    ws.accept();
    ws.deliver(welcome(overrides));
    return ws;
  }

  return { client, net, token, states, errors, open };
}
