import type { EventMessage, PresenceMember } from '@syncline/protocol';
import type { SynclineClient } from './client.js';
import type { Disposer } from './emitter.js';
import type { Clock, Timers } from './environment.js';
import { Throttle } from './throttle.js';

/** Another user's cursor, in page coordinates (0..1 of the page's width and height: zoom-independent). */
export interface Cursor {
  userId: string;
  page: number;
  x: number;
  y: number;
  zoneId?: string | null;
  /** While editing the zone's text: the caret (`start` = `end`) or selected range, in code points. */
  selection?: { start: number; end: number; v?: number } | null;
  /** When it arrived (ms since epoch, this client's clock). */
  at: number;
}

export interface PresenceSnapshot {
  /** Everyone present, one entry per user (tabs and devices counted in `connections`). */
  users: readonly PresenceMember[];
  /** Other users' cursors. */
  cursors: readonly Cursor[];
}

type CursorInput = Omit<Cursor, 'userId' | 'at'>;
/** Which presence event was last heard of a user while a list was on its way (see `RoomPresence.refresh`). */
type Heard = 'join' | 'leave' | 'status';

/**
 * Who is in a room and where their cursors are: seeded with the server's list when started (so a joiner
 * sees everyone at once), kept current by `user_join` / `user_leave` / `user_status` (idle or active, on how many
 * connections) / `cursor_update`, re-seeded after every reconnect. A user's cursor goes when the user leaves. Your own cursor
 * goes out at most `cursorHz` times a second (default 30), the last position always.
 *
 * A list is an answer as of when the server made it, and the events heard while it was on its way are newer than
 * the client's view but not always older than the list: a reconnect's replay brings events from before the answer
 * after it, and with several nodes a node can answer before it has heard another node's presence change whose event
 * it already delivered. So for a user with an event heard while the list was asked for, that event stands (a leave
 * removes them, a join keeps them, a status keeps its status) and the list says the rest; later events go on as
 * usual, so the view ends at the log's order either way.
 *
 * `getSnapshot` and `subscribe` fit React's `useSyncExternalStore`. The changes one frame brings (a hundred
 * users' cursors) make one new snapshot and one notification, right after the frame (a microtask).
 */
export class RoomPresence {
  private users = new Map<string, PresenceMember>();
  /** Per `refresh` in flight: the users whose presence events were heard meanwhile, with the last one's kind. */
  private readonly heard = new Set<Map<string, Heard>>();
  private cursors = new Map<string, Cursor>();
  private snapshot: PresenceSnapshot = { users: [], cursors: [] };
  private readonly listeners = new Set<() => void>();
  private dirty = false;
  private readonly disposers: Disposer[] = [];
  private readonly throttle: Throttle<CursorInput>;
  private readonly clock: Clock;

  constructor(
    private readonly client: SynclineClient,
    readonly room: string,
    options: { cursorHz?: number; timers?: Timers; clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.throttle = new Throttle((c) => void this.client.publish(room, 'cursor_update', c).catch(() => {}), {
      hz: options.cursorHz ?? 30,
      timers: options.timers,
      clock: this.clock,
    });
    const mine = (e: EventMessage) => e.room === room;
    this.disposers.push(
      client.subscribe('user_join', (d, e) => {
        if (!mine(e)) return;
        this.hear(d.userId, 'join');
        if (this.users.has(d.userId)) return;
        const m: PresenceMember = { userId: d.userId, connections: 1 };
        if (d.userName !== undefined) m.userName = d.userName;
        if (d.avatar !== undefined) m.avatar = d.avatar;
        this.users.set(d.userId, m);
        this.changed();
      }),
      client.subscribe('user_status', (d, e) => {
        if (!mine(e)) return;
        this.hear(d.userId, 'status');
        const m = this.users.get(d.userId);
        if (!m) return;
        const connections = d.connections ?? m.connections;
        if ((m.status ?? 'active') === d.status && connections === m.connections) return;
        const { status: _, ...rest } = m;
        const next = { ...rest, connections };
        this.users.set(d.userId, d.status === 'idle' ? { ...next, status: 'idle' } : next);
        this.changed();
      }),
      client.subscribe('user_leave', (d, e) => {
        if (!mine(e)) return;
        this.hear(d.userId, 'leave');
        const had = this.users.delete(d.userId);
        if (this.cursors.delete(d.userId) || had) this.changed();
      }),
      client.subscribe('cursor_update', (d, e) => {
        if (!mine(e) || e.from === undefined || e.from === client.userId) return;
        const { page, x, y, zoneId, selection } = d as CursorInput;
        this.cursors.set(e.from, { userId: e.from, page, x, y, zoneId, selection, at: this.clock.now() });
        this.changed();
      }),
      // After a reconnect the server's list is the truth (joins and leaves missed meanwhile).
      client.on('welcome', () => void this.refresh().catch(() => {})),
    );
  }

  /** Fetches the server's list of members (call once joined; done again after each reconnect). */
  async refresh(): Promise<void> {
    const heard = new Map<string, Heard>();
    this.heard.add(heard);
    let members: PresenceMember[];
    try {
      ({ members } = await this.client.request<{ members: PresenceMember[] }>('room.members', {
        room: this.room,
      }));
    } finally {
      this.heard.delete(heard);
    }
    const users = new Map(members.map((m) => [m.userId, m]));
    for (const [userId, kind] of heard) {
      const mine = this.users.get(userId); // a join always made one; a status only for a user known here
      if (kind === 'leave') users.delete(userId);
      else if (mine && (kind === 'status' || !users.has(userId))) users.set(userId, mine); // a join: the list's is fuller
    }
    this.users = users;
    for (const id of [...this.cursors.keys()]) if (!this.users.has(id)) this.cursors.delete(id);
    this.changed();
  }

  /**
   * Queues my cursor (sent at most `cursorHz` times a second). `x` and `y` go out rounded to 5 decimals: a
   * hundred-thousandth of a page is far below a pixel at any zoom, and full doubles made every cursor of a
   * busy room ~25 bytes longer for everyone to receive.
   */
  moveCursor(cursor: CursorInput): void {
    this.throttle.push({ ...cursor, x: roundCoordinate(cursor.x), y: roundCoordinate(cursor.y) });
  }

  getSnapshot = (): PresenceSnapshot => this.snapshot;

  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A presence event of `userId` arrived: the lists asked for meanwhile do not override it (see the class). */
  private hear(userId: string, kind: Heard): void {
    for (const heard of this.heard) heard.set(userId, kind);
  }

  close(): void {
    this.throttle.cancel();
    for (const d of this.disposers.splice(0)) d();
    this.listeners.clear();
  }

  /**
   * Something changed: a new snapshot and one notification once the current frame's events are all in. Per
   * event, a frame of n cursors made n snapshots of n cursors each, and n notifications.
   */
  private changed(): void {
    if (this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => {
      this.dirty = false;
      this.snapshot = { users: [...this.users.values()], cursors: [...this.cursors.values()] };
      for (const l of this.listeners) l();
    });
  }
}

/** A cursor coordinate as sent: rounded to 5 decimals (0.1234567891 -> 0.12346). */
export const roundCoordinate = (n: number): number => Math.round(n * 1e5) / 1e5;
