import type { SynclineClient } from '@syncline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  tokenProvider,
  uniqueRoom,
  waitFor,
  whenOpen,
  wsUrl,
} from '../integration/helpers.js';
import { needService } from '../services.js';
import { type Cluster, startCluster } from './helpers.js';

const ready = (await needService('postgres')) && (await needService('redis'));

/**
 * Three nodes on one PostgreSQL and one Redis, clients spread over them by a round-robin balancer with no
 * stickiness: broadcasts, presence and document edits behave as on one node.
 */
describe.skipIf(!ready)('three nodes behind a round-robin balancer', () => {
  const cleanup = new Cleanup();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(cleanup, 3);
  });
  afterAll(() => cleanup.run());

  async function clients(n: number, prefix: string): Promise<SynclineClient[]> {
    const out: SynclineClient[] = [];
    // One at a time, so the balancer's round robin puts client i on node i % 3.
    for (let i = 0; i < n; i++) {
      const c = createClient(cleanup, { url: cluster.url, token: tokenProvider(`${prefix}${i}`) });
      await whenOpen(c);
      out.push(c);
    }
    return out;
  }

  const nodeOf = (c: SynclineClient) =>
    cluster.servers.findIndex((s) => s.hub.sessions.get(c.sessionId!)?.conn);

  /**
   * A client of `userId` on another node than `other`. The balancer's round robin usually puts the next client
   * there, but a client of an earlier test reconnecting meanwhile (a loaded machine) takes a turn of it.
   */
  async function twinOf(userId: string, other: SynclineClient): Promise<SynclineClient> {
    for (let tries = 0; tries < 6; tries++) {
      const c = createClient(cleanup, { url: cluster.url, token: tokenProvider(userId) });
      await whenOpen(c);
      if (nodeOf(c) !== nodeOf(other)) return c;
      c.close();
    }
    throw new Error(`no client of ${userId} on another node in 6 tries`);
  }

  it('delivers every broadcast to every client once and in order, whichever node it was published on', async () => {
    const room = uniqueRoom();
    const cs = await clients(9, 'fan');
    expect(cs.map(nodeOf).sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const seen = cs.map(() => [] as { seq: number; name: string }[]);
    for (const [i, c] of cs.entries()) {
      c.subscribe('app_event', (data, event) => {
        if (event.room === room) seen[i].push({ seq: event.seq!, name: (data as { name: string }).name });
      });
    }
    for (const c of cs) await c.join(room);
    const PER = 20;
    await Promise.all(
      cs.flatMap((c, i) =>
        Array.from({ length: PER }, (_, k) => c.publish(room, 'app_event', { name: `c${i}-${k}` })),
      ),
    );
    const total = cs.length * PER;
    await waitFor(() => seen.every((s) => s.length >= total), 20_000, 'every client has every event').catch(
      (err: Error) => {
        throw new Error(`${err.message}; received ${seen.map((s) => s.length).join(', ')} of ${total}`);
      },
    );
    for (const s of seen) {
      expect(s).toHaveLength(total); // once
      for (let k = 1; k < s.length; k++) expect(s[k].seq).toBeGreaterThan(s[k - 1].seq); // in order
      expect(s).toEqual(seen[0]); // the same events under the same seqs everywhere
    }
    // Each client's own publishes in the order it sent them.
    for (let i = 0; i < cs.length; i++) {
      const mine = seen[0].filter((e) => e.name.startsWith(`c${i}-`)).map((e) => e.name);
      expect(mine).toEqual(Array.from({ length: PER }, (_, k) => `c${i}-${k}`));
    }
  });

  it('shows the same presence on every node, and announces each user once', async () => {
    const room = uniqueRoom();
    const cs = await clients(6, 'pres');
    const joins = cs.map(() => [] as string[]);
    for (const [i, c] of cs.entries()) {
      c.subscribe('user_join', (data, event) => {
        if (event.room === room) joins[i].push((data as { userId: string }).userId);
      });
    }
    // The same user twice, on two nodes.
    const twin = await twinOf('pres1', cs[1]);
    for (const c of [...cs, twin]) await c.join(room);
    const expected = cs.map((_, i) => `pres${i}`).sort();
    const membersOf = async (c: SynclineClient) => {
      const r = await c.request<{ members: { userId: string; connections: number }[] }>('room.members', {
        room,
      });
      return r.members.map((m) => `${m.userId}:${m.connections}`).sort();
    };
    const want = expected.map((u) => `${u}:${u === 'pres1' ? 2 : 1}`);
    for (const c of cs) {
      await waitFor(
        async () => JSON.stringify(await membersOf(c)) === JSON.stringify(want),
        10_000,
        'members to agree',
      ).catch(() => {}); // the assertion below shows the difference
      expect(await membersOf(c)).toEqual(want);
    }
    // The first client saw every user join exactly once (pres1 is not announced twice). Every node has taken in
    // every client's presence (the member lists agree), so an announcement, twice or not, is in the room's log
    // already: a marker published from each node after it comes later in the log, and once the first client has
    // all three, it has every join it will ever get.
    const markers: string[] = [];
    cs[0].subscribe('app_event', (data, event) => {
      if (event.room === room) markers.push(data.name);
    });
    const onePerNode = [...new Map([...cs, twin].map((c) => [nodeOf(c), c])).values()];
    expect(onePerNode).toHaveLength(3);
    await Promise.all(onePerNode.map((c, i) => c.publish(room, 'app_event', { name: `marker${i}` })));
    await waitFor(() => markers.length === 3, 10_000, 'a marker from each node');
    expect([...joins[0]].sort()).toEqual(expected);
  });

  it('shows a user idle on every node once all of their clients, on two nodes, are idle', async () => {
    const room = uniqueRoom();
    const [watcher, ...rest] = await clients(3, 'idle');
    const twin = await twinOf('idle1', rest[0]);
    const statuses: string[] = [];
    // Each of idle1's user_status events: the status, and on how many connections (a second one, the twin).
    watcher.subscribe('user_status', (data, event) => {
      if (event.room === room && data.userId === 'idle1')
        statuses.push(`${data.status} on ${data.connections}`);
    });
    for (const c of [watcher, ...rest, twin]) await c.join(room);
    const statusOn = async (c: SynclineClient) => {
      const r = await c.request<{ members: { userId: string; status?: string }[] }>('room.members', { room });
      return r.members.find((m) => m.userId === 'idle1')?.status ?? 'active';
    };
    const everywhere = async (status: string) => {
      for (const c of [watcher, rest[1], twin]) {
        await waitFor(async () => (await statusOn(c)) === status, 10_000, `idle1 ${status} on every node`);
      }
    };

    // Both of idle1's nodes know of both clients before one goes idle (a change made before the other node's
    // presence arrives is announced, then corrected when it does).
    for (const c of [rest[0], twin]) {
      await waitFor(
        async () => {
          const r = await c.request<{ members: { userId: string; connections: number }[] }>('room.members', {
            room,
          });
          return r.members.find((m) => m.userId === 'idle1')?.connections === 2;
        },
        10_000,
        'idle1 twice on both nodes',
      );
    }
    rest[0].setPresenceStatus('idle'); // the twin on another node is still active
    // No user_status may follow. Instead of waiting a while, a barrier for each node that could announce one (the
    // two with sessions of idle1, see `leads`): an event of that node in the room, published after it looked at
    // idle1's status; the watcher gets it after anything that node published before (a room's log is in seq order).
    // A session's messages run in order: rest[0]'s node took in its idle status (and sent its presence write to
    // Redis) before it answers this.
    expect(await statusOn(rest[0])).toBe('active');
    const joinsSeen: string[] = [];
    const markers: string[] = [];
    watcher.subscribe('user_join', (data, event) => {
      if (event.room === room) joinsSeen.push(data.userId);
    });
    watcher.subscribe('app_event', (data, event) => {
      if (event.room === room) markers.push(data.name);
    });
    // rest[0]'s node: a user joining there writes their presence to Redis after idle1's, on the same connection, so
    // that node looks at idle1's status (on its write's reply) before it announces the join.
    const probe = createClient(cleanup, {
      url: wsUrl(cluster.ports[nodeOf(rest[0])]),
      token: tokenProvider('idle-probe'),
    });
    await probe.join(room);
    await waitFor(() => joinsSeen.includes('idle-probe'), 10_000, 'the probe’s user_join');
    // The twin's node: idle1's presence write reached it before the probe's (one channel, in the order written), so
    // once it counts the probe it has looked at idle1's status; a marker the twin publishes there comes after.
    const membersOn = async (c: SynclineClient) =>
      (await c.request<{ members: { userId: string }[] }>('room.members', { room })).members.map(
        (m) => m.userId,
      );
    await waitFor(
      async () => (await membersOn(twin)).includes('idle-probe'),
      10_000,
      'the probe on the twin’s node',
    );
    await twin.publish(room, 'app_event', { name: 'idle-barrier' });
    await waitFor(() => markers.includes('idle-barrier'), 10_000, 'the marker from the twin’s node');
    await everywhere('active');
    expect(statuses).toEqual(['active on 2']); // the twin's join; nothing since

    twin.setPresenceStatus('idle');
    await everywhere('idle');
    await waitFor(() => statuses.includes('idle on 2'), 10_000, 'user_status idle');
    rest[0].setPresenceStatus('active');
    await everywhere('active');
    await waitFor(() => statuses.at(-1) === 'active on 2', 10_000, 'user_status active');
    // With clients of the user on two nodes, one node announces each change: once. A duplicate would come from a
    // node either on the reply of its own presence write or on hearing the other node's; a barrier for both, on
    // both nodes, puts anything either of them published of idle1 before what the watcher awaits here.
    await presenceBarrier(room, watcher, [rest[0], twin], 'final', markers);
    expect(statuses).toEqual(['active on 2', 'idle on 2', 'active on 2']);
  });

  /**
   * Waits until `watcher` has every event of `room` that the nodes of `onNodes` (one client on each) published on
   * presence they had written or heard before this call, without a timing assumption: the room's log is in seq
   * order, and an event is appended in the order its publish was called on its node.
   *
   * - A probe user joins on each node. Its presence write goes on that node's Redis connection after the node's
   *   earlier writes, so the node has handled their replies (and published what they made it publish) before it
   *   publishes the probe's `user_join` on its reply: once the watcher has every probe's join, it has those.
   * - Each node's presence writes reach the others on one channel in the order written: once a node lists the
   *   other nodes' probes among the room's members, it has heard (and published on) everything written before
   *   them. A marker its client publishes then comes after that in the log.
   */
  async function presenceBarrier(
    room: string,
    watcher: SynclineClient,
    onNodes: SynclineClient[],
    tag: string,
    markers: string[],
  ): Promise<void> {
    const probeIds = onNodes.map((_, i) => `${tag}-probe${i}`);
    const joined: string[] = [];
    const off = watcher.subscribe('user_join', (data, event) => {
      if (event.room === room) joined.push(data.userId);
    });
    for (const [i, c] of onNodes.entries()) {
      const probe = createClient(cleanup, {
        url: wsUrl(cluster.ports[nodeOf(c)]),
        token: tokenProvider(probeIds[i]),
      });
      await probe.join(room);
    }
    await waitFor(() => probeIds.every((p) => joined.includes(p)), 10_000, `the ${tag} probes’ user_join`);
    off();
    for (const c of onNodes) {
      const members = async () =>
        (await c.request<{ members: { userId: string }[] }>('room.members', { room })).members.map(
          (m) => m.userId,
        );
      await waitFor(
        async () => {
          const here = await members();
          return probeIds.every((p) => here.includes(p));
        },
        10_000,
        `every ${tag} probe on node ${nodeOf(c)}`,
      );
    }
    const names = onNodes.map((_, i) => `${tag}-marker${i}`);
    await Promise.all(onNodes.map((c, i) => c.publish(room, 'app_event', { name: names[i] })));
    await waitFor(() => names.every((n) => markers.includes(n)), 10_000, `the ${tag} markers`);
  }

  it('converges when clients on different nodes edit one document at once', async () => {
    const documentId = uniqueRoom().slice(4);
    const cs = await clients(3, 'ed');
    const docs = cs.map((c) => c.doc(documentId));
    await Promise.all(docs.map((d) => d.ready));
    docs[0].createZone({
      id: 'z1',
      page: 0,
      bbox: { x: 0, y: 0, w: 100, h: 20 },
      type: 'paragraph',
      label: '',
      confidence: 1,
      text: '|',
    });
    await waitFor(() => docs.every((d) => d.zone('z1')), 10_000, 'zone everywhere');
    const words = ['apple ', 'banana ', 'cherry '];
    for (let i = 0; i < 7; i++) {
      docs.forEach((d, k) => {
        const ch = words[k][i];
        if (ch !== undefined) d.editText('z1', { pos: 0, ins: ch });
      });
    }
    await Promise.all(docs.map((d) => d.whenSynced()));
    await waitFor(
      () => docs.every((d) => d.version === docs[0].version && d.zone('z1')?.text.length === 21),
      15_000,
      'replicas at one version',
    ).catch((err) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(docs.map((d) => [d.version, d.zone('z1')?.text, d.status]))}`,
      );
    });
    const text = docs[0].zone('z1')?.text;
    for (const d of docs) expect(d.zone('z1')?.text).toBe(text);
    for (const letter of 'aplebnchry') expect(text).toContain(letter);
  });
});
