import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocumentClient } from './document-client.js';
import { quiesce, world } from './fake-doc-server.js';
import type { DocNotice, DocRejection } from './types.js';

const T0 = 1_000_000;
// fake-indexeddb and the fake network use setImmediate, which stays real here.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DocumentClient locks', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('keeps the locks of the document from open and lock events, and renews mine every third of the lease', async () => {
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);

    const lock = await ann.doc.lock('z1');
    expect(lock).toEqual({ zoneId: 'z1', userId: 'ann', expiresAt: T0 + 30_000 });
    await quiesce([ann.conn, bob.conn], tick);
    expect(ann.doc.getSnapshot().locks).toEqual({ z1: lock });
    expect(bob.doc.locks).toEqual({ z1: lock });
    expect(ann.doc.holdsLock('z1')).toBe(true);

    const renewals = () => ann.conn.requests.filter((r) => r.method === 'doc.lock').length;
    await vi.advanceTimersByTimeAsync(9_999);
    expect(renewals()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await quiesce([ann.conn, bob.conn], tick);
    expect(renewals()).toBe(2);
    expect(bob.doc.locks.z1.expiresAt).toBe(T0 + 40_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewals()).toBe(3);

    // A late joiner sees the lock from doc.open.
    const cid = open('cid');
    await cid.doc.ready;
    expect(cid.doc.locks.z1).toMatchObject({ userId: 'ann' });

    await ann.doc.unlock('z1');
    await quiesce([ann.conn, bob.conn, cid.conn], tick);
    expect(ann.doc.locks).toEqual({});
    expect(bob.doc.locks).toEqual({});
    expect(ann.doc.holdsLock('z1')).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renewals()).toBe(3);
    for (const c of [ann, bob, cid]) c.doc.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rolls back an edit of a zone someone else locked, and tells why', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const rejected: DocRejection[] = [];
    bob.doc.on('rejected', (r) => rejected.push(r));
    ann.conn.auto = false;
    const locked = ann.doc.lock('z1');
    ann.conn.drain(); // the server takes the lock; bob has not heard of it yet
    await locked;
    bob.doc.editText('z1', { pos: 0, ins: 'mine ' });
    bob.doc.editText('z2', { pos: 0, ins: 'ok ' });
    await quiesce([ann.conn, bob.conn], tick);
    expect(rejected).toEqual([
      { code: 'zone_locked', message: 'zone z1 is locked by ann', zoneIds: ['z1'], opId: expect.any(String) },
    ]);
    expect(bob.doc.doc.zones.z1.text).toBe('hello');
    expect(bob.doc.doc).toEqual(server.doc);
    expect(server.doc.zones.z2.text).toBe('ok world');
    ann.doc.close();
    bob.doc.close();
  });

  it('tells me when a lock I hold is gone, and stops renewing it', async () => {
    const { server, open } = world({ ownerId: 'bob', now: () => Date.now() });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    await ann.doc.lock('z2');
    server.expireLock('z1');
    await quiesce([ann.conn, bob.conn], tick);
    expect(notices).toEqual([
      {
        reason: 'lock_lost',
        zoneIds: ['z1'],
        partial: false,
        action: 'lock',
        detail: 'expired',
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'hello',
      },
    ]);
    await bob.doc.unlock('z2', { force: true }); // the owner
    await quiesce([ann.conn, bob.conn], tick);
    expect(notices.at(-1)).toMatchObject({ zoneIds: ['z2'], detail: 'forced' });
    expect(ann.doc.locks).toEqual({});
    expect(ann.doc.holdsLock('z2')).toBe(false);
    await expect(ann.doc.unlock('z9', { force: true })).resolves.toBeUndefined(); // nothing to release
    ann.doc.close();
    bob.doc.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops renewing my lock once I release it on another device, without a notice', async () => {
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const one = open('ann');
    const two = open('ann'); // the same user on another device
    await Promise.all([one.doc.ready, two.doc.ready]);
    const notices: DocNotice[] = [];
    one.doc.on('notice', (n) => notices.push(n));
    await one.doc.lock('z1');
    await quiesce([one.conn, two.conn], tick);
    expect(two.doc.locks.z1).toMatchObject({ userId: 'ann' });
    expect(two.doc.holdsLock('z1')).toBe(false); // the first device holds and renews it
    await two.doc.unlock('z1');
    await quiesce([one.conn, two.conn], tick);
    expect(one.doc.locks).toEqual({});
    expect(one.doc.holdsLock('z1')).toBe(false);
    const renewals = () => one.conn.requests.filter((r) => r.method === 'doc.lock').length;
    const before = renewals();
    await vi.advanceTimersByTimeAsync(60_000);
    await quiesce([one.conn, two.conn], tick);
    expect(renewals()).toBe(before); // not locked again by a renewal
    expect(two.doc.locks).toEqual({});
    expect(notices).toEqual([]);
    one.doc.close();
    two.doc.close();
  });

  it('does not keep (and renew) a lock released before the reply to its lock came', async () => {
    const { server, open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    const locked = ann.doc.lock('z1'); // focus...
    const unlocked = ann.doc.unlock('z1'); // ...and blur, before the server answered
    await Promise.all([locked, unlocked]);
    await quiesce([ann.conn], tick);
    expect(server.locks.size).toBe(0);
    expect(ann.doc.holdsLock('z1')).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    await quiesce([ann.conn], tick);
    expect(server.locks.size).toBe(0); // no renewal took the zone again
    expect(ann.doc.locks).toEqual({});
    ann.doc.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('renews after a reconnect, and releases what it holds on close', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    await ann.doc.lock('z1');
    ann.conn.disconnect();
    await vi.advanceTimersByTimeAsync(10_000); // the renewal cannot go out
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    expect(server.locks.get('z1')?.expiresAt).toBe(T0 + 40_000);
    ann.doc.close();
    await quiesce([ann.conn], tick);
    expect(server.locks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases on close a lock whose reply had not come yet (nobody would release it before its lease ran out)', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann', { auto: false });
    await quiesce([ann.conn], tick);
    await ann.doc.ready;
    const locked = ann.doc.lock('z1'); // focus, then the page closes before the server answered
    ann.doc.close();
    await quiesce([ann.conn], tick);
    await expect(locked).resolves.toMatchObject({ zoneId: 'z1', userId: 'ann' });
    expect(server.locks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases on close a lock asked for offline: the queued lock goes out after the reconnect, so must the unlock', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    ann.conn.disconnect();
    const locked = ann.doc.lock('z1'); // queued until the reconnect
    ann.doc.close();
    // The document is opened again (its room entered again) before the reconnect: the lock is granted then.
    const again = new DocumentClient(ann.conn, server.documentId, {});
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    await again.ready;
    await expect(locked).resolves.toMatchObject({ zoneId: 'z1', userId: 'ann' });
    expect(server.locks.size).toBe(0); // else held, renewed by nobody, until its lease ran out
    expect(again.locks).toEqual({});
    again.close();
    await quiesce([ann.conn], tick);
    expect(vi.getTimerCount()).toBe(0);
  });
});
