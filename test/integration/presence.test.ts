import { RoomPresence, type SynclineClient } from '@syncline/client';
import type { EventMessage } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  seededRandom,
  startServer,
  tokenProvider,
  uniqueRoom,
  waitFor,
} from './helpers.js';

/** Presence through real sockets: one entry per user, exact through connects, closes and kills. */
describe('presence', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  async function setup() {
    const started = await startServer(cleanup, {
      limits: { presenceGraceMs: 300, presenceCountSettleMs: 200 },
    });
    const room = uniqueRoom();
    const tab = async (userId: string) => {
      const client = createClient(cleanup, {
        url: started.url,
        token: tokenProvider(userId, { name: userId }),
      });
      const events: EventMessage[] = [];
      client.subscribe('*', (_d, e) => events.push(e as EventMessage));
      await client.join(room);
      const presence = new RoomPresence(client, room);
      cleanup.add(() => presence.close());
      await presence.refresh();
      return { userId, client, presence, events };
    };
    const serverView = () =>
      started.server.hub
        .members(room)
        .map((m) => m.userId)
        .sort();
    const view = (t: { presence: RoomPresence }) =>
      t.presence
        .getSnapshot()
        .users.map((u) => u.userId)
        .sort();
    /**
     * Every request the clients sent before has been handled, and whatever it published has reached them: a round
     * trip on each, in order (a server handles one connection's messages in order, and fans an event out before
     * the reply to a later request can go).
     */
    const settled = async (...clients: SynclineClient[]) => {
      for (const c of clients) await c.request('room.members', { room });
    };
    return { ...started, room, tab, serverView, view, settled };
  }

  it('two tabs of one user make one user_join and one user_leave, and everyone sees her on two', async () => {
    const { tab, view } = await setup();
    const watcher = await tab('wes');
    const a1 = await tab('ann');
    const a2 = await tab('ann');
    await waitFor(() => view(watcher).includes('ann'));
    const annEvents = (type: string) =>
      watcher.events.filter((e) => e.type === type && (e.data as { userId: string }).userId === 'ann');
    expect(annEvents('user_join')).toHaveLength(1);
    const tabsOf = (t: { presence: RoomPresence }) =>
      t.presence.getSnapshot().users.find((u) => u.userId === 'ann')?.connections;
    await waitFor(() => tabsOf(watcher) === 2, 2000, 'wes sees ann on two tabs');
    await waitFor(() => tabsOf(a1) === 2 && tabsOf(a2) === 2, 2000, 'both of her tabs say two');
    a1.client.close();
    await waitFor(() => tabsOf(watcher) === 1, 2000, 'wes sees ann on one tab');
    await waitFor(() => tabsOf(a2) === 1, 2000, 'her remaining tab says one');
    await new Promise((r) => setTimeout(r, 400)); // past the presence grace: ann still has a tab
    expect(view(watcher)).toContain('ann');
    expect(tabsOf(watcher)).toBe(1);
    a2.client.close();
    await waitFor(() => !view(watcher).includes('ann'), 3000);
    expect(annEvents('user_join')).toHaveLength(1);
    expect(annEvents('user_leave')).toHaveLength(1);
  });

  it('shows a user idle only when all of their tabs are, with one user_status per change', async () => {
    const { tab, room, server, settled } = await setup();
    const watcher = await tab('wes');
    const a1 = await tab('ann');
    const a2 = await tab('ann');
    const statusOf = () => watcher.presence.getSnapshot().users.find((u) => u.userId === 'ann')?.status;
    /** Ann's `user_status` events: her status, and on how many tabs. */
    const statuses = () =>
      watcher.events
        .filter((e) => e.type === 'user_status' && (e.data as { userId: string }).userId === 'ann')
        .map((e) => {
          const d = e.data as { status: string; connections: number };
          return `${d.status} on ${d.connections}`;
        });
    const serverStatus = () => server.hub.members(room).find((m) => m.userId === 'ann')?.status;

    a1.client.setPresenceStatus('idle'); // her other tab is still in use
    await settled(a1.client, watcher.client);
    expect(statuses()).toEqual(['active on 2']); // her second tab
    expect(serverStatus()).toBeUndefined();

    a2.client.setPresenceStatus('idle');
    await waitFor(() => statusOf() === 'idle', 2000, 'ann idle for wes');
    expect(statuses()).toEqual(['active on 2', 'idle on 2']);
    expect(serverStatus()).toBe('idle');
    // A joiner learns it from the member list.
    const late = await tab('lou');
    expect(late.presence.getSnapshot().users.find((u) => u.userId === 'ann')?.status).toBe('idle');

    a1.client.setPresenceStatus('active');
    await waitFor(() => statusOf() === undefined, 2000, 'ann active again');
    expect(statuses()).toEqual(['active on 2', 'idle on 2', 'active on 2']);
    // The active tab goes: once that has lasted (presenceCountSettleMs, not the longer presence grace that keeps its
    // session) she is on one tab, and that tab is idle, so she is: one change, never "active on 1".
    a1.client.close();
    await waitFor(() => statusOf() === 'idle', 2000, 'ann idle after her active tab closed');
    expect(statuses()).toEqual(['active on 2', 'idle on 2', 'active on 2', 'idle on 1']);
    expect(() => a2.client.setPresenceStatus('idle')).not.toThrow(); // unchanged: nothing sent
    await expect(a2.client.request('presence.status', { status: 'away' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('takes the status a client had before it connected, and keeps it through a reconnect', async () => {
    const { tab, room, server, url, settled } = await setup();
    const watcher = await tab('wes');
    const bo = createClient(cleanup, { url, token: tokenProvider('bo', { name: 'bo' }), autoConnect: false });
    bo.setPresenceStatus('idle'); // e.g. a page opened in a background tab
    bo.connect();
    await bo.join(room);
    const boStatus = () => server.hub.members(room).find((m) => m.userId === 'bo')?.status;
    await waitFor(() => boStatus() === 'idle', 2000, 'bo idle at the server');
    await waitFor(
      () => watcher.presence.getSnapshot().users.find((u) => u.userId === 'bo')?.status === 'idle',
    );
    bo.reconnect(); // a resume: the session keeps its status
    await waitFor(() => bo.state === 'open', 5000, 'bo back');
    await settled(bo, watcher.client);
    expect(boStatus()).toBe('idle');
    expect(
      watcher.events.filter(
        (e) => e.type === 'user_status' && (e.data as { userId: string }).userId === 'bo',
      ),
    ).toHaveLength(1); // idle once: no flicker through the reconnect
  });

  it('every client’s view equals the server’s within 2 s through random connects, closes, kills and idling', async () => {
    const { tab, room, server } = await setup();
    const random = seededRandom(42);
    const users = ['ann', 'ben', 'cy', 'dee'];
    const tabs: { userId: string; client: SynclineClient; presence: RoomPresence }[] = [];
    for (let step = 0; step < 40; step++) {
      const r = random();
      if (r < 0.4 || tabs.length < 2) {
        tabs.push(await tab(users[Math.floor(random() * users.length)]));
      } else if (r < 0.6) {
        const [t] = tabs.splice(Math.floor(random() * tabs.length), 1);
        t.presence.close();
        t.client.close();
      } else if (r < 0.85) {
        // A tab's page is hidden, or shown again.
        const t = tabs[Math.floor(random() * tabs.length)];
        t.client.setPresenceStatus(t.client.presenceStatus === 'idle' ? 'active' : 'idle');
      } else {
        // Kill a socket abruptly from the server's side: the client reconnects and resumes.
        const conns = [...server.hub.connections];
        conns[Math.floor(random() * conns.length)]?.socket.terminate();
      }
      if (step % 5 === 4) await new Promise((r) => setTimeout(r, 50));
    }
    // Each user with their status: `ann` or `ann:idle`.
    const serverView = () =>
      server.hub
        .members(room)
        .map((m) => (m.status === 'idle' ? `${m.userId}:idle` : m.userId))
        .sort()
        .join(',');
    const view = (t: { presence: RoomPresence }) =>
      t.presence
        .getSnapshot()
        .users.map((u) => (u.status === 'idle' ? `${u.userId}:idle` : u.userId))
        .sort()
        .join(',');
    await waitFor(
      () => tabs.every((t) => t.client.state === 'open' && view(t) === serverView()),
      2000 + 300,
      'every view equals the server’s',
    );
    // And the server's view is the truth: the users with an open tab, once the grace has passed, idle when every
    // open tab of theirs is.
    const truth = () =>
      [...new Set(tabs.map((t) => t.userId))]
        .map((u) =>
          tabs.filter((t) => t.userId === u).every((t) => t.client.presenceStatus === 'idle')
            ? `${u}:idle`
            : u,
        )
        .sort()
        .join(',');
    await waitFor(() => serverView() === truth(), 3000, 'the server’s view is the truth');
    await waitFor(() => tabs.every((t) => view(t) === serverView()), 2000);
    // Then every tab of one user goes idle, and one of another user's wakes up.
    const away = tabs[0].userId;
    for (const t of tabs) t.client.setPresenceStatus(t.userId === away ? 'idle' : 'active');
    expect(truth()).toContain(`${away}:idle`);
    await waitFor(() => serverView() === truth(), 2000, 'the server has the new statuses');
    await waitFor(() => tabs.every((t) => view(t) === serverView()), 2000, 'every view has them');
  });
});
