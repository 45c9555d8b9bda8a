import { zoneUpdate } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import type { ClientEvents } from '../client.js';
import type { Emitter } from '../emitter.js';
import { SynclineError } from '../errors.js';
import { DocumentClient } from './document-client.js';
import { failRequests, manualTimers, quiesce, world } from './fake-doc-server.js';
import { type DocPersistence, MemoryDocPersistence, type PersistedDoc } from './persistence.js';
import type { DocNotice, DocResync } from './types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/**
 * Ann types an edit offline and closes her client: her record, with that unsent edit, stays in `persistence` (a device
 * she shares). Resolves once she asked to close; `closed` settles when her client is closed.
 */
async function annLeavesAnEdit(
  open: ReturnType<typeof world>['open'],
  persistence: DocPersistence,
): Promise<{ closed: Promise<void> }> {
  const first = open('ann', { persistence });
  await first.doc.ready;
  first.conn.disconnect();
  first.doc.editText('z1', { pos: 0, ins: 'ann: ' });
  await settle();
  return { closed: first.doc.close() };
}

describe('DocumentClient failures', () => {
  it('retries a transient failure to join the room (slow network) with backoff, and opens', async () => {
    const { timers, delays, run } = manualTimers();
    const { server } = world();
    const conn = server.connect('ann');
    const join = conn.join.bind(conn);
    const failures = ['timeout', 'unavailable'];
    conn.join = async (room) => {
      const code = failures.shift();
      if (code) throw new SynclineError(code, `join ${code}`);
      return join(room);
    };
    const doc = new DocumentClient(conn, server.documentId, { timers });
    const errors: string[] = [];
    doc.on('error', (e) => errors.push(e.code));
    await settle();
    expect(doc.getSnapshot().status).toBe('opening');
    expect(delays).toEqual([1_000]);
    run();
    await settle();
    expect(delays).toEqual([1_000, 2_000]);
    run();
    await doc.ready;
    expect(doc.getSnapshot().status).toBe('open');
    expect(errors).toEqual(['timeout', 'unavailable']);
    expect(conn.joined('doc:d1')).toBe(true);
  });

  it('fails when the room is refused for good (forbidden)', async () => {
    const { server } = world();
    const conn = server.connect('ann');
    conn.join = async () => {
      throw new SynclineError('forbidden', 'not allowed');
    };
    const doc = new DocumentClient(conn, server.documentId);
    await expect(doc.ready).rejects.toMatchObject({ code: 'forbidden' });
    expect(doc.getSnapshot().status).toBe('failed');
  });

  it('whenSynced() rejects when the document fails (a resync refused), instead of hanging', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann');
    await doc.ready;
    const request = conn.request.bind(conn);
    conn.request = ((method: string, data?: unknown, options?: object) => {
      if (method === 'doc.submit') return new Promise(() => {}); // no answer yet
      if (method === 'doc.open') return Promise.reject(new SynclineError('forbidden', 'access revoked'));
      return request(method, data, options);
    }) as typeof conn.request;
    doc.on('error', () => {});
    doc.editText('z1', { pos: 0, ins: 'x' });
    let outcome = 'waiting';
    doc.whenSynced().then(
      () => (outcome = 'resolved'),
      (e: SynclineError) => (outcome = e.code),
    );
    server.sendChecksum('00000000000000'); // a mismatch: re-open, refused
    await settle();
    expect(doc.getSnapshot().status).toBe('failed');
    expect(outcome).toBe('forbidden');
    await expect(doc.whenSynced()).rejects.toMatchObject({ code: 'forbidden' });
    doc.close();
    await expect(doc.whenSynced()).resolves.toBeUndefined();
  });

  it('starts the retries of the next op afresh after a rollback', async () => {
    const { timers, delays, run } = manualTimers();
    const { server, open } = world();
    const { conn, doc } = open('ann', { timers });
    await doc.ready;
    failRequests(conn, 'doc.submit', ['timeout', 'timeout', 'timeout', 'zone_locked', 'timeout']);
    doc.on('rejected', () => {});
    doc.editText('z1', { pos: 0, ins: 'a' });
    for (let i = 0; i < 3; i++) {
      await settle();
      run();
    }
    await settle(); // zone_locked: rolled back
    expect(delays).toEqual([1_000, 2_000, 4_000]);
    expect(doc.doc.zones.z1.text).toBe('hello');
    doc.editText('z2', { pos: 0, ins: 'b' });
    await settle(); // timeout: retried after the first delay, not the 8 s the last op had reached
    expect(delays).toEqual([1_000, 2_000, 4_000, 1_000]);
    run();
    await quiesce([conn], tick);
    expect(server.doc.zones.z2.text).toBe('bworld');
  });

  it('stops (failed, edits kept) when the server cannot take ops at all (unknown_method), rather than retrying forever', async () => {
    const { timers, due } = manualTimers();
    const { open } = world();
    const { conn, doc } = open('ann', { timers });
    await doc.ready;
    failRequests(conn, 'doc.submit', ['unknown_method']);
    const errors: string[] = [];
    doc.on('error', (e) => errors.push(e.code));
    doc.editText('z1', { pos: 0, ins: 'a' });
    const synced = doc.whenSynced();
    synced.catch(() => {});
    await settle();
    expect(due.size).toBe(0); // no retry scheduled
    expect(doc.getSnapshot()).toMatchObject({ status: 'failed', inflight: true });
    expect(doc.doc.zones.z1.text).toBe('ahello');
    expect(errors).toEqual(['unknown_method']);
    await expect(synced).rejects.toMatchObject({ code: 'unknown_method' });
  });

  it('re-enters the room and re-opens after not_joined, then re-sends the op (same opId)', async () => {
    const { timers, run } = manualTimers();
    const { server, open } = world();
    const { conn, doc } = open('ann', { timers });
    await doc.ready;
    const resyncs: DocResync[] = [];
    doc.on('resync', (r) => resyncs.push(r));
    let joins = 0;
    const join = conn.join.bind(conn);
    conn.join = (room) => {
      joins++;
      return join(room);
    };
    const submits = failRequests(conn, 'doc.submit', ['not_joined']);
    doc.editText('z1', { pos: 0, ins: 'a' });
    await settle();
    expect(joins).toBe(0); // after a backoff
    run();
    await quiesce([conn], tick);
    expect(joins).toBe(1);
    expect(resyncs.map((r) => r.reason)).toEqual(['resume']);
    expect(submits).toHaveLength(2);
    expect(submits[1].opId).toBe(submits[0].opId);
    expect(server.doc.zones.z1.text).toBe('ahello');
    expect(doc.getSnapshot()).toMatchObject({ status: 'open', version: 1, inflight: false });
  });

  it('fails after not_joined when the room cannot be entered again (forbidden)', async () => {
    const { timers, run } = manualTimers();
    const { open } = world();
    const { conn, doc } = open('ann', { timers });
    await doc.ready;
    conn.join = async () => {
      throw new SynclineError('forbidden', 'removed from the document');
    };
    failRequests(conn, 'doc.submit', ['not_joined']);
    doc.on('error', () => {});
    doc.editText('z1', { pos: 0, ins: 'a' });
    await settle();
    run();
    await settle();
    expect(doc.getSnapshot().status).toBe('failed');
    await expect(doc.whenSynced()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('enters the room again when the server did not re-enter it after a reconnect', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann');
    await doc.ready;
    const resyncs: DocResync[] = [];
    doc.on('resync', (r) => resyncs.push(r));
    let joins = 0;
    const join = conn.join.bind(conn);
    conn.join = (room) => {
      joins++;
      return join(room);
    };
    const events = (conn as unknown as { clientEvents: Emitter<ClientEvents> }).clientEvents;
    events.emit('welcome', {
      type: 'welcome',
      v: 1,
      sessionId: 's2',
      resumeKey: 'k2',
      resumed: false,
      userId: 'ann',
      heartbeatMs: 25_000,
      heartbeatTimeoutMs: 10_000,
      maxPayload: 1 << 20,
      sessionGraceMs: 120_000,
      rooms: [{ room: 'doc:d1', seq: 0, status: 'refused', code: 'internal', message: 'try again' }],
      serverTime: 0,
    });
    await quiesce([conn], tick);
    expect(joins).toBe(1);
    expect(resyncs.map((r) => r.reason)).toEqual(['resume']);
    expect(server.opens).toHaveLength(2);
    expect(doc.getSnapshot().status).toBe('open');
  });

  it('saves again after a failed save, though my edits did not change since (not lost on reload)', async () => {
    const { timers, delays, run } = manualTimers();
    class FlakyPersistence extends MemoryDocPersistence {
      failures = 1;
      override async save(record: PersistedDoc): Promise<void> {
        if (this.failures-- > 0) throw new Error('QuotaExceededError');
        return super.save(record);
      }
    }
    const persistence = new FlakyPersistence();
    const { open } = world();
    const { conn, doc } = open('ann', { timers, persistence });
    await doc.ready;
    const errors: string[] = [];
    doc.on('error', (e) => errors.push(e.message));
    conn.disconnect();
    doc.editText('z1', { pos: 0, ins: 'offline ' });
    await settle();
    expect(errors).toEqual(['could not save edits']);
    expect(await persistence.load('d1')).toBeUndefined();
    expect(delays).toEqual([1_000]);
    run();
    await settle();
    expect((await persistence.load('d1'))?.pending).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('rejects close() when its last save fails with my unconfirmed edits in it, and lets the next client open', async () => {
    class BrokenPersistence extends MemoryDocPersistence {
      broken = false;
      override async save(record: PersistedDoc): Promise<void> {
        if (this.broken) throw new Error('QuotaExceededError');
        return super.save(record);
      }
    }
    const persistence = new BrokenPersistence();
    const { open } = world();
    const { conn, doc } = open('ann', { persistence });
    await doc.ready;
    conn.disconnect();
    persistence.broken = true;
    doc.editText('z1', { pos: 0, ins: 'offline ' });
    doc.editText('z2', { pos: 0, ins: 'and here ' });
    const closed = doc.close({ timeoutMs: 0 });
    await expect(closed).rejects.toMatchObject({
      code: 'internal',
      message: 'could not save 2 unconfirmed edits',
    });
    await expect(doc.close()).rejects.toMatchObject({ code: 'internal' }); // the same close
    // The next client of the document is not held by that failure; a close with nothing unconfirmed resolves.
    persistence.broken = false;
    const next = open('ann', { persistence });
    await next.doc.ready;
    persistence.broken = true;
    await expect(next.doc.close({ timeoutMs: 0 })).resolves.toBeUndefined();
  });

  it('sends a large op without its inversion data (the undo of a long paste), and keeps it for a rollback', async () => {
    const { server, open } = world();
    const { conn, doc } = open('ann');
    await doc.ready;
    const long = 'é'.repeat(20_000);
    doc.editText('z1', { pos: 0, ins: long });
    await doc.whenSynced();
    const before = doc.getSnapshot().doc.zones.z1.text;
    doc.undo(); // deletes the 20,000 characters: as an invertible op, it carries every one of them
    await doc.whenSynced();
    const submits = conn.requests
      .filter((r) => r.method === 'doc.submit')
      .map((r) => JSON.stringify(r.data.op));
    expect(submits).toHaveLength(2);
    expect(submits[1]).not.toContain(long);
    expect(submits[1]).toContain('20000');
    expect(doc.getSnapshot().doc.zones.z1.text).toBe(before.slice(long.length));
    expect(server.doc.zones.z1.text).toBe(doc.getSnapshot().doc.zones.z1.text);
    // A small one goes as it is.
    doc.editText('z1', { pos: 0, del: 1 });
    await doc.whenSynced();
    const last = conn.requests.filter((r) => r.method === 'doc.submit').at(-1);
    expect(JSON.stringify(last?.data.op)).toMatch(/"d":"/);
  });

  it('keeps my undo step when a resync snapshot already holds my in-flight op', async () => {
    const { server, open } = world({ opsOnOpen: false }); // re-opens rebase onto the snapshot's difference
    const { conn, doc } = open('ann', { auto: false });
    await quiesce([conn], tick);
    await doc.ready;
    doc.editText('z1', { pos: 0, ins: 'X' }); // in flight
    server.commit(zoneUpdate('z2', { label: 'B' }), 'bob'); // v1, its event queued
    conn.deliverUp(); // mine: v2
    const reply = conn.downlink.findIndex((d) => d.kind === 'reply');
    conn.downlink.unshift(...conn.downlink.splice(reply, 1)); // the reply overtakes bob's op
    conn.deliverDown();
    await settle();
    expect(doc.getSnapshot()).toMatchObject({ version: 0, inflight: true }); // waits for v1
    conn.disconnect(); // the events are lost; the room is reset: re-open from the snapshot (v2, mine in it)
    conn.reconnect({ reset: true });
    await quiesce([conn], tick);
    expect(doc.getSnapshot()).toMatchObject({ version: 2, inflight: false, pending: 0 });
    expect(doc.doc).toEqual(server.doc);
    expect(doc.undo()).toBe(true); // my X, not an empty step
    expect(doc.doc.zones.z1.text).toBe('hello');
    expect(doc.doc.zones.z2.label).toBe('B'); // bob's change stays
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('hello');
  });

  it("keeps my edits made before the first open when it discards another user's saved edits", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    await annLeavesAnEdit(open, persistence); // her close not waited for

    const other = open('bob', { persistence, auto: false });
    const notices: DocNotice[] = [];
    other.doc.on('notice', (n) => notices.push(n));
    await settle();
    expect(other.doc.doc.zones.z1.text).toBe('ann: hello'); // shown while opening
    other.doc.editText('z2', { pos: 5, ins: '!' }); // Bob's own, before the server answered
    other.doc.editText('z1', { pos: 10, ins: '?' }); // after Ann's text
    await quiesce([other.conn], tick);
    await other.doc.ready;
    expect(notices).toEqual([
      { reason: 'discarded_other_user', zoneIds: ['z1'], partial: false, action: 'restore' },
    ]);
    expect(server.doc.zones.z1.text).toBe('hello?');
    expect(server.doc.zones.z2.text).toBe('world!');
    expect(server.log.every((r) => r.userId === 'bob')).toBe(true);
    expect(other.doc.doc).toEqual(server.doc);
    expect(other.doc.undo()).toBe(true); // Bob's last edit is still his to undo
    expect(other.doc.doc.zones.z1.text).toBe('hello');
    await quiesce([other.conn], tick);
    await other.doc.close();
    // Ann's record was given back as she left it (without what Bob typed on top): her next client sends her edit.
    const bobs = server.log.length;
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    await quiesce([ann.conn], tick);
    expect(server.doc.zones.z1.text).toBe('ann: hello');
    expect(server.log.slice(bobs).map((r) => r.userId)).toEqual(['ann']);
    await ann.doc.close();
  });

  it("saves under my new key only once it is claimed, after giving another user's record back", async () => {
    // Claims of new keys granted a few turns late (another page may have to answer first), and every claim and save
    // written down in order.
    const log: string[] = [];
    class SlowFreshClaims extends MemoryDocPersistence {
      override async claim(documentId: string, clientKey: string, options?: { fresh?: boolean }) {
        if (options?.fresh) await settle(2);
        const release = await super.claim(documentId, clientKey);
        if (release) log.push(`claimed ${clientKey}`);
        return release;
      }
      override async save(record: PersistedDoc) {
        log.push(`saved ${record.clientKey}`);
        return super.save(record);
      }
    }
    const persistence = new SlowFreshClaims();
    const { server, open } = world();
    await (await annLeavesAnEdit(open, persistence)).closed;

    const bob = open('bob', { persistence });
    await settle();
    bob.doc.editText('z2', { pos: 5, ins: '!' }); // before the handshake: saved under Ann's key, which Bob holds
    await bob.doc.ready; // the handshake: Ann's record is given back, Bob's saves go under a new key
    bob.doc.editText('z2', { pos: 6, ins: '?' });
    await settle(4);
    const saved = log.filter((e) => e.startsWith('saved '));
    expect(new Set(saved).size).toBeGreaterThanOrEqual(2); // Ann's key, and Bob's new one
    for (const entry of saved) {
      const key = entry.slice('saved '.length);
      expect(log.indexOf(`claimed ${key}`), `${key} claimed before ${entry}`).toBeGreaterThanOrEqual(0);
      expect(log.indexOf(`claimed ${key}`)).toBeLessThan(log.indexOf(entry));
    }
    await quiesce([bob.conn], tick);
    expect(server.doc.zones.z2.text).toBe('world!?');
    await bob.doc.close();
    // Bob's record was written under his key once claimed: his close deleted it (all confirmed); Ann's is hers.
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    await quiesce([ann.conn], tick);
    expect(server.doc.zones.z1.text).toBe('ann: hello');
    await ann.doc.close();
  });

  it('deletes what it saved when the document is deleted, also saves that waited for the claim on its new key', async () => {
    // The claim of Bob's second new key (the one after giving Ann's record back) is held until let go.
    let letGo: (() => void) | undefined;
    let fresh = 0;
    class HeldClaim extends MemoryDocPersistence {
      override async claim(documentId: string, clientKey: string, options?: { fresh?: boolean }) {
        if (options?.fresh && ++fresh === 3) await new Promise<void>((resolve) => (letGo = resolve));
        return super.claim(documentId, clientKey);
      }
    }
    const persistence = new HeldClaim();
    const { server, open } = world();
    await (await annLeavesAnEdit(open, persistence)).closed;

    const bob = open('bob', { persistence });
    bob.doc.on('error', () => {});
    await settle();
    bob.doc.editText('z2', { pos: 5, ins: '!' });
    await bob.doc.ready; // Ann's record is given back; the claim of Bob's new key is held
    expect(letGo).toBeDefined();
    // Bob's edits stay unconfirmed (the server does not answer them), and the document is deleted meanwhile.
    const request = bob.conn.request.bind(bob.conn);
    bob.conn.request = ((method: string, data?: unknown, options?: object) => {
      if (method === 'doc.submit') return new Promise(() => {});
      if (method === 'doc.open')
        return Promise.reject(new SynclineError('not_found', 'the document was deleted'));
      return request(method, data, options);
    }) as typeof bob.conn.request;
    bob.doc.editText('z2', { pos: 6, ins: '?' }); // a save that waits for the claim
    await settle();
    server.sendChecksum('00000000000000'); // a mismatch: the open that follows says not_found
    await settle();
    expect(bob.doc.getSnapshot().status).toBe('failed');
    letGo?.();
    await settle(6);
    expect(await persistence.loadAll(server.documentId)).toEqual([]); // nothing saved comes back
    await bob.doc.close();
  });

  it("keeps my edits saved before the handshake on top of another user's restored edits, across a reload", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    await annLeavesAnEdit(open, persistence); // her close not waited for

    // Bob, offline: the app knows who he is (`userId`), the server has not said it yet.
    const conn = server.connect('bob', { auto: true });
    conn.disconnect();
    Object.defineProperty(conn, 'userId', { get: () => undefined });
    const offline = new DocumentClient(conn, server.documentId, { persistence, userId: 'bob' });
    await settle();
    expect(offline.doc.zones.z1.text).toBe('ann: hello');
    offline.editText('z2', { pos: 5, ins: '!' }); // Bob's own
    await settle();
    offline.close(); // a reload before any handshake

    const bob = open('bob', { persistence });
    const notices: DocNotice[] = [];
    bob.doc.on('notice', (n) => notices.push(n));
    await bob.doc.ready;
    await quiesce([bob.conn], tick);
    expect(notices).toEqual([
      { reason: 'discarded_other_user', zoneIds: ['z1'], partial: false, action: 'restore' },
    ]);
    expect(server.doc.zones.z1.text).toBe('hello'); // Ann's edit is not Bob's to submit
    expect(server.doc.zones.z2.text).toBe('world!'); // Bob's is kept
    expect(server.log.every((r) => r.userId === 'bob')).toBe(true);
    expect(bob.doc.doc).toEqual(server.doc);
    await bob.doc.close();
    // Ann's record was given back without Bob's edit in it: she sends hers, and his is not sent twice.
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    await quiesce([ann.conn], tick);
    expect(server.doc.zones.z1.text).toBe('ann: hello');
    expect(server.doc.zones.z2.text).toBe('world!');
    expect(server.log.map((r) => r.userId)).toEqual(['bob', 'ann']);
    await ann.doc.close();
  });

  it("does not submit another user's restored edits as mine once my later edits made me the record's user", async () => {
    const persistence = new MemoryDocPersistence();
    const { server, open } = world();
    await annLeavesAnEdit(open, persistence); // her close not waited for

    const conn = server.connect('bob', { auto: true });
    conn.disconnect();
    Object.defineProperty(conn, 'userId', { get: () => undefined });
    const offline = new DocumentClient(conn, server.documentId, { persistence, userId: 'bob' });
    await settle();
    offline.editText('z2', { pos: 5, ins: '!' });
    await settle();
    offline.close();

    const cid = open('cid', { persistence }); // someone else again: nothing restored is theirs
    await cid.doc.ready;
    await quiesce([cid.conn], tick);
    expect(server.version).toBe(0);
    expect(cid.doc.doc).toEqual(server.doc);
  });

  it('enters the room again, after a backoff, when the open is answered not_joined', async () => {
    const { timers, delays, run } = manualTimers();
    const { server } = world();
    const conn = server.connect('ann');
    let joins = 0;
    const join = conn.join.bind(conn);
    conn.join = (room) => {
      joins++;
      return join(room);
    };
    failRequests(conn, 'doc.open', ['not_joined']);
    const doc = new DocumentClient(conn, server.documentId, { timers });
    await settle();
    expect(joins).toBe(1);
    expect(delays).toEqual([1_000]);
    expect(doc.getSnapshot().status).toBe('opening');
    run();
    await doc.ready;
    expect(joins).toBe(2);
    expect(doc.getSnapshot().status).toBe('open');
  });
});
