import type { Disposer, RoomMode, SynclineClient } from '@syncline/client';
import type { RoomState } from '@syncline/protocol';

interface Lease {
  join: number;
  subscribe: number;
  /** The membership as the server confirmed it (the latest enter command's promise). */
  entered: Promise<RoomState>;
}

/**
 * Reference-counted room membership on one client, so that several hooks (and the document client) can
 * share a room: the first lease enters the room, the last release leaves it. A `join` lease (presence)
 * upgrades a `subscribe` membership; when the last `join` lease goes and `subscribe` leases remain, the
 * membership goes back to `subscribe` (leave, then subscribe from the last event seen, so none is missed):
 * the user is no longer shown as present, and the subscribers keep their events.
 */
export class RoomLeases {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly client: SynclineClient) {}

  /** Enters `room` (unless already in it) and returns the lease; release it with `release()` once. */
  acquire(room: string, mode: RoomMode): { entered: Promise<RoomState>; release: Disposer } {
    let lease = this.leases.get(room);
    if (!lease) {
      const entered = this.enter(room, mode);
      lease = { join: 0, subscribe: 0, entered };
      this.leases.set(room, lease);
    } else if (mode === 'join' && lease.join === 0) {
      lease.entered = this.enter(room, 'join'); // upgrade to presence
    }
    lease[mode]++;
    const held = lease;
    let released = false;
    return {
      entered: held.entered,
      release: () => {
        if (released) return;
        released = true;
        held[mode]--;
        if (this.leases.get(room) !== held) return;
        if (held.join + held.subscribe === 0) {
          this.leases.delete(room);
          this.client.leave(room).catch(() => {});
        } else if (mode === 'join' && held.join === 0) {
          // Presence ends with the last join lease; the subscribers keep the events, from where they were.
          const since = this.client.roomSeq(room);
          this.client.leave(room).catch(() => {});
          held.entered = this.enter(room, 'subscribe', since);
        }
      },
    };
  }

  /** Rooms currently held, with their lease counts (for tests and debugging). */
  held(): Record<string, { join: number; subscribe: number }> {
    const out: Record<string, { join: number; subscribe: number }> = {};
    for (const [room, l] of this.leases) out[room] = { join: l.join, subscribe: l.subscribe };
    return out;
  }

  private enter(room: string, mode: RoomMode, since?: number): Promise<RoomState> {
    const options = since === undefined ? undefined : { since };
    const entered = mode === 'join' ? this.client.join(room) : this.client.subscribeRoom(room, options);
    entered.catch(() => {}); // a refusal is reported to whoever awaits `entered`
    return entered;
  }
}
