// @vitest-environment jsdom
import type { ConnectionState } from '@syncline/client';
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionStatus, useCountdown } from './connection-status.js';

/** The connection the pill shows (the provider's context, as `useWebSocketContext` gives it). */
const connection = vi.hoisted(() => ({
  state: 'open' as ConnectionState,
  nextRetryAt: null as number | null,
}));
vi.mock('../use-websocket-context.js', () => ({
  useWebSocketContext: () => ({
    connectionStatus: connection.state,
    nextRetryAt: connection.nextRetryAt,
    retryNow: () => {},
  }),
}));

describe('useCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('counts down from the time a new target is set, never from when the clock last ticked', () => {
    const rendered: (number | null)[] = [];
    const { rerender } = renderHook(
      ({ at }) => {
        const s = useCountdown(at);
        rendered.push(s);
        return s;
      },
      { initialProps: { at: null as number | null } },
    );
    // Connected for ten minutes, then the connection drops: the next try is in 3 s.
    vi.setSystemTime(1_000_000 + 600_000);
    rendered.length = 0;
    rerender({ at: Date.now() + 3_000 });
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.every((s) => s === 3)).toBe(true);
    act(() => void vi.advanceTimersByTime(1_000));
    expect(rendered.at(-1)).toBe(2);
    rerender({ at: null });
    expect(rendered.at(-1)).toBeNull();
  });
});

describe('ConnectionStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    connection.state = 'open';
    connection.nextRetryAt = null;
  });

  it('announces the state once, not the countdown at every second', () => {
    connection.state = 'reconnecting';
    connection.nextRetryAt = Date.now() + 3_000;
    const { container } = render(<ConnectionStatus />);
    const live = screen.getByRole('status');
    const announced = [live.textContent];
    const shown = [container.textContent];
    for (let i = 0; i < 2; i++) {
      act(() => void vi.advanceTimersByTime(1_000));
      announced.push(screen.getByRole('status').textContent);
      shown.push(container.textContent);
    }
    // The pill counts down; what a screen reader is told stays "Reconnecting".
    expect(shown).toEqual([
      'Reconnecting in 3sRetry now',
      'Reconnecting in 2sRetry now',
      'Reconnecting in 1sRetry now',
    ]);
    expect(announced).toEqual(['Reconnecting', 'Reconnecting', 'Reconnecting']);
  });
});
