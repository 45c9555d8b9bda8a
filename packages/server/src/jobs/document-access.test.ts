import { PROTOCOL_VERSION } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { DocumentAccess } from './document-access.js';

const identity = (userId: string, roles: string[] = []): Identity => ({
  userId,
  name: userId,
  roles,
  claims: { sub: userId },
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Two hubs (nodes) sharing one log and one `LocalBus`, and a way to put a user in a room on one of them. */
function nodes() {
  const clock = new FakeClock();
  const store = new MemoryLogStore();
  const bus = new LocalBus(() => clock.now());
  const brokers = [new LocalBroker(bus), new LocalBroker(bus)];
  const hubs = brokers.map(
    (broker) =>
      new Hub({ store, broker, authenticate: async (t) => identity(t), clock, logger: silentLogger }),
  );
  for (const h of hubs) h.start();
  closers.push(async () => {
    for (const b of brokers) await b.close();
    await store.close();
  });
  const enter = async (hub: Hub, userId: string, type: 'join_room' | 'subscribe', room: string) => {
    const s = new MemorySocket();
    s.attach(hub.open(s, { ip: '127.0.0.1' }));
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token: userId });
    await clock.settle();
    s.write({ type, room, id: 'r1' });
    await clock.settle();
    return s;
  };
  return { hubs, brokers, enter, settle: () => clock.settle() };
}

describe('DocumentAccess', () => {
  it('lets in the owner, an admin, and whoever is in the document’s room on this node', async () => {
    const { hubs, enter } = nodes();
    const access = new DocumentAccess(hubs[0]);
    await enter(hubs[0], 'watcher', 'subscribe', 'doc:d1');
    expect(await access.allows(identity('olga'), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('root', ['admin']), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('watcher'), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('watcher'), 'd2', 'olga')).toBe(false);
    expect(await access.allows(identity('stranger'), 'd1', 'olga')).toBe(false);
  });

  it('lets in a user who joined the room on another node (the request went to this one)', async () => {
    const { hubs, enter, settle } = nodes();
    const access = new DocumentAccess(hubs[0]);
    const ben = await enter(hubs[1], 'ben', 'join_room', 'doc:d1');
    expect(await access.allows(identity('ben'), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('ben'), 'd2', 'olga')).toBe(false);
    expect(await access.allows(identity('stranger'), 'd1', 'olga')).toBe(false);
    ben.write({ type: 'leave_room', room: 'doc:d1', id: 'r2' });
    await settle();
    expect(await access.allows(identity('ben'), 'd1', 'olga')).toBe(false);
  });

  it('lets the app’s hook decide first', async () => {
    const { hubs } = nodes();
    const access = new DocumentAccess(hubs[0], ({ user }) => (user.userId === 'guest' ? true : undefined));
    expect(await access.allows(identity('guest'), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('olga'), 'd1', 'olga')).toBe(true);
    expect(await access.allows(identity('other'), 'd1', 'olga')).toBe(false);
  });
});
