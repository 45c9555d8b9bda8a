import type { SynclineClient } from '@syncline/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, tick } from '../../client/src/testing/harness.js';
import { SynclineRuntime } from './runtime.js';

describe('SynclineRuntime', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes its documents and leaves every room at once when closed, before its owner closes the client', async () => {
    const h = setup();
    const ws = await h.open();
    const client = h.client as unknown as SynclineClient; // see room-leases.test.ts
    const runtime = new SynclineRuntime(client, null);
    const lease = runtime.docs.acquire('d1');
    const presence = runtime.rooms.acquire('doc:d1', 'join'); // useCollaboration's
    const progress = runtime.rooms.acquire('doc:d2', 'subscribe'); // useWebSocketProgress's
    await tick();
    for (const m of [...ws.sentOf('join_room'), ...ws.sentOf('subscribe')])
      ws.deliver({ type: 'ack', id: m.id, data: { room: m.room, seq: 0, status: 'fresh' } });
    await tick();
    const open = ws.sentOf('request').find((m) => m.method === 'doc.open');
    ws.deliver({
      type: 'ack',
      id: open?.id,
      data: { documentId: 'd1', version: 0, snapshot: { zones: {}, meta: {} }, locks: [], members: [] },
    });
    await tick();
    lease.doc.setMeta('title', 'unsent'); // in flight, unanswered
    await tick();
    // The provider unmounts: its cleanup closes the runtime and the client it made before the hooks' cleanups
    // (React cleans a removed tree up from the top), whose releases then change nothing.
    runtime.close();
    // The document is closed at once (not left sending my edit without its room): the edit stays in its persistence.
    expect(lease.doc.isClosing).toBe(false);
    client.close();
    expect(ws.sentOf('leave_room').map((m) => m.room)).toEqual(['doc:d1']);
    expect(ws.sentOf('unsubscribe').map((m) => m.room)).toEqual(['doc:d2']);
    lease.release();
    presence.release();
    progress.release();
    await tick();
    expect(runtime.rooms.held()).toEqual({});
  });
});
