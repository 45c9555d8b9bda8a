import { PROTOCOL_VERSION, type ServerMessage } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { type Job, newJobRecord } from './job.js';
import { JobEvents } from './job-events.js';

// biome-ignore lint/suspicious/noExplicitAny: test messages are read loosely
type Msg = ServerMessage & Record<string, any>;

const authenticate = async (token: string): Promise<Identity> => ({ userId: token, roles: [], claims: {} });

/** Olga's processing job of document d1, running. */
const runningJob = (clock: FakeClock, extra: Partial<Job> = {}): Job => ({
  ...newJobRecord({ id: 'job-1', kind: 'processing', ownerId: 'olga', documentId: 'd1', now: clock.now() }),
  state: 'running',
  ...extra,
});

let joins = 0;
/** A socket on `hub`, signed in as `userId`, in `rooms`, with what it received so far taken. */
async function connectTo(hub: Hub, clock: FakeClock, userId: string, rooms: string[]): Promise<MemorySocket> {
  const s = new MemorySocket();
  s.attach(hub.open(s, { ip: '127.0.0.1' }));
  s.write({ type: 'hello', v: PROTOCOL_VERSION, token: userId });
  await clock.settle();
  for (const room of rooms) {
    s.write({ type: 'join_room', id: `j${++joins}`, room });
    await clock.settle();
  }
  s.take();
  return s;
}

describe('JobEvents', () => {
  // Fake time only: nothing here keeps the process alive; the stores are closed after each test.
  const hubs: Hub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.store.close();
  });

  async function setup() {
    const clock = new FakeClock();
    const hub = new Hub({ store: new MemoryLogStore(), authenticate, clock, logger: silentLogger });
    hubs.push(hub);
    hub.start();
    const events = new JobEvents(hub, clock, 100);
    hub.onEntered.push((session, room) => events.sendCurrent(session, room));
    const connect = (userId: string, rooms: string[]) => connectTo(hub, clock, userId, rooms);
    const job = runningJob(clock);
    return { clock, hub, events, connect, job };
  }

  const of = (s: MemorySocket, type: string) => (s.take() as Msg[]).filter((m) => m.type === type);

  it('throttles progress to one per interval per job, and flushes the latest before the final event', async () => {
    const { clock, events, connect, job } = await setup();
    const watcher = await connect('ann', ['doc:d1']);
    const tick = (page: number) =>
      events.processingProgress(job, {
        progress: page / 100,
        currentZone: null,
        stage: 'analyzing',
        page,
        pages: 100,
        etaMs: 1,
      });
    const got: number[] = [];
    for (let page = 1; page <= 100; page++) {
      tick(page);
      clock.advance(7);
      await clock.settle();
      for (const m of of(watcher, 'processing_progress')) got.push(m.data.page);
    }
    // 700 ms of ticks: at most 8 sent (one at once, then one per 100 ms).
    expect(got.length).toBeLessThanOrEqual(8);
    expect(got[0]).toBe(1);
    // A last value pushed right after a send waits for its slot; flush sends it before the final event.
    events.processingProgress(job, {
      progress: 1,
      currentZone: null,
      stage: 'finishing',
      page: 100,
      pages: 100,
      etaMs: 0,
    });
    const flushed = events.flush(job.id);
    await clock.settle();
    await flushed;
    // Logged events are stored at the end of the turn: settle the fake clock's deferred work, then await.
    const sent = events.critical(job, 'processing_completed', { documentId: 'd1', zones: 3, jobId: job.id });
    await clock.settle();
    await sent;
    const rest = watcher.take() as Msg[];
    const types = rest.map((m) => m.type);
    expect(rest.find((m) => m.type === 'processing_progress')?.data).toMatchObject({
      page: 100,
      progress: 1,
    });
    expect(types.indexOf('processing_progress')).toBeLessThan(types.indexOf('processing_completed'));
    expect(clock.timerCount).toBeGreaterThan(0); // the hub's own tick only
    events.close();
  });

  it('sends critical events to the document room and the owner’s room; ticks to the owner’s room only when the owner is not watching', async () => {
    const { clock, events, connect, job } = await setup();
    const away = await connect('olga', []); // the owner, not in the document's room
    const value = { progress: 0.5, currentZone: 'p1-z001', stage: 'analyzing', page: 1, pages: 2, etaMs: 10 };
    events.processingProgress(job, value);
    await clock.settle();
    expect(of(away, 'processing_progress').map((m) => m.room)).toEqual(['user:olga']);
    const watching = await connect('olga', ['doc:d1']);
    clock.advance(200);
    events.processingProgress(job, { ...value, progress: 1, page: 2 });
    await clock.settle();
    // Now the owner is in the room: one tick per client, through the document's room.
    expect(of(away, 'processing_progress')).toEqual([]);
    expect(of(watching, 'processing_progress').map((m) => m.room)).toEqual(['doc:d1']);
    void events.flush(job.id);
    const sent = events.critical(job, 'processing_error', {
      documentId: 'd1',
      error: 'cancelled',
      recoverable: true,
      jobId: job.id,
    });
    await clock.settle();
    await sent;
    expect(of(away, 'processing_error').map((m) => m.room)).toEqual(['user:olga']);
    expect(
      of(watching, 'processing_error')
        .map((m) => m.room)
        .sort(),
    ).toEqual(['doc:d1', 'user:olga']);
  });

  it('gives a session that enters the document room mid-job the current progress at once', async () => {
    const { clock, events, connect, job } = await setup();
    const early = await connect('ann', ['doc:d1']);
    events.processingProgress(job, {
      progress: 0.1,
      currentZone: null,
      stage: 'analyzing',
      page: 1,
      pages: 10,
      etaMs: 9,
    });
    clock.advance(10);
    events.processingProgress(job, {
      progress: 0.3,
      currentZone: 'p3-z002',
      stage: 'analyzing',
      page: 3,
      pages: 10,
      etaMs: 7,
    });
    await clock.settle();
    expect(of(early, 'processing_progress').map((m) => m.data.page)).toEqual([1]); // the second waits its turn
    const s = new MemorySocket();
    s.attach(hubs[0].open(s, { ip: '127.0.0.1' }));
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token: 'carl' });
    await clock.settle();
    s.write({ type: 'join_room', id: 'j', room: 'doc:d1' });
    await clock.settle();
    const got = of(s, 'processing_progress');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ room: 'doc:d1', data: { page: 3, progress: 0.3, jobId: 'job-1' } });
    // Another room of no job: nothing.
    s.write({ type: 'join_room', id: 'k', room: 'doc:other' });
    await clock.settle();
    expect(of(s, 'processing_progress')).toEqual([]);
    events.close();
  });

  it('forgets the progress of a run that stopped without a final state, but not a newer run’s', async () => {
    const { clock, events, connect, job } = await setup();
    const tick = (j: Job, page: number) =>
      events.processingProgress(j, {
        progress: page / 10,
        currentZone: null,
        stage: 'analyzing',
        page,
        pages: 10,
        etaMs: 1,
      });
    const first = { ...job, run: 1 };
    tick(first, 2);
    await clock.settle();
    // A newer run of the job (taken over on this node) reports; the old run's late `forget` keeps it.
    const second = { ...job, run: 2 };
    clock.advance(200);
    tick(second, 3);
    await clock.settle();
    events.forget(job.id, first.run);
    expect(events.current(job.id)).toMatchObject({ page: 3 });
    // The newer run stops too (waiting out a retry's backoff): a session entering now hears nothing of it.
    events.forget(job.id, second.run);
    expect(events.current(job.id)).toBeNull();
    const after = await connect('bob', ['doc:d1']);
    clock.advance(200);
    await clock.settle();
    expect(of(after, 'processing_progress')).toEqual([]);
    events.close();
  });

  it('sends ticks once to an owner watching the document from another node', async () => {
    // Two nodes on one bus: Olga's job runs on node 0; she watches its document from node 1.
    const clock = new FakeClock();
    const store = new MemoryLogStore();
    const bus = new LocalBus(() => clock.now());
    const nodes = [0, 1].map(() => {
      const hub = new Hub({ store, broker: new LocalBroker(bus), authenticate, clock, logger: silentLogger });
      hubs.push(hub);
      hub.start();
      return { hub, events: new JobEvents(hub, clock, 100) };
    });
    const away = await connectTo(nodes[1].hub, clock, 'olga', []);
    const job = runningJob(clock);
    const tick = (page: number) => {
      nodes[0].events.processingProgress(job, {
        progress: page / 10,
        currentZone: null,
        stage: 'analyzing',
        page,
        pages: 10,
        etaMs: 5,
      });
      clock.advance(200);
      return clock.settle();
    };
    await tick(1);
    expect(of(away, 'processing_progress').map((m) => m.room)).toEqual(['user:olga']);
    const watching = await connectTo(nodes[1].hub, clock, 'olga', ['doc:d1']);
    await tick(2);
    expect(of(watching, 'processing_progress').map((m) => `${m.room} ${m.data.page}`)).toEqual(['doc:d1 2']);
    expect(of(away, 'processing_progress')).toEqual([]);
    for (const n of nodes) n.events.close();
    await Promise.all(nodes.map((n) => n.hub.broker.close()));
  });

  it('on another node, never sends a session the stored progress after a newer live tick', async () => {
    // Two nodes on one bus: the job runs on node 0; Ann watches from node 1.
    const clock = new FakeClock();
    const store = new MemoryLogStore();
    const bus = new LocalBus(() => clock.now());
    const nodes = [0, 1].map(() => {
      const hub = new Hub({ store, broker: new LocalBroker(bus), authenticate, clock, logger: silentLogger });
      hubs.push(hub);
      hub.start();
      return { hub, events: new JobEvents(hub, clock, 100) };
    });
    const s = await connectTo(nodes[1].hub, clock, 'ann', ['doc:d1']);
    const job = runningJob(clock, { progress: 0.2, page: 2, pages: 10 });
    // A live tick at page 5 reaches Ann while node 1 reads the job from the store (page 2).
    nodes[0].events.processingProgress(job, {
      progress: 0.5,
      currentZone: null,
      stage: 'analyzing',
      page: 5,
      pages: 10,
      etaMs: 5,
    });
    await clock.settle();
    expect(of(s, 'processing_progress').map((m) => m.data.page)).toEqual([5]);
    const session = [...nodes[1].hub.sessions.values()][0];
    nodes[1].events.sendStored(session, 'doc:d1', [job]);
    clock.advance(100); // the connection's ephemeral window
    await clock.settle();
    // Not page 2 after page 5: the newest value it knows.
    expect(of(s, 'processing_progress').map((m) => m.data.page)).toEqual([5]);
    // A store read newer than anything heard is sent as it is.
    nodes[1].events.sendStored(session, 'doc:d1', [{ ...job, progress: 0.7, page: 7 }]);
    clock.advance(100);
    await clock.settle();
    expect(of(s, 'processing_progress').map((m) => m.data.page)).toEqual([7]);
    for (const n of nodes) n.events.close();
    await Promise.all(nodes.map((n) => n.hub.broker.close()));
  });
});
