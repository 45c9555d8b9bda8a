import { type Op, type Zone, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '@syncline/doc';
import { PROTOCOL_VERSION } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { Hub } from '../core/hub.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { DocumentSequencer } from './doc-sequencer.js';
import { MemoryDocStore } from './memory-doc-store.js';

/**
 * Who the sequencer tells about a conflict with a zone replaced whole (`['zones', id, {r, i}]`: undo steps and
 * hand-made ops make these): the replacement wins whichever was submitted first, so the one whose change was lost is
 * told, by the replacer (PROTOCOL.md §13.9).
 */

const zone = (id: string, text: string, label = ''): Zone => ({
  id,
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label,
  confidence: 1,
  text,
  updatedBy: 'u',
  updatedAt: 0,
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A sequencer whose users are named by their token, and a connection per user in the document's room. */
function setup() {
  const clock = new FakeClock();
  const broker = new LocalBroker(new LocalBus(() => clock.now()));
  const hub = new Hub({
    store: new MemoryLogStore(),
    broker,
    authenticate: async (token) => ({ userId: token, roles: [], claims: {} }),
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, new MemoryDocStore());
  closers.push(async () => {
    documents.stop();
    await broker.close();
  });
  const run = <T>(p: Promise<T>) => clock.run(p);
  const user = async (userId: string) => {
    const socket = new MemorySocket();
    socket.attach(hub.open(socket, { ip: '127.0.0.1' }));
    socket.write({ type: 'hello', v: PROTOCOL_VERSION, token: userId });
    socket.write({ type: 'join_room', room: 'doc:d', id: 'join' });
    await run(Promise.resolve());
    let n = 0;
    return {
      /** Submits `op` against version `v`; the reply. */
      submit: async (op: Op, v: number) => {
        const id = `${userId}-${++n}`;
        socket.write({
          type: 'request',
          id,
          method: 'doc.submit',
          data: { documentId: 'd', op, v, opId: id },
        });
        await run(Promise.resolve());
        return (socket.messages() as { id?: string }[]).find((m) => m.id === id);
      },
      /** The conflict notices this user received. */
      conflicts: () =>
        (socket.messages() as { type: string; data: Record<string, unknown> }[])
          .filter((m) => m.type === 'conflict')
          .map((m) => m.data),
    };
  };
  return { user };
}

const before = zone('z', 'hello', 'Intro');
const replacement = zone('z', 'Theirs', 'Summary');
const replace: Op = ['zones', 'z', { r: true, i: replacement }];

describe('DocumentSequencer conflicts with a zone replaced whole', () => {
  it('tells the one who edited inside it, when the replacement was committed first', async () => {
    const { user } = setup();
    const ann = await user('ann');
    const bob = await user('bob');
    expect(await ann.submit(zoneCreate(before), 0)).toMatchObject({ type: 'response' });
    expect(await ann.submit(replace, 1)).toMatchObject({ type: 'response' });
    // Bob typed into the zone as it was before: his edit is dropped, and he is told, not Ann.
    const edit = zoneEdit('z', { pos: 5, ins: '!' }, { stamp: { by: 'bob', at: 5 } });
    expect(await bob.submit(edit, 1)).toMatchObject({ type: 'response', data: { noop: true } });
    expect(ann.conflicts()).toEqual([]);
    expect(bob.conflicts()).toEqual([
      expect.objectContaining({
        kind: 'other',
        zoneId: 'z',
        byUserId: 'ann',
        zoneLabel: 'Summary',
        message: "Your change to the paragraph “Summary” on page 1 collided with ann's.",
      }),
    ]);
  });

  it('tells the one who edited inside it, when the replacement came after: about the attribute it overwrote', async () => {
    const { user } = setup();
    const ann = await user('ann');
    const bob = await user('bob');
    await ann.submit(zoneCreate(before), 0);
    await bob.submit(zoneUpdate('z', { label: 'Bob' }, { stamp: { by: 'bob', at: 5 } }), 1);
    // Ann's replacement, made on version 1, overwrites Bob's label: Bob is told, by Ann.
    expect(await ann.submit(replace, 1)).toMatchObject({ type: 'response', data: { version: 3 } });
    expect(ann.conflicts()).toEqual([]);
    expect(bob.conflicts()).toEqual([
      expect.objectContaining({
        kind: 'same_attribute',
        zoneId: 'z',
        attribute: 'label',
        byUserId: 'ann',
        // The zone as it was when the notice was made (with Bob's label), as for any same_attribute notice.
        message: 'ann changed the label of the paragraph “Bob” on page 1 after you; their value was kept.',
      }),
    ]);
  });

  it('tells the one who deleted it, whichever came first: the replacement stays', async () => {
    const { user } = setup();
    const ann = await user('ann');
    const bob = await user('bob');
    await ann.submit(zoneCreate(before), 0);
    // The replacement first, then Bob's deletion made on version 1: his deletion is dropped, and he is told.
    await ann.submit(replace, 1);
    expect(await bob.submit(zoneDelete('z', before), 1)).toMatchObject({ data: { noop: true } });
    expect(ann.conflicts()).toEqual([]);
    expect(bob.conflicts()).toEqual([
      expect.objectContaining({ kind: 'other', zoneId: 'z', byUserId: 'ann' }),
    ]);

    // Bob's deletion first, then Ann's replacement made before it: the zone comes back as she replaced it, and Bob,
    // whose deletion was undone, is told (by Ann), not Ann.
    const other = setup();
    const cid = await other.user('cid');
    const dan = await other.user('dan');
    await cid.submit(zoneCreate(before), 0);
    await dan.submit(zoneDelete('z', before), 1);
    expect(await cid.submit(replace, 1)).toMatchObject({ data: { version: 3 } });
    expect(cid.conflicts()).toEqual([]);
    expect(dan.conflicts()).toEqual([
      expect.objectContaining({
        kind: 'other',
        zoneId: 'z',
        byUserId: 'cid',
        // Named as the deletion carried it: the zone Dan deleted.
        message: "Your change to the paragraph “Intro” on page 1 collided with cid's.",
      }),
    ]);
  });
});

describe('DocumentSequencer conflicts of two creations of one zone id', () => {
  it('tells the earlier creator, whose zone the later creation replaced, not the later one', async () => {
    const { user } = setup();
    const ann = await user('ann');
    const bob = await user('bob');
    expect(await ann.submit(zoneCreate(zone('n', 'Ann’s')), 0)).toMatchObject({ type: 'response' });
    // Bob made a zone of the same id without having seen Ann's: his is the one kept.
    expect(await bob.submit(zoneCreate(zone('n', 'Bob’s')), 0)).toMatchObject({ type: 'response' });
    expect(bob.conflicts()).toEqual([]);
    expect(ann.conflicts()).toEqual([
      expect.objectContaining({ kind: 'other', zoneId: 'n', byUserId: 'bob' }),
    ]);
  });
});
