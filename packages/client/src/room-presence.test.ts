import type { EventMessage } from '@syncline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SynclineClient } from './client.js';
import { RoomPresence, roundCoordinate } from './room-presence.js';

const ROOM = 'doc:1';

type Member = { userId: string; connections: number; status?: 'idle' };

/**
 * The part of a client RoomPresence uses, in memory: `deliver` hands it room events as a frame would; `room.members`
 * answers `members`, or, with `held`, waits for the test to `answer` it (the list on its way).
 */
function fakeClient(members: Member[] = [], held = false) {
  const waiting: ((list: Member[]) => void)[] = [];
  const answer = (list: Member[]) => waiting.shift()?.({ members: list } as never);
  const handlers = new Map<string, ((data: unknown, event: EventMessage) => void)[]>();
  const published: { room: string; type: string; data: unknown }[] = [];
  const client = {
    userId: 'me',
    subscribe(type: string, handler: (data: unknown, event: EventMessage) => void) {
      const list = handlers.get(type) ?? [];
      list.push(handler);
      handlers.set(type, list);
      return () => list.splice(list.indexOf(handler), 1);
    },
    on: () => () => {},
    request: () => (held ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve({ members })),
    publish: async (room: string, type: string, data: unknown) => {
      published.push({ room, type, data });
      return {};
    },
  };
  const deliver = (type: string, data: Record<string, unknown>, from?: string, room = ROOM) => {
    const event = { type, room, ts: 1, data, ...(from ? { from } : {}) } as EventMessage;
    for (const h of handlers.get(type) ?? []) h(data, event);
  };
  return { client: client as unknown as SynclineClient, deliver, published, answer };
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('RoomPresence', () => {
  afterEach(() => vi.useRealTimers());

  it('makes one snapshot and one notification for the events of one frame', async () => {
    const { client, deliver } = fakeClient();
    const presence = new RoomPresence(client, ROOM);
    const notified: number[] = [];
    presence.subscribe(() => notified.push(presence.getSnapshot().cursors.length));
    for (let i = 0; i < 99; i++) {
      deliver('user_join', { userId: `u${i}` });
      deliver('cursor_update', { page: 0, x: i / 100, y: 0.5 }, `u${i}`);
    }
    deliver('cursor_update', { page: 0, x: 0.5, y: 0.5 }, 'u1', 'doc:other'); // another room: ignored
    deliver('cursor_update', { page: 0, x: 0.5, y: 0.5 }, 'me'); // my own: ignored
    expect(notified).toEqual([]); // not before the frame is over
    await tick();
    expect(notified).toEqual([99]);
    const snap = presence.getSnapshot();
    expect(snap.users).toHaveLength(99);
    expect(snap.cursors[3]).toMatchObject({ userId: 'u3', page: 0, x: 0.03, y: 0.5 });
    // The next frame: a leave takes the user's cursor with them.
    deliver('user_leave', { userId: 'u3' });
    await tick();
    expect(notified).toEqual([99, 98]);
    expect(presence.getSnapshot().users.map((u) => u.userId)).not.toContain('u3');
    presence.close();
  });

  it("follows a user's status and number of tabs from user_status", async () => {
    const { client, deliver } = fakeClient();
    const presence = new RoomPresence(client, ROOM);
    const notified = vi.fn();
    presence.subscribe(notified);
    const ann = () => presence.getSnapshot().users.find((u) => u.userId === 'ann');
    deliver('user_join', { userId: 'ann', userName: 'Ann' });
    await tick();
    expect(ann()).toEqual({ userId: 'ann', userName: 'Ann', connections: 1 });
    deliver('user_status', { userId: 'ann', status: 'active', connections: 2 }); // a second tab
    await tick();
    expect(ann()).toEqual({ userId: 'ann', userName: 'Ann', connections: 2 });
    deliver('user_status', { userId: 'ann', status: 'idle', connections: 2 });
    await tick();
    expect(ann()).toEqual({ userId: 'ann', userName: 'Ann', connections: 2, status: 'idle' });
    deliver('user_status', { userId: 'ann', status: 'idle' }); // an older server says no count: kept
    await tick();
    expect(ann()?.connections).toBe(2);
    deliver('user_status', { userId: 'ann', status: 'active', connections: 1 });
    await tick();
    expect(ann()).toEqual({ userId: 'ann', userName: 'Ann', connections: 1 });
    expect(notified).toHaveBeenCalledTimes(4); // the repeat changed nothing
    presence.close();
  });

  it('notifies nobody after close', async () => {
    const { client, deliver } = fakeClient();
    const presence = new RoomPresence(client, ROOM);
    const listener = vi.fn();
    presence.subscribe(listener);
    deliver('user_join', { userId: 'u1' });
    presence.close();
    await tick();
    expect(listener).not.toHaveBeenCalled();
  });

  it('sends my cursor throttled, with coordinates rounded to 5 decimals', () => {
    vi.useFakeTimers();
    const { client, published } = fakeClient();
    const presence = new RoomPresence(client, ROOM, { cursorHz: 10 });
    presence.moveCursor({ page: 2, x: 0.123456789, y: 0.987654321 });
    presence.moveCursor({ page: 2, x: 0.2, y: 0.3 }); // within the interval: held, then sent
    expect(published).toEqual([
      { room: ROOM, type: 'cursor_update', data: { page: 2, x: 0.12346, y: 0.98765 } },
    ]);
    vi.advanceTimersByTime(200); // pushed mid-interval: it goes an interval later (the throttle's rule)
    expect(published.map((p) => p.data)).toEqual([
      { page: 2, x: 0.12346, y: 0.98765 },
      { page: 2, x: 0.2, y: 0.3 },
    ]);
    expect(roundCoordinate(0.000004)).toBe(0);
    expect(roundCoordinate(120.5)).toBe(120.5);
    presence.close();
  });

  describe("the server's list after a reconnect", () => {
    const ids = (presence: RoomPresence) =>
      presence
        .getSnapshot()
        .users.map((u) => u.userId)
        .sort();

    it('replaces the view: users missed while away come, users gone meanwhile go', async () => {
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      deliver('user_join', { userId: 'ann' });
      deliver('user_join', { userId: 'bob' });
      deliver('cursor_update', { page: 0, x: 0.1, y: 0.1 }, 'bob');
      const refreshed = presence.refresh();
      answer([
        { userId: 'ann', connections: 2 },
        { userId: 'cy', connections: 1 },
      ]);
      await refreshed;
      await tick();
      expect(presence.getSnapshot().users).toEqual([
        { userId: 'ann', connections: 2 },
        { userId: 'cy', connections: 1 },
      ]);
      expect(presence.getSnapshot().cursors).toEqual([]); // bob's cursor went with him
      presence.close();
    });

    it('keeps a join heard while the list was on its way, though the list lacks the user', async () => {
      // Several nodes: the answering node delivered dan's user_join (read from the log) before it heard the other
      // node's presence change, so its list lacks dan, and no later event would bring him back.
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      const refreshed = presence.refresh();
      deliver('user_join', { userId: 'dan', userName: 'Dan' });
      answer([{ userId: 'ann', connections: 1 }]);
      await refreshed;
      await tick();
      expect(ids(presence)).toEqual(['ann', 'dan']);
      expect(presence.getSnapshot().users.find((u) => u.userId === 'dan')).toEqual({
        userId: 'dan',
        userName: 'Dan',
        connections: 1,
      });
      presence.close();
    });

    it("takes the list's fuller entry for a user whose join was heard meanwhile", async () => {
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      const refreshed = presence.refresh();
      deliver('user_join', { userId: 'dan' });
      answer([{ userId: 'dan', connections: 3 }]);
      await refreshed;
      await tick();
      expect(presence.getSnapshot().users).toEqual([{ userId: 'dan', connections: 3 }]);
      presence.close();
    });

    it('drops a user whose leave was heard while the list was on its way, though the list has them', async () => {
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      deliver('user_join', { userId: 'ann' });
      const refreshed = presence.refresh();
      deliver('user_leave', { userId: 'ann' });
      answer([{ userId: 'ann', connections: 1 }]);
      await refreshed;
      await tick();
      expect(ids(presence)).toEqual([]);
      presence.close();
    });

    it('keeps a status heard meanwhile over the list, and the list for users the status did not know', async () => {
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      deliver('user_join', { userId: 'ann' });
      const refreshed = presence.refresh();
      deliver('user_status', { userId: 'ann', status: 'idle', connections: 1 });
      deliver('user_status', { userId: 'eve', status: 'idle', connections: 1 }); // not known here yet
      answer([
        { userId: 'ann', connections: 1 },
        { userId: 'eve', connections: 2 },
      ]);
      await refreshed;
      await tick();
      expect(presence.getSnapshot().users).toEqual([
        { userId: 'ann', connections: 1, status: 'idle' },
        { userId: 'eve', connections: 2 },
      ]);
      presence.close();
    });

    it("ends at the log's order when a replay brings a join before the list and its leave after", async () => {
      // Away, fay joined and left again; the list (made after both) lacks her; the replay of the log straddles it.
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      const refreshed = presence.refresh();
      deliver('user_join', { userId: 'fay' });
      answer([]);
      await refreshed;
      expect(ids(presence)).toEqual(['fay']); // until the rest of the replay comes
      deliver('user_leave', { userId: 'fay' });
      await tick();
      expect(ids(presence)).toEqual([]);
      presence.close();
    });

    it('forgets what it heard once the list is in, and when asking for it fails', async () => {
      const { client, deliver, answer } = fakeClient([], true);
      const presence = new RoomPresence(client, ROOM);
      const first = presence.refresh();
      answer([]);
      await first;
      deliver('user_join', { userId: 'gus' }); // heard after the list: the next list decides
      const second = presence.refresh();
      answer([]);
      await second;
      expect(ids(presence)).toEqual([]);
      const failing = new RoomPresence(
        { ...client, request: () => Promise.reject(new Error('closed')) } as unknown as SynclineClient,
        ROOM,
      );
      await expect(failing.refresh()).rejects.toThrow('closed');
      expect((failing as unknown as { heard: Set<unknown> }).heard.size).toBe(0);
      failing.close();
      presence.close();
    });
  });
});
