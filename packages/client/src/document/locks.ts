import { DOC_METHODS, type ZoneLock } from '@syncline/protocol';
import type { Clock, TimerHandle, Timers } from '../environment.js';
import { SynclineError } from '../errors.js';
import type { DocTransport } from './transport.js';

export type LockLostReason = 'expired' | 'forced' | 'taken' | 'left' | 'refused';

export interface LockKeeperOptions {
  documentId: string;
  transport: DocTransport;
  timers: Timers;
  clock: Clock;
  /** Renew a held lock this often; default a third of the lease the server granted (1 s - 60 s). */
  renewMs?: number;
  /** The set of locks changed. */
  onChange(): void;
  /** A lock I held is gone (expired, forced by the owner, refused on renewal); `by`: who forced it (a user id), if told. */
  onLost(zoneId: string, reason: LockLostReason, by?: string): void;
  onError(error: SynclineError): void;
}

const MIN_RENEW_MS = 1_000;
const MAX_RENEW_MS = 60_000;

/**
 * The zone locks of one document: every lock (from `doc.open`, then `zone_lock`/`zone_unlock` events) as
 * an immutable record that is replaced on change, and the locks I hold, renewed while held.
 */
export class LockKeeper {
  private locks: Readonly<Record<string, ZoneLock>> = Object.freeze({});
  /** Zones I hold, with their renewal timer (`undefined`: a renewal is on its way, or waits for the reconnect). */
  private readonly held = new Map<string, TimerHandle | undefined>();
  /**
   * Zones I hold whose lease the server said ended (expired, or I had left) while their renewal was on its way: after
   * a reconnect, the room's missed events come before the renewal's answer, the end of my lock before whoever took
   * the zone next. The renewal decides: refused as locked, someone took it (told as `taken`); refused as ended (a
   * renewal never makes a new lock), it ended as the event said; granted (an older server), the lock is mine again.
   */
  private readonly lapsed = new Map<string, 'expired' | 'left'>();
  /** The latest `lock`/`unlock` call per zone: a lock reply that an `unlock` (or a newer `lock`) followed is stale. */
  private readonly calls = new Map<string, number>();
  /** Zones whose `lock` request awaits its reply (by that call). */
  private readonly locking = new Map<string, number>();
  private callCount = 0;
  private disposed = false;
  /**
   * Since the last `doc.open` was sent: the last lock change heard per zone (events, my lock and unlock answers): a
   * lock, or the end of that user's lock. The server reads its list before it answers, so a change heard before the
   * answer may be newer than the list; it stands over the list's entry for that zone (`replace`). A change heard
   * before the open was sent is in its list; one heard after the answer comes after it.
   */
  private heard: Map<string, ZoneLock | { endedFor: string }> | null = null;

  constructor(private readonly options: LockKeeperOptions) {}

  /** Every lock, by zone id. A new object whenever a lock changes. */
  get all(): Readonly<Record<string, ZoneLock>> {
    return this.locks;
  }

  /** Whether I hold the lock of `zoneId` (and keep renewing it). */
  holds(zoneId: string): boolean {
    return this.held.has(zoneId);
  }

  /** A `doc.open` is sent: the lock changes heard until its answer (`replace`) stand over its list. */
  opening(): void {
    this.heard = new Map();
  }

  /** The locks as `doc.open` reported them, with the changes heard since it was sent over them. */
  replace(list: readonly ZoneLock[]): void {
    const next: Record<string, ZoneLock> = {};
    for (const lock of list) next[lock.zoneId] = lock;
    for (const [zoneId, change] of this.heard ?? []) {
      if (!('endedFor' in change)) next[zoneId] = change;
      else if (next[zoneId]?.userId === change.endedFor) delete next[zoneId];
    }
    this.heard = null;
    this.locks = Object.freeze(next);
    for (const zoneId of [...this.held.keys()]) {
      const lock = next[zoneId];
      if (lock && lock.userId !== this.options.transport.userId) this.lost(zoneId, 'taken');
      else if (lock) continue;
      // Gone while its renewal is on its way (a re-open after a reconnect): the renewal says what became of it.
      else if (this.held.get(zoneId) === undefined) this.lapsed.set(zoneId, 'expired');
      else this.lost(zoneId, 'expired');
    }
    this.options.onChange();
  }

  /** A `zone_lock` event. */
  locked(lock: ZoneLock): void {
    this.set(lock);
    if (this.held.has(lock.zoneId) && lock.userId !== this.options.transport.userId)
      this.lost(lock.zoneId, 'taken');
  }

  /** A `zone_unlock` event; `by`: who ended it (a user id), when not its holder (`forced`: the document's owner). */
  unlocked(zoneId: string, userId: string, reason: string, by?: string): void {
    const known = this.locks[zoneId];
    // Unknown here: it may be in the list of the open on its way (read before it ended).
    if (known === undefined) this.heard?.set(zoneId, { endedFor: userId });
    if (known?.userId !== userId) return; // an older lock's end
    this.remove(zoneId);
    if (!this.held.has(zoneId) || userId !== this.options.transport.userId) return;
    // Released by me on another device (or tab): no longer mine to renew, which would lock it again; nothing lost.
    if (reason === 'released') this.stop(zoneId);
    else if (reason === 'forced') this.lost(zoneId, 'forced', by);
    // Its lease ended while I was away (the renewal sent on reconnecting is not answered yet): not told yet, as the
    // renewal, or the `zone_lock` of whoever took it meanwhile (`locked`), says what became of it.
    else if (this.held.get(zoneId) === undefined)
      this.lapsed.set(zoneId, reason === 'left' ? 'left' : 'expired');
    else this.lost(zoneId, reason === 'left' ? 'left' : 'expired');
  }

  /** Locks `zoneId` (or renews my lock), and keeps renewing it until `unlock`. */
  async lock(zoneId: string): Promise<ZoneLock> {
    // Asked for after the document closed (its open resolved in the same turn as the close): a lock granted now would
    // be held by nobody until its lease ran out, refusing everyone else's edits of the zone meanwhile.
    if (this.disposed) throw new SynclineError('closed', 'the document was closed');
    const call = this.newCall(zoneId);
    this.locking.set(zoneId, call);
    let lock: ZoneLock;
    try {
      lock = await this.options.transport.request<ZoneLock>(DOC_METHODS.lock, {
        documentId: this.options.documentId,
        zoneId,
      });
    } finally {
      if (this.locking.get(zoneId) === call) this.locking.delete(zoneId);
    }
    // Unlocked since (the server released it after granting it): holding it would renew it again.
    if (this.disposed || this.calls.get(zoneId) !== call) return lock;
    this.set(lock);
    this.schedule(zoneId, lock);
    return lock;
  }

  /** Releases my lock of `zoneId`; `force` (the document's owner) releases anyone's. */
  async unlock(zoneId: string, force = false): Promise<void> {
    this.newCall(zoneId);
    this.stop(zoneId);
    await this.options.transport.request(DOC_METHODS.unlock, {
      documentId: this.options.documentId,
      zoneId,
      ...(force ? { force } : {}),
    });
    if (this.locks[zoneId] && (force || this.locks[zoneId].userId === this.options.transport.userId))
      this.remove(zoneId);
  }

  /** After a reconnect: renew every lock I hold now (the lease may have run out meanwhile). */
  resumed(): void {
    for (const zoneId of this.held.keys()) this.renew(zoneId);
  }

  /** Stops every renewal and releases what I hold, or asked for and may be granted (best effort). */
  dispose(): void {
    if (this.disposed) return;
    this.release(new Set());
    this.disposed = true;
  }

  /**
   * Releases what I hold, or asked for and may be granted, except the zones in `keep` (best effort): no longer
   * renewed, and a grant still to come is not kept.
   */
  release(keep: ReadonlySet<string>): void {
    if (this.disposed) return;
    // A lock whose reply has not come yet is released too: sent after it, the unlock is handled after it
    // (as with `unlock`), while the room is still entered; once the reply came, the room may be left.
    // With replay on, like the lock: a lock asked for offline is queued and goes out after the reconnect, and
    // granted (the document opened again meanwhile), nobody would renew or release it before its lease ran
    // out. If the room is not entered then, both get `not_joined`: harmless.
    const asked = [...this.locking].filter(([zoneId, call]) => this.calls.get(zoneId) === call);
    for (const zoneId of new Set([...this.held.keys(), ...asked.map(([zoneId]) => zoneId)])) {
      if (keep.has(zoneId)) continue;
      this.newCall(zoneId); // the reply of a lock still asked for is stale now
      this.stop(zoneId);
      this.options.transport
        .request(DOC_METHODS.unlock, { documentId: this.options.documentId, zoneId })
        .catch(() => {});
    }
  }

  private newCall(zoneId: string): number {
    const call = ++this.callCount;
    this.calls.set(zoneId, call);
    return call;
  }

  private set(lock: ZoneLock): void {
    this.heard?.set(lock.zoneId, lock);
    this.locks = Object.freeze({ ...this.locks, [lock.zoneId]: lock });
    this.options.onChange();
  }

  private remove(zoneId: string): void {
    if (!Object.hasOwn(this.locks, zoneId)) return;
    this.heard?.set(zoneId, { endedFor: this.locks[zoneId].userId });
    const { [zoneId]: _gone, ...rest } = this.locks;
    this.locks = Object.freeze(rest);
    this.options.onChange();
  }

  private schedule(zoneId: string, lock: ZoneLock): void {
    this.stop(zoneId);
    // `expiresAt` is the server's time: a client clock a minute behind would otherwise renew after the lease ended.
    const { transport, clock } = this.options;
    const lease = lock.expiresAt - (transport.serverNow ? transport.serverNow() : clock.now());
    const every =
      this.options.renewMs ??
      Math.min(MAX_RENEW_MS, Math.max(MIN_RENEW_MS, lease > 0 ? Math.floor(lease / 3) : 10_000));
    this.held.set(
      zoneId,
      this.options.timers.setTimeout(() => {
        this.held.set(zoneId, undefined);
        this.renew(zoneId);
      }, every),
    );
  }

  private renew(zoneId: string): void {
    const { transport, documentId } = this.options;
    const timer = this.held.get(zoneId);
    if (timer !== undefined) this.options.timers.clearTimeout(timer);
    this.held.set(zoneId, undefined);
    // `renew`: only a lock still mine is extended; one that ended meanwhile is not made again (`not_found`).
    const params = { documentId, zoneId, renew: true };
    transport.request<ZoneLock | undefined>(DOC_METHODS.lock, params, { replay: false }).then(
      (lock) => {
        // `undefined`: not connected; `resumed()` renews after the next handshake.
        if (!lock || this.disposed || !this.held.has(zoneId)) return;
        this.set(lock);
        this.schedule(zoneId, lock);
      },
      (error: unknown) => {
        if (this.disposed || !this.held.has(zoneId)) return;
        const code = error instanceof SynclineError ? error.code : undefined;
        // Refused after its lease ended while I was away: someone took the zone meanwhile.
        if (code === 'zone_locked' || code === 'forbidden')
          this.lost(zoneId, this.lapsed.has(zoneId) ? 'taken' : 'refused');
        // Ended meanwhile (its lease ran out while I was offline; the owner's release is told by its own event).
        else if (code === 'not_found') this.lost(zoneId, this.lapsed.get(zoneId) ?? 'expired');
        else {
          // Transient (timeout, unavailable): try again at the next period.
          this.options.onError(
            error instanceof SynclineError ? error : new SynclineError('internal', String(error)),
          );
          this.held.set(
            zoneId,
            this.options.timers.setTimeout(
              () => this.renew(zoneId),
              this.options.renewMs ?? MIN_RENEW_MS * 5,
            ),
          );
        }
      },
    );
  }

  private stop(zoneId: string): void {
    const timer = this.held.get(zoneId);
    if (timer !== undefined) this.options.timers.clearTimeout(timer);
    this.held.delete(zoneId);
    this.lapsed.delete(zoneId); // let go, or granted again (`schedule`): nothing left to tell
  }

  private lost(zoneId: string, reason: LockLostReason, by?: string): void {
    this.stop(zoneId);
    this.options.onLost(zoneId, reason, by);
  }
}
