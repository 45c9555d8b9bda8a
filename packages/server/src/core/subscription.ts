import type { SharedBatch } from './out-message.js';
import type { Room } from './room.js';
import type { Session } from './session.js';

export type RoomMode = 'join' | 'subscribe';

/**
 * One session's membership of one room. It outlives a socket: while the session is detached the
 * subscription is kept (not delivered to), and a resume re-attaches it and replays from `sentSeq`
 * or from the `since` the client sends.
 */
export class Subscription {
  /** Highest seq delivered (queued) to this session's connection. */
  sentSeq = 0;
  /** Replaying from the log; live deliveries wait until the replay has caught up. */
  catchingUp = false;
  /** Bumped by every replay start, so an older replay loop that is still awaiting a read gives up. */
  replay = 0;
  /** The room's shared batch this subscription's connection has queued this turn, if any. */
  batch: SharedBatch | null = null;

  constructor(
    readonly session: Session,
    /** Re-bound by `enterRoom` when the room was unloaded while the session was away. */
    public room: Room,
    public mode: RoomMode,
    public types: ReadonlySet<string> | null,
  ) {}

  /**
   * Stops taking the room's shared batch of this turn (the subscription leaves, or replays from another position):
   * its connection keeps what the batch holds now, not what the room adds to it later in the turn.
   */
  dropBatch(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    this.session.conn?.expandBatch(batch);
  }

  accepts(type: string): boolean {
    return this.types === null || this.types.has(type);
  }
}
