import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocumentClient } from './document-client.js';
import { quiesce, world } from './fake-doc-server.js';
import { LockKeeper } from './locks.js';
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

  /**
   * The server reads its lock list, then an unlock is published and reaches the client before the `doc.open` answer
   * that carries the list: the list's lock has ended (the event was handled first).
   */
  async function unlockBeforeTheAnswer(annKnowsTheLock: boolean) {
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const bob = open('bob');
    await bob.doc.ready;
    await bob.doc.lock('z1');
    const ann = open('ann', { auto: annKnowsTheLock });
    if (annKnowsTheLock) {
      await ann.doc.ready;
      await quiesce([ann.conn, bob.conn], tick);
      expect(ann.doc.locks.z1?.userId).toBe('bob');
      // A reconnect past the room's retention: the document opens again, with the network in the test's hands.
      ann.conn.auto = false;
      ann.conn.disconnect();
      ann.conn.reconnect({ reset: true });
      await tick();
    }
    // Up to the server's answer to the open (it read the list: z1 is bob's), which stays on its way.
    const down = ann.conn.downlink;
    const answerAt = () =>
      down.findIndex((d) => d.kind === 'reply' && (d.result as { locks?: unknown })?.locks);
    for (let i = 0; i < 20 && answerAt() < 0; i++) {
      await tick();
      while (ann.conn.deliverUp()) {}
      if (answerAt() < 0) while (ann.conn.deliverDown()) {}
    }
    await bob.doc.unlock('z1');
    await quiesce([bob.conn], tick);
    const unlock = down.findIndex((d) => d.kind === 'event' && d.event.type === 'zone_unlock');
    const answer = answerAt();
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(unlock).toBeGreaterThan(answer);
    down.splice(answer, 0, ...down.splice(unlock, 1)); // the event overtakes the answer
    ann.conn.auto = true;
    await quiesce([ann.conn, bob.conn], tick);
    await ann.doc.ready;
    return { ann, bob };
  }

  it('an unlock heard while doc.open is on its way stands over the lock in its answer (a lock known before)', async () => {
    const { ann, bob } = await unlockBeforeTheAnswer(true);
    expect(ann.doc.locks).toEqual({});
    expect(bob.doc.locks).toEqual({});
    ann.doc.close();
    bob.doc.close();
  });

  it('an unlock heard while doc.open is on its way stands over the lock in its answer (a first open)', async () => {
    const { ann, bob } = await unlockBeforeTheAnswer(false);
    expect(ann.doc.locks).toEqual({});
    ann.doc.close();
    bob.doc.close();
  });

  it("renews on the server's clock: a client whose clock is a minute behind keeps its lock", async () => {
    // The server's clock is 60 s ahead: a lease reckoned on the client's clock looked 90 s long, renewed after 30 s,
    // when the 30 s lease had already ended.
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() + 60_000 });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    const lock = await ann.doc.lock('z1');
    expect(lock.expiresAt).toBe(T0 + 90_000);
    const renewals = () => ann.conn.requests.filter((r) => r.method === 'doc.lock').length;
    await vi.advanceTimersByTimeAsync(10_000);
    await quiesce([ann.conn, bob.conn], tick);
    expect(renewals()).toBe(2);
    for (let i = 0; i < 12; i++) {
      await vi.advanceTimersByTimeAsync(5_000);
      await quiesce([ann.conn, bob.conn], tick);
    }
    expect(ann.doc.holdsLock('z1')).toBe(true);
    expect(bob.doc.locks.z1?.userId).toBe('ann');
    expect(notices).toEqual([]);
    ann.doc.close();
    bob.doc.close();
  });

  it('two calls for one lock before the document is open both get it (one is not taken for given up)', async () => {
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    expect(ann.doc.getSnapshot().status).toBe('opening');
    const first = ann.doc.lock('z1');
    const second = ann.doc.lock('z1');
    await expect(first).resolves.toMatchObject({ zoneId: 'z1', userId: 'ann' });
    await expect(second).resolves.toMatchObject({ zoneId: 'z1', userId: 'ann' });
    expect(ann.doc.holdsLock('z1')).toBe(true);
    // One unlock gives up a wish however many calls wait on it.
    const bob = open('bob');
    const a = bob.doc.lock('z2');
    const b = bob.doc.lock('z2');
    void bob.doc.unlock('z2').catch(() => {});
    await expect(a).rejects.toMatchObject({ code: 'closed' });
    await expect(b).rejects.toMatchObject({ code: 'closed' });
    ann.doc.close();
    bob.doc.close();
  });

  it('asks for a lock wanted before the document is open once it is; an unlock meanwhile gives it up', async () => {
    const { open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    expect(ann.doc.getSnapshot().status).toBe('opening');
    const early = ann.doc.lock('z1'); // the room not entered yet: the server would say not_joined
    const givenUp = ann.doc.lock('z2');
    void ann.doc.unlock('z2').catch(() => {});
    await expect(givenUp).rejects.toMatchObject({ code: 'closed' });
    await expect(early).resolves.toMatchObject({ zoneId: 'z1', userId: 'ann' });
    expect(ann.doc.holdsLock('z1')).toBe(true);
    expect(ann.doc.holdsLock('z2')).toBe(false);
    // Offline: asked for after the reconnect.
    ann.conn.disconnect();
    const offline = ann.doc.lock('z2');
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    await expect(offline).resolves.toMatchObject({ zoneId: 'z2', userId: 'ann' });
    // Closed before: rejected.
    ann.conn.disconnect();
    const never = ann.doc.lock('z3');
    ann.doc.close();
    await expect(never).rejects.toMatchObject({ code: 'closed' });
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
    expect(notices.at(-1)).toMatchObject({ zoneIds: ['z2'], detail: 'forced', byUserId: 'bob' });
    expect(ann.doc.locks).toEqual({});
    expect(ann.doc.holdsLock('z2')).toBe(false);
    await expect(ann.doc.unlock('z9', { force: true })).resolves.toBeUndefined(); // nothing to release
    ann.doc.close();
    bob.doc.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('names the owner who forced my lock open, by the name the server gave', async () => {
    const { server, open } = world({ ownerId: 'olga', now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    // The sequencer's `zone_unlock` of a forced lock: who forced it, and their token's name.
    const room = server.room;
    ann.conn.push({
      kind: 'event',
      room,
      event: {
        seq: server.roomSeq(room) + 1,
        type: 'zone_unlock',
        data: {
          documentId: server.documentId,
          zoneId: 'z1',
          userId: 'ann',
          reason: 'forced',
          byUserId: 'olga',
          byUserName: 'Olga',
        },
      },
    });
    await quiesce([ann.conn], tick);
    expect(notices).toEqual([
      expect.objectContaining({
        reason: 'lock_lost',
        detail: 'forced',
        byUserId: 'olga',
        byUserName: 'Olga',
        byUserIds: ['olga'],
      }),
    ]);
    expect(ann.doc.user('olga')).toEqual({ userId: 'olga', name: 'Olga' }); // remembered, as other names heard
    expect(ann.doc.holdsLock('z1')).toBe(false);
    ann.doc.close();
  });

  it('tells me who took my lock while I was away, though the room replays its end before the new lock', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    ann.conn.disconnect();
    // Away, its lease runs out, and bob locks the zone.
    server.expireLock('z1');
    await bob.doc.lock('z1');
    await quiesce([bob.conn], tick);
    // Back: the room replays zone_unlock (expired) then bob's zone_lock; the renewal sent on reconnecting is refused.
    ann.conn.reconnect();
    await quiesce([ann.conn, bob.conn], tick);
    expect(notices).toEqual([
      expect.objectContaining({ reason: 'lock_lost', detail: 'taken', byUserId: 'bob', zoneIds: ['z1'] }),
    ]);
    expect(ann.doc.holdsLock('z1')).toBe(false);
    expect(ann.doc.locks.z1).toMatchObject({ userId: 'bob' });
    ann.doc.close();
    bob.doc.close();
  });

  it('tells me my lock was taken while I was away when the refused renewal overtakes the replayed new lock', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    const bob = open('bob');
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    ann.conn.disconnect();
    server.expireLock('z1');
    await bob.doc.lock('z1');
    await quiesce([bob.conn], tick);
    ann.conn.auto = false;
    ann.conn.reconnect();
    await tick();
    while (ann.conn.deliverUp()) {} // the renewal, refused: bob holds the zone
    // A long replay, sent a page at a time: the answer comes between its zone_unlock and bob's zone_lock.
    const [unlock, lock, ...rest] = ann.conn.downlink.splice(0);
    expect([unlock, lock].map((d) => d.kind === 'event' && d.event.type)).toEqual([
      'zone_unlock',
      'zone_lock',
    ]);
    ann.conn.downlink.push(unlock, ...rest);
    while (ann.conn.deliverDown()) {}
    await tick(); // the refusal is handled before bob's zone_lock comes
    ann.conn.downlink.push(lock);
    ann.conn.auto = true;
    await quiesce([ann.conn, bob.conn], tick);
    expect(notices).toEqual([
      expect.objectContaining({ reason: 'lock_lost', detail: 'taken', zoneIds: ['z1'] }),
    ]);
    expect(ann.doc.holdsLock('z1')).toBe(false);
    ann.doc.close();
    bob.doc.close();
  });

  it('tells me my lock expired while I was away when nobody took the zone: the renewal does not make it again', async () => {
    const { server, open } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    ann.conn.disconnect();
    server.expireLock('z1');
    ann.conn.reconnect(); // the replayed zone_unlock (expired) comes before the renewal's answer (refused: it ended)
    await quiesce([ann.conn], tick);
    expect(notices).toEqual([
      expect.objectContaining({ reason: 'lock_lost', detail: 'expired', zoneIds: ['z1'] }),
    ]);
    expect(ann.doc.holdsLock('z1')).toBe(false);
    expect(server.locks.size).toBe(0);
    // Not renewed any more.
    await vi.advanceTimersByTimeAsync(40_000);
    await quiesce([ann.conn], tick);
    expect(server.locks.size).toBe(0);
    ann.doc.close();
  });

  it('tells me the owner released my lock while I was away, and does not take it again', async () => {
    const { server, open } = world({ lockTtlMs: 30_000, now: () => Date.now(), ownerId: 'olga' });
    const olga = open('olga'); // the document's owner
    await olga.doc.ready;
    const ann = open('ann');
    await ann.doc.ready;
    const notices: DocNotice[] = [];
    ann.doc.on('notice', (n) => notices.push(n));
    await ann.doc.lock('z1');
    ann.conn.disconnect();
    await olga.doc.unlock('z1', { force: true });
    ann.conn.reconnect();
    await quiesce([ann.conn, olga.conn], tick);
    expect(notices).toEqual([
      expect.objectContaining({ reason: 'lock_lost', detail: 'forced', zoneIds: ['z1'], byUserId: 'olga' }),
    ]);
    expect(ann.doc.holdsLock('z1')).toBe(false);
    expect(server.locks.size).toBe(0);
    ann.doc.close();
    olga.doc.close();
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

  it('gives up on close a lock asked for offline: it is never sent, so nothing is left locked', async () => {
    const { server, open } = world({ now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    ann.conn.disconnect();
    const locked = ann.doc.lock('z1'); // asked for once the document is open again
    ann.doc.close();
    await expect(locked).rejects.toMatchObject({ code: 'closed' });
    // The document is opened again (its room entered again) after the reconnect: no lock comes with it.
    const again = new DocumentClient(ann.conn, server.documentId, {});
    ann.conn.reconnect();
    await quiesce([ann.conn], tick);
    await again.ready;
    expect(ann.conn.requests.filter((r) => r.method === 'doc.lock')).toEqual([]);
    expect(server.locks.size).toBe(0); // else held, renewed by nobody, until its lease ran out
    expect(again.locks).toEqual({});
    again.close();
    await quiesce([ann.conn], tick);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('asks for no lock once disposed (a lock nobody would hold, refusing others until its lease ran out)', async () => {
    const { server } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const conn = server.connect('ann', { auto: true });
    const keeper = new LockKeeper({
      documentId: server.documentId,
      transport: conn,
      timers: { setTimeout, clearTimeout },
      clock: { now: () => Date.now() },
      onChange: () => {},
      onLost: () => {},
      onError: () => {},
    });
    keeper.dispose();
    await expect(keeper.lock('z1')).rejects.toMatchObject({ code: 'closed' });
    expect(conn.requests.filter((r) => r.method === 'doc.lock')).toEqual([]);
  });
});
