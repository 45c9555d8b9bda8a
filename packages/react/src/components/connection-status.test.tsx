// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useCountdown } from './connection-status.js';

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
