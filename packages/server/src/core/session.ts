import type { ServerMessage } from '@syncline/protocol';
import type { Connection } from './connection.js';
import { DedupWindow } from './dedup-window.js';
import type { Identity } from './identity.js';
import { SerialRunner } from './serial-runner.js';
import type { Subscription } from './subscription.js';

/**
 * What survives a reconnect: the user, the rooms (subscriptions) and the recent message ids with their
 * replies. A session is attached to at most one connection at a time; after its socket closes it can
 * be resumed with its id and key for `sessionGraceMs`.
 */
export class Session {
  readonly subs = new Map<string, Subscription>();
  conn: Connection | null = null;
  /** When the session lost its connection (0 while attached). */
  detachedAt = 0;
  /** Whether this session counts in the presence of the rooms it joined. */
  present = false;
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

  get dedup(): DedupWindow<ServerMessage> {
    this.dedupWindow ??= new DedupWindow(this.dedupCapacity);
    return this.dedupWindow;
  }
}
