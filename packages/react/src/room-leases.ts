import type { Disposer, RoomMode, SynclineClient } from '@syncline/client';
import type { RoomState } from '@syncline/protocol';

interface Lease {
  join: number;
  subscribe: number;
  /** The membership entered: `join` while a join lease holds it (or until a release is settled), else `subscribe`. */
  mode: RoomMode;
  /** The membership as the server confirmed it (the latest enter command's promise). */
  entered: Promise<RoomState>;
  /** The latest enter command failed: the client is not in the room, so the next lease enters it again. */
  failed: boolean;
  /** The latest enter command succeeded. */
  in: boolean;
  /** Told each time an enter command succeeds (the holders' `onEntered`). */
  readonly listeners: Set<() => void>;
}

/** A holder's share of a room membership. */
export interface RoomLease {
  /** The membership as the server confirmed it when acquired (rejects when that enter command failed). */
  readonly entered: Promise<RoomState>;
  /**
   * Calls `listener` each time the room is entered while this lease is held: at once when it is in already, then
   * after every enter command that succeeds, such as another holder's retry after a failed join (which `entered`,
   * rejected, never tells). Not after a reconnect: the client re-enters its rooms on its own then (`welcome`).
   */
  onEntered(listener: () => void): Disposer;
  /** Gives the share back (once; again does nothing). */
  release: Disposer;
}

/** The memberships of each client, shared by every provider given the same client. */
const memberships = new WeakMap<SynclineClient, ClientRooms>();

/**
 * A provider's room memberships on its client. The counting is shared per client (`ClientRooms`), so two providers
 * given the same client (two React roots on a page) hold its rooms together: one unmounting (`leaveAll`) gives back
 * only its own leases, and leaves only the rooms nobody else holds.
 */
export class RoomLeases {
  private readonly rooms: ClientRooms;
  /** This provider's leases not released yet. */
  private readonly mine = new Set<Disposer>();

  constructor(client: SynclineClient) {
    let rooms = memberships.get(client);
    if (!rooms) {
      rooms = new ClientRooms(client);
      memberships.set(client, rooms);
    }
    this.rooms = rooms;
  }

  /** See `ClientRooms.acquire`. */
  acquire(room: string, mode: RoomMode, options: { again?: boolean } = {}): RoomLease {
    const lease = this.rooms.acquire(room, mode, options);
    const release = () => {
      this.mine.delete(release);
      lease.release();
    };
    this.mine.add(release);
    return { entered: lease.entered, onEntered: lease.onEntered, release };
  }

  /** The client's rooms held now, by any provider, with their lease counts (for tests and debugging). */
  held(): Record<string, { join: number; subscribe: number }> {
    return this.rooms.held();
  }

  /** See `ClientRooms.flush`. */
  flush(): void {
    this.rooms.flush();
  }

  /**
   * Gives back every lease of this provider and settles at once (the provider is going away; its hooks' releases
   * come after and change nothing): the rooms nobody else holds are left before the client closes, so that others
   * see me go at once, not after the server's grace.
   */
  leaveAll(): void {
    for (const release of [...this.mine]) release();
    this.rooms.flush();
  }
}

/**
 * Reference-counted room membership on one client, so that several hooks (and the document client) can
 * share a room: the first lease enters the room, the last release leaves it. A `join` lease (presence)
 * upgrades a `subscribe` membership; when the last `join` lease goes and `subscribe` leases remain, the
 * membership goes back to `subscribe` (leave, then subscribe from the last event seen, so none is missed):
 * the user is no longer shown as present, and the subscribers keep their events. A release is settled after a
 * microtask, so a holder that goes and comes back at once (React StrictMode runs every effect twice, a remount)
 * keeps the membership: no leave and join again, which others would see as the user leaving and coming back.
 */
class ClientRooms {
  private readonly leases = new Map<string, Lease>();
  /** Rooms with a release not settled yet. */
  private readonly unsettled = new Set<string>();

  constructor(private readonly client: SynclineClient) {}

  /**
   * Enters `room` (unless already in it) and returns the lease; release it with `release()` once. `again`: enter
   * it again even when already in it, as the client's own `join` does (a holder that was told it is not in the
   * room: a join that timed out, a room the server did not re-enter after a reconnect, `not_joined`).
   */
  acquire(room: string, mode: RoomMode, options: { again?: boolean } = {}): RoomLease {
    let lease = this.leases.get(room);
    if (!lease) {
      lease = {
        join: 0,
        subscribe: 0,
        mode,
        entered: this.enter(room, mode),
        failed: false,
        in: false,
        listeners: new Set(),
      };
      this.watch(lease);
      this.leases.set(room, lease);
    } else if ((mode === 'join' && lease.mode !== 'join') || lease.failed || options.again) {
      // An upgrade to presence, or the membership is to be entered again.
      if (mode === 'join') lease.mode = 'join';
      lease.entered = this.enter(room, lease.mode);
      this.watch(lease);
    }
    lease[mode]++;
    const held = lease;
    let released = false;
    const mine = new Set<() => void>();
    return {
      entered: held.entered,
      onEntered: (listener) => {
        if (released) return () => {};
        const call = () => listener();
        mine.add(call);
        held.listeners.add(call);
        if (held.in) call();
        return () => {
          mine.delete(call);
          held.listeners.delete(call);
        };
      },
      release: () => {
        if (released) return;
        released = true;
        for (const call of mine) held.listeners.delete(call);
        mine.clear();
        held[mode]--;
        if (this.unsettled.size === 0) queueMicrotask(() => this.flush());
        this.unsettled.add(room);
      },
    };
  }

  /** Rooms currently held, with their lease counts (for tests and debugging). */
  held(): Record<string, { join: number; subscribe: number }> {
    const out: Record<string, { join: number; subscribe: number }> = {};
    for (const [room, l] of this.leases) out[room] = { join: l.join, subscribe: l.subscribe };
    return out;
  }

  /**
   * Settles the releases now: leaves the rooms nobody holds, ends the presence nobody asks for any more. Done a
   * microtask after a release; call it before closing the client, so that the leaves go out first.
   */
  flush(): void {
    const rooms = [...this.unsettled];
    this.unsettled.clear();
    for (const room of rooms) this.settle(room);
  }

  private settle(room: string): void {
    const lease = this.leases.get(room);
    if (!lease) return;
    if (lease.join + lease.subscribe === 0) {
      this.leases.delete(room);
      this.client.leave(room).catch(() => {});
    } else if (lease.mode === 'join' && lease.join === 0) {
      // Presence ends with the last join lease; the subscribers keep the events, from where they were.
      const since = this.client.roomSeq(room);
      this.client.leave(room).catch(() => {});
      lease.mode = 'subscribe';
      lease.entered = this.enter(room, 'subscribe', since);
      this.watch(lease);
    }
  }

  private enter(room: string, mode: RoomMode, since?: number): Promise<RoomState> {
    const options = since === undefined ? undefined : { since };
    return mode === 'join' ? this.client.join(room) : this.client.subscribeRoom(room, options);
  }

  /**
   * A refusal of the lease's latest enter command is reported to whoever awaits `entered`; the client forgot the
   * room meanwhile, so the next lease enters it again instead of being handed the same refusal. Its success is told
   * to the holders' `onEntered` listeners.
   */
  private watch(lease: Lease): void {
    const entered = lease.entered;
    lease.failed = false;
    lease.in = false;
    entered.then(
      () => {
        if (lease.entered !== entered) return;
        lease.in = true;
        for (const listener of [...lease.listeners]) listener();
      },
      () => {
        if (lease.entered === entered) lease.failed = true;
      },
    );
  }
}
