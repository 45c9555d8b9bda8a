import { type Zone, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from '@syncline/doc';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { SynclineError } from '../core/errors.js';
import { Hub } from '../core/hub.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { DocumentSequencer, type ServerBatchState } from './doc-sequencer.js';
import { MemoryDocStore } from './memory-doc-store.js';

const zone = (id: string): Zone => ({
  id,
  page: 1,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: id,
  updatedBy: 'u',
  updatedAt: 0,
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function sequencer(maxZones?: number, store = new MemoryDocStore()) {
  const clock = new FakeClock();
  const broker = new LocalBroker(new LocalBus(() => clock.now()));
  const hub = new Hub({
    store: new MemoryLogStore(),
    broker,
    authenticate: async () => ({ userId: 'u', roles: [], claims: {} }),
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, store, maxZones === undefined ? {} : { maxZones });
  closers.push(async () => {
    documents.stop();
    await broker.close();
  });
  const run = <T>(p: Promise<T>) => clock.run(p);
  const create = (id: string) =>
    run(documents.applyServerOp('d', zoneCreate(zone(id)), { userId: 'u', opId: `c-${id}` }));
  return { hub, documents, run, create };
}

describe('DocumentSequencer zone limit', () => {
  it('is 10,000 by default and a server option', () => {
    expect(sequencer().documents.maxZones).toBe(10_000);
    expect(sequencer(3).documents.maxZones).toBe(3);
    expect(() => sequencer(0)).toThrow(/maxZones must be an integer >= 1/);
  });

  it('refuses the op that would make one zone too many, saying so', async () => {
    const s = sequencer(2);
    await s.create('a');
    await s.create('b');
    const refused = await s.create('c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SynclineError);
    expect(refused).toMatchObject({ code: 'invalid', message: '3 zones, the limit is 2' });
    // Changing a zone of a full document is fine.
    await s.run(
      s.documents.applyServerOp('d', ['zones', 'a', 'label', { r: true, i: 'x' }], {
        userId: 'u',
        opId: 'l',
      }),
    );
    expect(Object.keys((await s.run(s.documents.read('d'))).data.zones)).toEqual(['a', 'b']);
  });

  it('plans a server batch against the document in its commit queue: zone count and limit', async () => {
    const s = sequencer(3);
    await s.create('a');
    const seen: Omit<ServerBatchState, 'data'>[] = [];
    const results = await s.run(
      s.documents.applyServerOps(
        'd',
        ({ zoneCount, maxZones }) => {
          seen.push({ zoneCount, maxZones });
          return ['b', 'c'].map((id) => ({ op: zoneCreate(zone(id)), opId: `b-${id}` }));
        },
        { userId: 'u' },
      ),
    );
    expect(seen).toEqual([{ zoneCount: 1, maxZones: 3 }]);
    expect(results.map((r) => r.version)).toEqual([2, 3]);
  });

  it('refuses only ops that add zones to a document over a limit lowered since it grew', async () => {
    const store = new MemoryDocStore();
    const before = sequencer(3, store);
    for (const id of ['a', 'b', 'c']) await before.create(id);
    before.documents.stop();
    const s = sequencer(2, store);
    const commit = (op: Parameters<DocumentSequencer['applyServerOp']>[1], opId: string) =>
      s.run(s.documents.applyServerOp('d', op, { userId: 'u', opId }));
    await commit(['zones', 'a', 'label', { r: true, i: 'x' }], 'label');
    await commit(zoneEdit('b', { pos: 0, ins: 'more ' }), 'text');
    await commit(['meta', 'name', { i: 'big' }], 'meta');
    // Several zones at once (the whole-document path).
    await commit(
      ['zones', ['a', 'type', { r: true, i: 'table' }], ['b', 'type', { r: true, i: 'table' }]],
      'two',
    );
    await expect(commit(zoneCreate(zone('d')), 'add')).rejects.toMatchObject({
      message: '4 zones, the limit is 2',
    });
    await expect(
      commit(['zones', ['c', { r: true }], ['d', { i: zone('d') }], ['e', { i: zone('e') }]], 'add-two'),
    ).rejects.toMatchObject({ message: '4 zones, the limit is 2' });
    await commit(zoneDelete('c'), 'delete');
    const { data } = await s.run(s.documents.read('d'));
    expect(Object.keys(data.zones)).toEqual(['a', 'b']);
    expect(data.zones.b.text).toBe('more b');
  });
});

describe('DocumentSequencer zone_update events', () => {
  it('name a field the op removed with null (a moved zone loses its reading order)', async () => {
    const s = sequencer();
    const events: { type: string; data: Record<string, unknown> }[] = [];
    s.hub.onPublished.push((_room, type, data) => {
      events.push({ type, data: data as Record<string, unknown> });
    });
    const read = { ...zone('a'), order: 1 };
    await s.run(s.documents.applyServerOp('d', zoneCreate(read), { userId: 'u', opId: 'c' }));
    const move = zoneUpdate('a', { page: 2 }, { current: read });
    await s.run(s.documents.applyServerOp('d', move, { userId: 'u', opId: 'm' }));
    const update = events.find((e) => e.type === 'zone_update');
    expect(update?.data.updates).toEqual({ page: 2, order: null });
    expect(Object.hasOwn((await s.run(s.documents.read('d'))).data.zones.a, 'order')).toBe(false);
  });
});
