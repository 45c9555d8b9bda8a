// @vitest-environment jsdom
import type { SynclineClient } from '@syncline/client';
import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { until, worldPerTest, testZone as zone } from './testing/server.js';
import { type DocumentHistoryOptions, useDocumentHistory } from './use-document-history.js';
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
});
