import { IDBFactory, IDBIndex, IDBTransaction } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IndexedDBOutboxStorage } from './indexeddb-outbox-storage.js';
import type { RestoredReply } from './messenger.js';
import type { StoredMessage } from './outbox-storage.js';
import { setup } from './testing/harness.js';

const T0 = 1_000_000;

const stored = (id: string, deadline = T0 + 60_000): StoredMessage => ({
  id,
  message: { type: 'publish', id, room: 'doc:1', event: 'zone_delete', data: { zoneId: id } },
  deadline,
});

describe('IndexedDBOutboxStorage', () => {
  afterEach(() => vi.useRealTimers());

  it('loads messages in the order they were put, and deletes by id', async () => {
    const storage = new IndexedDBOutboxStorage({ indexedDB: new IDBFactory() });
    await storage.put(stored('b:1'));
    await storage.put(stored('a:1'));
    await storage.put(stored('c:1'));
    await storage.delete('a:1');
    await storage.delete('missing');
    expect(await storage.load()).toEqual([stored('b:1'), stored('c:1')]);
    await storage.put(stored('b:1', 5)); // same id: replaced
    expect((await storage.load()).map((s) => [s.id, s.deadline])).toEqual([
      ['c:1', T0 + 60_000],
      ['b:1', 5],
    ]);
    await storage.clear();
    expect(await storage.load()).toEqual([]);
    await storage.close();
  });

  it('commits a new message at once, reading nothing first (a tab may close right after)', async () => {
    const storage = new IndexedDBOutboxStorage({ indexedDB: new IDBFactory() });
    await storage.load(); // the database open
    const commit = vi.spyOn(IDBTransaction.prototype, 'commit');
    const reads = vi.spyOn(IDBIndex.prototype, 'getKey');
    try {
      await storage.put(stored('a:1'));
      expect(commit).toHaveBeenCalledTimes(1);
      expect(reads).not.toHaveBeenCalled();
      expect(await storage.load()).toEqual([stored('a:1')]);
    } finally {
      commit.mockRestore();
      reads.mockRestore();
    }
  });

  it('is shared by instances opening the same database (a reload)', async () => {
    const indexedDB = new IDBFactory();
    const before = new IndexedDBOutboxStorage({ indexedDB, name: 'app' });
    await before.put(stored('x:1'));
    await before.close();
    const after = new IndexedDBOutboxStorage({ indexedDB, name: 'app' });
    expect(await after.load()).toEqual([stored('x:1')]);
    const other = new IndexedDBOutboxStorage({ indexedDB, name: 'other-user' });
    expect(await other.load()).toEqual([]);
    await Promise.all([after.close(), other.close()]);
  });

  it('rejects when IndexedDB is not available', async () => {
    const storage = new IndexedDBOutboxStorage(); // Node has no globalThis.indexedDB
    await expect(storage.load()).rejects.toThrow('IndexedDB is not available');
  });

  it('hands messages queued before a reload to the next client instance, which sends them', async () => {
    // IndexedDB (fake-indexeddb) schedules with setImmediate, which stays real here.
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const indexedDB = new IDBFactory();

    // First page: never gets a connection; two publishes wait in the persisted outbox.
    const firstStorage = new IndexedDBOutboxStorage({ indexedDB });
    const first = setup({ outbox: { storage: firstStorage }, autoConnect: false });
    first.client.publish('doc:1', 'zone_delete', { zoneId: 'a' }).catch(() => {});
    first.client.publish('doc:1', 'zone_delete', { zoneId: 'b' }).catch(() => {});
    await vi.waitFor(async () => expect(await firstStorage.load()).toHaveLength(2));
    first.client.close(); // the page goes away; the promises are gone
    await firstStorage.close();

    // Second page: loads them, sends them after the handshake, reports their replies as events.
    const secondStorage = new IndexedDBOutboxStorage({ indexedDB });
    const second = setup({ outbox: { storage: secondStorage } });
    const replies: RestoredReply[] = [];
    second.client.on('outboxReply', (r) => replies.push(r));
    await vi.waitFor(() => expect(second.net.sockets).toHaveLength(1));
    const ws = second.net.current;
    ws.accept();
    ws.deliver({
      type: 'welcome',
      v: 1,
      sessionId: 's',
      resumeKey: 'k',
      resumed: false,
      userId: 'u1',
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      maxPayload: 65_536,
      sessionGraceMs: 120_000,
      rooms: [{ room: 'doc:1', seq: 0, status: 'fresh' }],
      serverTime: T0,
    });
    const published = ws.sentOf('publish');
    expect(published.map((m) => m.data.zoneId)).toEqual(['a', 'b']);
    ws.deliver({ type: 'ack', id: published[0].id, data: { seq: 1 } });
    ws.deliver({ type: 'nack', id: published[1].id, code: 'forbidden', message: 'zone locked' });
    expect(replies).toMatchObject([
      { message: { id: published[0].id, data: { zoneId: 'a' } }, data: { seq: 1 } },
      { message: { id: published[1].id }, error: { code: 'forbidden' } },
    ]);
    await vi.waitFor(async () => expect(await secondStorage.load()).toEqual([]));
    second.client.close();
    await secondStorage.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
