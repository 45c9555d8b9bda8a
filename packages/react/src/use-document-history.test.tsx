// @vitest-environment jsdom
import type { SynclineClient } from '@syncline/client';
import type { HistoryEntry } from '@syncline/protocol';
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SynclineContext, type SynclineContextValue } from './context.js';
import { until, worldPerTest, testZone as zone } from './testing/server.js';
import {
  type DocumentHistory,
  type DocumentHistoryOptions,
  useDocumentHistory,
} from './use-document-history.js';
import { useRealTimeDocument } from './use-real-time-document.js';

/** Counts the `doc.history` requests a client makes. */
function countHistoryRequests(client: SynclineClient): { readonly count: number } {
  let count = 0;
  const request = client.request.bind(client);
  client.request = ((method: string, ...rest: never[]) => {
    if (method === 'doc.history') count++;
    return request(method as never, ...rest);
  }) as typeof client.request;
  return {
    get count() {
      return count;
    },
  };
}

describe('useDocumentHistory', () => {
  const setup = worldPerTest();

  function open(userId: string, options: DocumentHistoryOptions = {}) {
    const { world, documentId } = setup;
    const client = world.client(userId);
    const requests = countHistoryRequests(client);
    const hook = renderHook(
      () => ({ doc: useRealTimeDocument(documentId), history: useDocumentHistory(documentId, options) }),
      { wrapper: world.wrapper(client) },
    );
    return {
      client,
      requests,
      doc: () => hook.result.current.doc,
      history: () => hook.result.current.history,
    };
  }

  it("lists the latest entries and follows everyone's committed ops, oldest first", async () => {
    const a = open('ann', { limit: 3, refreshMs: 10 });
    const b = open('ben');
    await until(() => a.doc().isReady && b.doc().isReady && !a.history().loading);
    expect(a.history()).toMatchObject({ entries: [], loading: false, error: null, hasOlder: false });

    act(() => void a.doc().createZone(zone('z1', 'draft')));
    await until(() => b.doc().document.zones.z1);
    act(() => void b.doc().editZoneText('z1', { pos: 5, ins: '!' }));
    await until(() => a.history().entries.length === 2);
    expect(a.history().entries.map((e) => [e.version, e.userId, e.kind, e.zoneIds])).toEqual([
      [1, 'ann', 'zone_create', ['z1']],
      [2, 'ben', 'zone_edit', ['z1']],
    ]);

    for (const label of ['a', 'b', 'c']) {
      act(() => void b.doc().updateZone('z1', { label }));
      await until(() => b.doc().pendingCount === 0);
    }
    // Only the latest `limit` are kept.
    await until(() => a.history().entries.at(-1)?.version === 5);
    expect(a.history().entries.map((e) => e.version)).toEqual([3, 4, 5]);
  });

  it('loads older pages on demand and keeps them', async () => {
    const a = open('ann', { limit: 2, refreshMs: 10 });
    await until(() => a.doc().isReady && !a.history().loading);
    act(() => void a.doc().createZone(zone('z1', 'draft')));
    for (const label of ['a', 'b', 'c', 'd']) {
      act(() => void a.doc().updateZone('z1', { label }));
      await until(() => a.doc().pendingCount === 0);
    }
    await until(() => a.history().entries.at(-1)?.version === 5);
    expect(a.history().entries.map((e) => e.version)).toEqual([4, 5]);
    expect(a.history().hasOlder).toBe(true);
    await act(() => a.history().loadOlder());
    expect(a.history().entries.map((e) => e.version)).toEqual([2, 3, 4, 5]);
    await act(() => a.history().loadOlder());
    expect(a.history().entries.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(a.history().hasOlder).toBe(false);
    expect(a.history().entries[0].kind).toBe('zone_create');
  });

  it('asks at most once per refreshMs while ops keep coming, and nothing while disabled', async () => {
    const a = open('ann', { refreshMs: 300 });
    const idle = open('cy', { enabled: false });
    await until(() => a.doc().isReady && idle.doc().isReady && !a.history().loading);
    const started = Date.now();
    act(() => void a.doc().createZone(zone('z1')));
    for (let i = 0; i < 40; i++) {
      act(() => void a.doc().editZoneText('z1', { pos: i, ins: 'x' }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => a.doc().pendingCount === 0);
    const last = a.doc().version;
    await until(() => a.history().entries.at(-1)?.version === last);
    const periods = Math.ceil((Date.now() - started) / 300);
    expect(a.requests.count).toBeLessThanOrEqual(periods + 2); // the first page, then one per period at most
    expect(a.history().entries.filter((e) => e.kind === 'zone_edit').length).toBe(last - 1);
    expect(idle.requests.count).toBe(0);
    expect(idle.history().entries).toEqual([]);
  });

  it('is not loading while disabled or without a document, and loads once enabled', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const requests = countHistoryRequests(client);
    const hook = renderHook(
      ({ id, enabled }: { id: string | null; enabled: boolean }) => ({
        doc: useRealTimeDocument(documentId),
        history: useDocumentHistory(id, { enabled }),
      }),
      { wrapper: world.wrapper(client), initialProps: { id: documentId as string | null, enabled: false } },
    );
    await until(() => hook.result.current.doc.isReady);
    expect(hook.result.current.history).toMatchObject({ entries: [], loading: false, error: null });
    hook.rerender({ id: null, enabled: true });
    expect(hook.result.current.history.loading).toBe(false);
    hook.rerender({ id: documentId, enabled: true });
    expect(hook.result.current.history.loading).toBe(true);
    await until(() => !hook.result.current.history.loading);
    expect(requests.count).toBe(1);
  });
});

/** A document replica standing in for `DocumentClient`: its version, `doc.history` requests answered by the test. */
class FakeDoc {
  version = 0;
  readonly ready = Promise.resolve();
  readonly asked: { from: number; limit: number; answer: (entries: HistoryEntry[]) => void }[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly resyncs = new Set<() => void>();

  constructor(readonly documentId: string) {}

  history(options: { from: number; limit: number }): Promise<HistoryEntry[]> {
    return new Promise((resolve) => this.asked.push({ ...options, answer: resolve }));
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  on(name: 'resync', listener: () => void) {
    expect(name).toBe('resync');
    this.resyncs.add(listener);
    return () => this.resyncs.delete(listener);
  }

  /** Committed ops up to `version` arrived. */
  advance(version: number): void {
    this.version = version;
    for (const l of [...this.listeners]) l();
  }

  /** Re-opened from a snapshot at `version` (a reset, a repaired replica). */
  resync(version: number): void {
    this.version = version;
    for (const l of [...this.resyncs]) l();
    for (const l of [...this.listeners]) l();
  }
}

const entry = (version: number, userId = 'ann'): HistoryEntry =>
  ({
    version,
    userId,
    ts: version,
    opId: `op${version}`,
    kind: 'zone_edit',
    zoneIds: ['z1'],
  }) as HistoryEntry;
const entries = (from: number, to: number, userId?: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, userId));

/** A provider's context whose documents are the fakes in `docs`. */
function wrapper(docs: Map<string, FakeDoc>) {
  const runtime = {
    docs: {
      acquire: (id: string) => {
        let doc = docs.get(id);
        if (!doc) {
          doc = new FakeDoc(id);
          docs.set(id, doc);
        }
        return { doc, issues: null, release: () => {} };
      },
    },
  };
  const value = { runtime } as unknown as SynclineContextValue;
  return ({ children }: { children?: ReactNode }) => (
    <SynclineContext.Provider value={value}>{children}</SynclineContext.Provider>
  );
}

const flush = () => act(() => vi.advanceTimersByTimeAsync(0));

describe('useDocumentHistory (against a fake document)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('fetches the page again after a resync that happened while a request was under way', async () => {
    const docs = new Map<string, FakeDoc>();
    const { result } = renderHook(() => useDocumentHistory('d1', { limit: 10, refreshMs: 100 }), {
      wrapper: wrapper(docs),
    });
    const doc = docs.get('d1') as FakeDoc;
    doc.advance(3);
    await flush();
    expect(doc.asked).toHaveLength(1);

    // The replica is re-opened from a snapshot (the document was reset to version 1) while the page is on its
    // way: that page speaks of the old history and is dropped, and the new history must be asked for.
    doc.resync(1);
    await act(async () => doc.asked[0].answer(entries(1, 3)));
    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(doc.asked).toHaveLength(2);
    await act(async () => doc.asked[1].answer([entry(1, 'ben')]));
    expect(result.current.entries.map((e) => [e.version, e.userId])).toEqual([[1, 'ben']]);
  });

  it("never shows the previous document's entries for a new document id", async () => {
    const docs = new Map<string, FakeDoc>();
    const seen: { id: string; history: DocumentHistory }[] = [];
    const { rerender } = renderHook(
      ({ id }) => {
        const history = useDocumentHistory(id, { limit: 10 });
        seen.push({ id, history });
        return history;
      },
      { wrapper: wrapper(docs), initialProps: { id: 'a' } },
    );
    const a = docs.get('a') as FakeDoc;
    a.advance(2);
    await flush();
    await act(async () => a.asked[0].answer(entries(1, 2)));
    expect(seen.at(-1)?.history.entries).toHaveLength(2);

    seen.length = 0;
    rerender({ id: 'b' });
    await flush();
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.id).toBe('b');
      expect(s.history.entries).toEqual([]);
      expect(s.history.loading).toBe(true);
    }
  });
});
