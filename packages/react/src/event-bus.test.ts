import type { SynclineClient } from '@syncline/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, tick } from '../../client/src/testing/harness.js';
import { EventBus } from './event-bus.js';

const zoneUpdate = (seq: number) => ({
  type: 'zone_update',
  room: 'doc:1',
  seq,
  ts: 0,
  from: 'u2',
  data: { zoneId: `z${seq}`, updates: {} },
});

describe('EventBus', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps two subscriptions of one handler apart: each is delivered, and each ends on its own', async () => {
    const h = setup();
    const ws = await h.open();
    const bus = new EventBus();
    const seen: number[] = [];
    const handler = (_data: unknown, event: { seq?: number }) => seen.push(event.seq ?? -1);
    const offA = bus.subscribe('zone_update', handler);
    // The second one made before the client is there, then moved onto it with the first.
    bus.attach(null);
    const offB = bus.subscribe('zone_update', handler);
    bus.attach(h.client as unknown as SynclineClient);
    ws.deliver(zoneUpdate(1));
    await tick();
    expect(seen).toEqual([1, 1]);
    offA();
    ws.deliver(zoneUpdate(2));
    await tick();
    expect(seen).toEqual([1, 1, 2]);
    expect(bus.size).toBe(1);
    offB();
    ws.deliver(zoneUpdate(3));
    await tick();
    expect(seen).toEqual([1, 1, 2]);
    h.client.close();
  });
});
