// @vitest-environment jsdom
import type { SynclineClient } from '@syncline/client';
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SynclineContext, type SynclineContextValue } from './context.js';
import type { RoomLeases } from './room-leases.js';
import { type DocumentTracker, useDocumentTracker } from './use-document-tracker.js';

let made: FakeTracker[] = [];

class FakeTracker implements DocumentTracker<string> {
  private state: string;
  private readonly listeners = new Set<() => void>();
  closed = false;

  constructor(
    readonly client: SynclineClient,
    readonly rooms: RoomLeases,
    readonly documentId: string,
  ) {
    this.state = `${documentId}: new`;
    made.push(this);
  }

  getSnapshot = () => this.state;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(state: string): void {
    this.state = state;
    for (const l of [...this.listeners]) l();
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }
}

const idle = () => 'idle';
const client = {} as SynclineClient;
const rooms = {} as RoomLeases;

/** A provider's context with a runtime (its client and rooms) or, with `connected: false`, none yet. */
function wrapper(connected = true) {
  const value = { runtime: connected ? { client, rooms } : null } as unknown as SynclineContextValue;
  return ({ children }: { children?: ReactNode }) => (
    <SynclineContext.Provider value={value}>{children}</SynclineContext.Provider>
  );
}

describe('useDocumentTracker', () => {
  beforeEach(() => {
    made = [];
  });
  afterEach(cleanup);

  it('is idle, with no tracker, without a client or a document', () => {
    const offline = renderHook(() => useDocumentTracker(FakeTracker, 'd1', idle), {
      wrapper: wrapper(false),
    });
    expect(offline.result.current).toEqual({ tracker: null, state: 'idle' });
    const none = renderHook(() => useDocumentTracker(FakeTracker, null, idle), { wrapper: wrapper() });
    expect(none.result.current).toEqual({ tracker: null, state: 'idle' });
    expect(made).toHaveLength(0);
  });

  it("makes the document's tracker on the provider's client, follows its state, and closes it on unmount", () => {
    const { result, unmount } = renderHook(() => useDocumentTracker(FakeTracker, 'd1', idle), {
      wrapper: wrapper(),
    });
    expect(made).toHaveLength(1);
    const [t] = made;
    expect(t).toMatchObject({ client, rooms, documentId: 'd1' });
    expect(result.current).toEqual({ tracker: t, state: 'd1: new' });
    act(() => t.set('d1: running'));
    expect(result.current.state).toBe('d1: running');
    unmount();
    expect(t.closed).toBe(true);
  });

  it('closes the tracker of the previous document and follows the new one, never showing the old one', () => {
    const states: string[] = [];
    const { result, rerender } = renderHook(
      ({ id }) => {
        const r = useDocumentTracker(FakeTracker, id, idle);
        states.push(r.state);
        return r;
      },
      { wrapper: wrapper(), initialProps: { id: 'd1' } },
    );
    states.length = 0;
    rerender({ id: 'd2' });
    // Rendered for d2 before its tracker exists: idle, not d1's state.
    expect(states).toEqual(['idle', 'd2: new']);
    expect(made.map((t) => [t.documentId, t.closed])).toEqual([
      ['d1', true],
      ['d2', false],
    ]);
    expect(result.current).toEqual({ tracker: made[1], state: 'd2: new' });
    act(() => made[0].set('d1: late'));
    expect(result.current.state).toBe('d2: new');
  });
});
