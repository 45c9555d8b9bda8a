import type { SynclineClient } from '@syncline/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, tick } from '../../client/src/testing/harness.js';
import { RoomLeases } from './room-leases.js';

describe('RoomLeases', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('enters a room once for many holders, upgrades to join, and leaves after the last release', async () => {
    const { client, open } = setup();
    const ws = await open();
    // The harness builds its client from the client's src; RoomLeases takes the one of '@syncline/client', which tsc
    // reads from dist and vitest aliases to the same src: one class, seen twice by the type checker.
    const leases = new RoomLeases(client as unknown as SynclineClient);
    const a = leases.acquire('doc:1', 'subscribe');
    const b = leases.acquire('doc:1', 'subscribe');
    const c = leases.acquire('doc:1', 'join');
    await tick();
    expect(ws.sentOf('subscribe').map((m) => m.room)).toEqual(['doc:1']);
    expect(ws.sentOf('join_room').map((m) => m.room)).toEqual(['doc:1']);
    expect(leases.held()).toEqual({ 'doc:1': { join: 1, subscribe: 2 } });

    a.release();
    a.release(); // twice is once
    await tick();
    expect(ws.sentOf('leave_room')).toHaveLength(0);
    expect(ws.sentOf('unsubscribe')).toHaveLength(0);
    // The last join lease goes: back to subscribe (presence ends), the room's events go on.
    c.release();
    await tick();
    expect(ws.sentOf('leave_room').map((m) => m.room)).toEqual(['doc:1']);
    expect(ws.sentOf('subscribe').map((m) => m.room)).toEqual(['doc:1', 'doc:1']);
    expect(leases.held()).toEqual({ 'doc:1': { join: 0, subscribe: 1 } });
    b.release();
    await tick();
    expect(ws.sentOf('unsubscribe').map((m) => m.room)).toEqual(['doc:1']);
    expect(leases.held()).toEqual({});
    client.close();
  });

  it('enters the room again for the next lease when the last enter command failed', async () => {
    const { client, open } = setup();
    const ws = await open();
    const leases = new RoomLeases(client as unknown as SynclineClient);
    const a = leases.acquire('doc:1', 'subscribe');
    await tick();
    ws.deliver({ type: 'nack', id: ws.last('subscribe').id, code: 'timeout', message: 'slow network' });
    await expect(a.entered).rejects.toMatchObject({ code: 'timeout' });
    // The client forgot the room: a new holder is not handed the old refusal but enters it again.
    const b = leases.acquire('doc:1', 'subscribe');
    await tick();
    expect(ws.sentOf('subscribe')).toHaveLength(2);
    ws.deliver({
      type: 'ack',
      id: ws.last('subscribe').id,
      data: { room: 'doc:1', seq: 3, status: 'fresh' },
    });
    await expect(b.entered).resolves.toMatchObject({ room: 'doc:1' });
    // Once in, further holders share the membership.
    leases.acquire('doc:1', 'subscribe');
    await tick();
    expect(ws.sentOf('subscribe')).toHaveLength(2);
    client.close();
  });

  it('keeps the membership when a holder releases and another acquires at once (StrictMode, a remount)', async () => {
    const { client, open } = setup();
    const ws = await open();
    const leases = new RoomLeases(client as unknown as SynclineClient);
    // React StrictMode runs every effect twice: enter, release, enter again, in one go.
    leases.acquire('doc:1', 'join').release();
    const join = leases.acquire('doc:1', 'join');
    leases.acquire('doc:1', 'subscribe').release();
    const sub = leases.acquire('doc:1', 'subscribe');
    await tick();
    expect(ws.sentOf('join_room')).toHaveLength(1);
    expect(ws.sentOf('subscribe')).toHaveLength(0);
    expect(ws.sentOf('leave_room')).toHaveLength(0);
    // Presence goes back and forth likewise: the last join lease goes and another comes at once.
    join.release();
    const join2 = leases.acquire('doc:1', 'join');
    await tick();
    expect(ws.sentOf('join_room')).toHaveLength(1);
    expect(ws.sentOf('leave_room')).toHaveLength(0);
    join2.release();
    sub.release();
    await tick();
    expect(ws.sentOf('leave_room').map((m) => m.room)).toEqual(['doc:1']);
    expect(ws.sentOf('subscribe')).toHaveLength(0);
    expect(leases.held()).toEqual({});
    client.close();
  });
});
