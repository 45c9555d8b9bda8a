// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CollaborationCursor } from '../use-collaboration.js';
import { CursorTracker } from './cursor-tracker.js';

function Pane({ cursors, staleMs }: { cursors: readonly CollaborationCursor[]; staleMs: number }) {
  const container = useRef<HTMLDivElement>(null);
  const page = useRef<HTMLDivElement>(null);
  return (
    <div ref={container}>
      <div ref={page} />
      <CursorTracker
        cursors={cursors}
        containerRef={container}
        pageElement={() => page.current}
        staleMs={staleMs}
      />
    </div>
  );
}

const cursor = (userId: string, at: number): CollaborationCursor => ({
  userId,
  name: userId,
  color: 'red',
  page: 0,
  x: 0.5,
  y: 0.5,
  at,
});

describe('CursorTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('hides a cursor once it has not moved for staleMs, without waiting for another render', () => {
    const { rerender } = render(<Pane cursors={[]} staleMs={1_000} />);
    const cursors = [cursor('ann', Date.now()), cursor('ben', Date.now() + 500)];
    rerender(<Pane cursors={cursors} staleMs={1_000} />);
    expect(screen.getByText('ann')).toBeTruthy();
    act(() => void vi.advanceTimersByTime(1_001));
    expect(screen.queryByText('ann')).toBeNull();
    expect(screen.getByText('ben')).toBeTruthy();
    act(() => void vi.advanceTimersByTime(500));
    expect(screen.queryByText('ben')).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });
});
