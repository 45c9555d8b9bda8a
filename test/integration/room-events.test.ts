import type { SynclineClient } from '@syncline/client';
import type { EventMessage } from '@syncline/protocol';
import type { SynclineServer } from '@syncline/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cleanup, createClient, startServer, tokenProvider, uniqueRoom, waitFor } from './helpers.js';

/** Every event a client receives, in arrival order. */
function record(client: SynclineClient): EventMessage[] {
  const events: EventMessage[] = [];
  client.subscribe('*', (_data, event) => events.push(event));
  return events;
}

const appEvents = (events: EventMessage[], room: string) =>
  events.filter((e) => e.type === 'app_event' && e.room === room);

describe('room events between real clients', () => {
  let cleanup: Cleanup;
  let server: SynclineServer;
  let url: string;

  beforeEach(async () => {
    cleanup = new Cleanup();
    ({ server, url } = await startServer(cleanup));
  });
  afterEach(() => cleanup.run());

  const client = (userId: string) => createClient(cleanup, { url, token: tokenProvider(userId) });

  it('delivers events both ways once, with acks carrying the seq and from naming the sender', async () => {
    const room = uniqueRoom();
    const alice = client('alice');
    const bob = client('bob');
    const aliceEvents = record(alice);
    const bobEvents = record(bob);

    const aliceState = await alice.join(room);
    expect(aliceState).toMatchObject({ room, status: 'fresh' });
    await bob.join(room);

    // Presence: alice sees bob arrive (and her own arrival is logged before it).
    const bobJoin = await waitFor(() =>
      aliceEvents.find((e) => e.type === 'user_join' && (e.data as { userId: string }).userId === 'bob'),
    );
    expect(bobJoin).toMatchObject({
      room,
      data: { userId: 'bob', userName: 'bob', documentId: room.slice(4) },
    });
    expect(bobJoin.from).toBeUndefined(); // server-made

    const fromAlice = await alice.publish(room, 'app_event', { name: 'hello', n: 1 });
    const fromBob = await bob.publish(room, 'app_event', { name: 'hi', n: 2 });
    expect(fromAlice.seq).toEqual(expect.any(Number));
    expect(fromBob.seq).toBeGreaterThan(fromAlice.seq!);

    for (const events of [aliceEvents, bobEvents]) {
      await waitFor(() => appEvents(events, room).length === 2);
      const got = appEvents(events, room);
      expect(got.map((e) => [e.seq, e.from, (e.data as { name: string }).name])).toEqual([
        [fromAlice.seq, 'alice', 'hello'],
        [fromBob.seq, 'bob', 'hi'],
      ]);
      // app_event data arrives as sent (the sender is `from`); the seed's events get `data.userId` stamped.
      expect(got[0].data).toEqual({ name: 'hello', n: 1 });
    }
    expect(alice.roomSeq(room)).toBe(fromBob.seq);
    expect(bob.roomSeq(room)).toBe(fromBob.seq);

    // Nothing arrived twice: one more round trip, then count by seq.
    await alice.publish(room, 'app_event', { name: 'last' });
    await waitFor(() => appEvents(bobEvents, room).length === 3);
    const seqs = bobEvents.filter((e) => e.room === room).map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('does not deliver an echo: false publish back to its sender', async () => {
    const room = uniqueRoom();
    const alice = client('alice');
    const bob = client('bob');
    const aliceEvents = record(alice);
    const bobEvents = record(bob);
    await alice.join(room);
    await bob.join(room);

    const quiet = (await alice.send({
      type: 'publish',
      room,
      event: 'app_event',
      data: { name: 'quiet' },
      echo: false,
    })) as { seq: number };
    const loud = await alice.publish(room, 'app_event', { name: 'loud' });

    // Events of a room arrive in seq order: once alice has the later one, the earlier one is not coming.
    await waitFor(() => appEvents(aliceEvents, room).some((e) => e.seq === loud.seq));
    expect(appEvents(aliceEvents, room).map((e) => (e.data as { name: string }).name)).toEqual(['loud']);
    await waitFor(() => appEvents(bobEvents, room).length === 2);
    expect(appEvents(bobEvents, room).map((e) => [e.seq, (e.data as { name: string }).name])).toEqual([
      [quiet.seq, 'quiet'],
      [loud.seq, 'loud'],
    ]);
  });

  it('keeps echo: false and type filters exact when a burst shares one server turn', async () => {
    const room = uniqueRoom();
    const alice = client('alice');
    const bob = client('bob');
    const carol = client('carol');
    const [aliceEvents, bobEvents, carolEvents] = [alice, bob, carol].map(record);
    await alice.join(room);
    await bob.join(room);
    await carol.subscribeRoom(room, { types: ['export_completed'] });

    // Sent without waiting, so the server takes them in one turn and fans them out as one batch.
    const burst = Array.from({ length: 40 }, (_, i) => {
      const echo = i % 3 !== 1;
      const zone = i % 4 === 0;
      // Every fourth event is made by the server (no sender, so echo does not apply to it).
      const sent = zone
        ? server.broadcast(room, 'export_completed', { exportId: `x${i}`, downloadUrl: '/d', format: 'rag' })
        : alice.send({ type: 'publish', room, event: 'app_event', data: { name: `e${i}` }, echo });
      return sent.then((ack) => ({ i, echo: zone || echo, zone, seq: (ack as { seq: number }).seq }));
    });
    // The server's own broadcasts are appended at once, the client's after a network hop: compare in
    // seq order, which is the order every subscriber must see.
    const sent = (await Promise.all(burst)).sort((a, b) => a.seq - b.seq);
    expect(sent.map((s) => s.seq)).toEqual(sent.map((_, i) => sent[0].seq + i));
    const lastSeq = sent.at(-1)!.seq;

    const inRoom = (events: EventMessage[]) =>
      events.filter((e) => e.room === room && (e.type === 'app_event' || e.type === 'export_completed'));
    await waitFor(() => bob.roomSeq(room) === lastSeq);
    expect(inRoom(bobEvents).map((e) => e.seq)).toEqual(sent.map((s) => s.seq));

    const lastEcho = sent.filter((s) => s.echo).at(-1)!.seq;
    await waitFor(() => inRoom(aliceEvents).some((e) => e.seq === lastEcho));
    expect(inRoom(aliceEvents).map((e) => e.seq)).toEqual(sent.filter((s) => s.echo).map((s) => s.seq));

    const lastZone = sent.filter((s) => s.zone).at(-1)!.seq;
    await waitFor(() => inRoom(carolEvents).some((e) => e.seq === lastZone));
    expect(inRoom(carolEvents).map((e) => e.seq)).toEqual(sent.filter((s) => s.zone).map((s) => s.seq));
    expect(inRoom(carolEvents).every((e) => e.type === 'export_completed')).toBe(true);
  });

  it('gives a subscriber with a types filter only those types', async () => {
    const room = uniqueRoom();
    const alice = client('alice');
    const carol = client('carol');
    const carolEvents = record(carol);
    await alice.join(room);
    await carol.subscribeRoom(room, { types: ['cursor_update', 'export_completed'] });

    await alice.publish(room, 'app_event', { name: 'not for carol' });
    await alice.publish(room, 'cursor_update', { x: 1, y: 2, page: 0 });
    const done = await server.broadcast(room, 'export_completed', {
      exportId: 'x1',
      downloadUrl: '/d',
      format: 'rag',
    });
    await alice.publish(room, 'app_event', { name: 'not for carol either' });

    const mine = () => carolEvents.filter((e) => e.room === room);
    await waitFor(() => mine().length >= 2);
    await alice.publish(room, 'app_event', { name: 'a last one, to be sure nothing else arrives' });
    expect(
      mine()
        .map((e) => [e.type, e.seq, e.from])
        .sort(),
    ).toEqual([
      ['cursor_update', undefined, 'alice'],
      ['export_completed', done.seq, undefined],
    ]);
  });

  it('answers requests to a registered method and rejects unknown methods', async () => {
    server.handle('echo', (data, { user }) => ({ echoed: data, user: user.userId }));
    server.handle('fail', () => {
      throw new Error('boom');
    });
    const alice = client('alice');

    await expect(alice.request('echo', { text: 'ping', n: [1, 2] })).resolves.toEqual({
      echoed: { text: 'ping', n: [1, 2] },
      user: 'alice',
    });
    await expect(alice.request('nope')).rejects.toMatchObject({
      name: 'SynclineError',
      code: 'unknown_method',
    });
    await expect(alice.request('fail')).rejects.toMatchObject({ code: 'internal' });
    // The connection is still usable afterwards.
    await expect(alice.request('echo', 1)).resolves.toEqual({ echoed: 1, user: 'alice' });
  });

  it('sends toUser events to every connection of that user, and to nobody else', async () => {
    const laptop = client('alice');
    const phone = client('alice');
    const bob = client('bob');
    const got = [laptop, phone, bob].map(record);
    await Promise.all([laptop, phone, bob].map((c) => waitFor(() => c.state === 'open')));

    const { seq } = await server.toUser('alice', 'app_event', { name: 'direct', body: 'for alice' });
    const { seq: bobSeq } = await server.toUser('bob', 'app_event', { name: 'direct', body: 'for bob' });

    for (const events of got.slice(0, 2)) {
      await waitFor(() => events.length > 0);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'app_event',
          room: 'user:alice',
          seq,
          data: { name: 'direct', body: 'for alice' },
        }),
      ]);
    }
    await waitFor(() => got[2].length > 0);
    expect(got[2]).toEqual([expect.objectContaining({ room: 'user:bob', seq: bobSeq })]);
    expect(got[0].every((e) => e.room === 'user:alice')).toBe(true);
  });
});
