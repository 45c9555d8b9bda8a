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
  it('tells a holder each time the room is entered, also when a later holder got in after a failed enter', async () => {
    const { client, open } = setup();
    const ws = await open();
    const leases = new RoomLeases(client as unknown as SynclineClient);
    const presence = leases.acquire('doc:1', 'join');
    let entered = 0;
    presence.onEntered(() => entered++);
    await tick();
    ws.deliver({ type: 'nack', id: ws.last('join_room').id, code: 'timeout', message: 'slow network' });
    await expect(presence.entered).rejects.toMatchObject({ code: 'timeout' });
    expect(entered).toBe(0);
    // The document's retry gets in: the presence holder hears of it (its member list is to be fetched now).
    const doc = leases.acquire('doc:1', 'join', { again: true });
    await tick();
    ws.deliver({
      type: 'ack',
      id: ws.last('join_room').id,
      data: { room: 'doc:1', seq: 0, status: 'fresh' },
    });
    await doc.entered;
    await tick();
    expect(entered).toBe(1);
    // A holder that comes once the room is entered hears of it at once.
    let late = 0;
    leases.acquire('doc:1', 'subscribe').onEntered(() => late++);
    expect(late).toBe(1);
    // Released, a holder hears nothing more.
    presence.release();
    leases.acquire('doc:1', 'join', { again: true });
    await tick();
    ws.deliver({
      type: 'ack',
      id: ws.last('join_room').id,
      data: { room: 'doc:1', seq: 0, status: 'fresh' },
    });
    await tick();
    expect(entered).toBe(1);
    expect(late).toBe(2);
    client.close();
  });

  it('counts the memberships of one client across providers: one leaving keeps the rooms the other holds', async () => {
    const { client, open } = setup();
    const ws = await open();
    const c = client as unknown as SynclineClient;
    // Two providers given the same client (two React roots on one page).
    const first = new RoomLeases(c);
    const second = new RoomLeases(c);
    const a = first.acquire('doc:1', 'join');
    first.acquire('doc:2', 'subscribe');
    const b = second.acquire('doc:1', 'join');
    await tick();
    expect(ws.sentOf('join_room').map((m) => m.room)).toEqual(['doc:1']); // entered once
    for (const m of [...ws.sentOf('join_room'), ...ws.sentOf('subscribe')])
      ws.deliver({ type: 'ack', id: m.id, data: { room: m.room, seq: 0, status: 'fresh' } });
    await tick();
    // The first provider goes: it leaves what only it held, at once, and nothing the second holds.
    first.leaveAll();
    a.release(); // its hooks' releases come after and change nothing
    await tick();
    expect(ws.sentOf('unsubscribe').map((m) => m.room)).toEqual(['doc:2']);
    expect(ws.sentOf('leave_room')).toHaveLength(0);
    expect(second.held()).toEqual({ 'doc:1': { join: 1, subscribe: 0 } });
    b.release();
    await tick();
    expect(ws.sentOf('leave_room').map((m) => m.room)).toEqual(['doc:1']);
    expect(second.held()).toEqual({});
    client.close();
  });
});
