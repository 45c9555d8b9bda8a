import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastClaims } from './broadcast-claims.js';
import { quiesce, world } from './fake-doc-server.js';
import { IndexedDBDocPersistence } from './indexeddb-persistence.js';

// Two pages of one browser: two BroadcastClaims on one channel name (Node's BroadcastChannel delivers between them).
// A channel per test: a page answers for the claims it still holds, also after close().
let channel = 0;
const opened: { close(): unknown }[] = [];
const page = (answerMs = 20) => {
  const claims = new BroadcastClaims(`test-claims-${channel}`, BroadcastChannel, answerMs);
  opened.push(claims);
  return claims;
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
  channel++;
});

describe('BroadcastClaims (no Web Locks)', () => {
  it('gives a record to one page: another is told it is held, until it is released', async () => {
    const one = page();
    const two = page();
    const release = await one.claim('d1', 'k1');
    expect(release).toBeTypeOf('function');
    expect(await two.claim('d1', 'k1')).toBeNull(); // one answered
    expect(await one.claim('d1', 'k1')).toBeNull(); // in the page too
    expect(await two.claim('d1', 'k2')).toBeTypeOf('function'); // nobody answers for another record
    release?.();
    await tick();
    expect(await two.claim('d1', 'k1')).toBeTypeOf('function');
  });

  it('wakes a wait for a record held by another page the moment it is released', async () => {
    const one = page();
    const two = page();
    const release = await one.claim('d1', 'k1');
    const stop = new AbortController();
    let got: unknown;
    const waiting = two.waitForClaim('d1', 'k1', stop.signal).then((r) => {
      got = r;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(got).toBeUndefined();
    release?.();
    expect(await waiting).toBeTypeOf('function');
    const gone = new AbortController();
    const aborted = one.waitForClaim('d1', 'k1', gone.signal);
    gone.abort();
    expect(await aborted).toBeNull();
  });

  it('lets one of two pages claiming one record at once have it', async () => {
    const one = page();
    const two = page();
    const both = await Promise.all([one.claim('d1', 'k1'), two.claim('d1', 'k1')]);
    expect(both.filter((r) => r !== null)).toHaveLength(1);
  });

  it('answers for a fresh key claimed without asking (claimNew)', async () => {
    const one = page();
    const two = page();
    expect(one.claimNew('d1', 'fresh')).toBeTypeOf('function');
    expect(await two.claim('d1', 'fresh')).toBeNull();
  });

  it('asks about any key but a fresh one, also one no record has now (its live client deleted it, all confirmed)', async () => {
    const indexedDB = new IDBFactory();
    const options = { indexedDB, keyRange: IDBKeyRange, locks: null, name: `db-${channel}` };
    const tabA = new IndexedDBDocPersistence(options);
    const tabB = new IndexedDBDocPersistence(options);
    opened.push(tabA, tabB);
    const release = await tabA.claim('d1', 'k1'); // A's key; its record is gone while A lives
    expect(release).toBeTypeOf('function');
    expect(await tabB.claim('d1', 'k1')).toBeNull();
    release?.();
    await tick();
    expect(await tabB.claim('d1', 'k1')).toBeTypeOf('function');
  });

  it('answers for its claims until they are released, even after close()', async () => {
    const one = page();
    const two = page();
    const release = await one.claim('d1', 'k1');
    one.close();
    expect(await two.claim('d1', 'k1')).toBeNull();
    release?.(); // now it closes
    expect(await two.claim('d1', 'k1')).toBeTypeOf('function');
  });

  it("keeps an open tab's record from a new tab of an IndexedDB persistence without Web Locks", async () => {
    const indexedDB = new IDBFactory();
    const options = { indexedDB, keyRange: IDBKeyRange, locks: null, name: `db-${channel}` };
    const tabA = new IndexedDBDocPersistence(options);
    const tabB = new IndexedDBDocPersistence(options);
    opened.push(tabA, tabB);
    const { server, open } = world();
    const a = open('ann', { persistence: tabA });
    await a.doc.ready;
    a.conn.disconnect();
    a.doc.editText('z1', { pos: 0, ins: 'A:' });
    for (let i = 0; i < 50 && (await tabB.loadAll('d1')).length === 0; i++) await tick();
    // Tab B opens while A is open: A's record is A's (it answers); B sends nothing of it.
    const b = open('ann', { persistence: tabB });
    await b.doc.ready;
    await quiesce([b.conn], tick);
    expect(server.doc.zones.z1.text).toBe('hello');
    // A's tab closes: B takes the record over and sends it.
    await a.doc.close({ timeoutMs: 0 });
    for (let i = 0; i < 100 && server.doc.zones.z1.text === 'hello'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await quiesce([b.conn], tick);
    }
    expect(server.doc.zones.z1.text).toBe('A:hello');
    await b.doc.close();
  });
});
