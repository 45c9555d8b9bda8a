import type { ServerMessage } from '@syncline/protocol';
import type { Connection } from './connection.js';
import { DedupWindow } from './dedup-window.js';
import type { Identity } from './identity.js';
import { SerialRunner } from './serial-runner.js';
import { withItem, withoutIndex } from './small-set.js';
import type { Subscription } from './subscription.js';

/**
 * What survives a reconnect: the user, the rooms (subscriptions) and the recent message ids with their
 * replies. A session is attached to at most one connection at a time; after its socket closes it can
 * be resumed with its id and key for `sessionGraceMs`.
 */
export class Session {
  readonly subs = new SessionRooms();
  conn: Connection | null = null;
  /** When the session lost its connection (0 while attached). */
  detachedAt = 0;
  /** Whether this session counts in the presence of the rooms it joined. */
  present = false;
  /** The client said its user is away (`presence.status`): the session counts as idle in presence. */
  idle = false;
  /** Keeps the session's messages in order when one of them must finish before the next. */
  readonly serial = new SerialRunner();
  private dedupWindow: DedupWindow<ServerMessage> | null = null;

  constructor(
    readonly id: string,
    readonly key: string,
    public identity: Identity,
    private readonly dedupCapacity: number,
  ) {}

  get userId(): string {
    return this.identity.userId;
  }

  get dedupIfAny(): DedupWindow<ServerMessage> | null {
    return this.dedupWindow;
  }

  get dedup(): DedupWindow<ServerMessage> {
    this.dedupWindow ??= new DedupWindow(this.dedupCapacity);
    return this.dedupWindow;
  }
}

/**
 * A session's subscriptions by room name: an array, since a session is in a handful of rooms and a Map
 * costs ~200 bytes per idle connection even then.
 */
export class SessionRooms implements Iterable<[string, Subscription]> {
  private list: Subscription[] = [];

  get size(): number {
    return this.list.length;
  }

  get(room: string): Subscription | undefined {
    for (const s of this.list) if (s.room.name === room) return s;
    return undefined;
  }

  set(room: string, sub: Subscription): void {
    this.delete(room);
    this.list = withItem(this.list, sub);
  }

  delete(room: string): boolean {
    const i = this.list.findIndex((s) => s.room.name === room);
    if (i < 0) return false;
    this.list = withoutIndex(this.list, i);
    return true;
  }

  clear(): void {
    this.list = [];
  }

  /** A snapshot: safe to change the rooms while iterating it. */
  values(): Subscription[] {
    return [...this.list];
  }

  *[Symbol.iterator](): Iterator<[string, Subscription]> {
    for (const s of [...this.list]) yield [s.room.name, s];
  }
}
