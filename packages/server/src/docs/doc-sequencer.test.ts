import { type Zone, zoneCreate } from '@syncline/doc';
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

function sequencer(maxZones?: number) {
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
  const documents = new DocumentSequencer(
    hub,
    new MemoryDocStore(),
    maxZones === undefined ? {} : { maxZones },
  );
  closers.push(async () => {
    documents.stop();
    await broker.close();
  });
  async function run<T>(p: Promise<T>): Promise<T> {
    const outcome = p.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await clock.settle();
    const r = await outcome;
    if ('error' in r) throw r.error;
    return r.value;
  }
  const create = (id: string) =>
    run(documents.applyServerOp('d', zoneCreate(zone(id)), { userId: 'u', opId: `c-${id}` }));
  return { documents, run, create };
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
});
