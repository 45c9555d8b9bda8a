import type { ZoneLock } from '@syncline/protocol';

type MaybePromise<T> = T | Promise<T>;

/**
 * The zone locks of one document, wherever they live: in this process (`ZoneLocks`) or shared by every node
 * (`RedisZoneLocks`, leases in Redis, so a lock taken on one node refuses edits on another and is released
 * after its lease when its node dies). Callers `await` every call; the in-memory table answers synchronously.
 */
export interface ZoneLockTable {
  get(zoneId: string, now: number): MaybePromise<ZoneLock | undefined>;
  acquire(
    zoneId: string,
    userId: string,
    userName: string | undefined,
    now: number,
    ttlMs: number,
  ): MaybePromise<ZoneLock>;
  /**
   * Removes the lock on a zone and returns it. With `holder`, only a lock that user holds: one checked before
   * may have run out and been taken by someone else meanwhile, whose lock stays.
   */
  release(zoneId: string, holder?: string): MaybePromise<ZoneLock | undefined>;
  /**
   * Removes and returns the locks a user holds; with `expiringBefore`, only those whose lease ends before it (taken
   * or renewed before `expiringBefore - ttl`: a lock taken after the user left and came back is theirs again).
   */
  releaseUser(userId: string, expiringBefore?: number): MaybePromise<ZoneLock[]>;
  expire(now: number): MaybePromise<ZoneLock[]>;
  blocking(
    zoneIds: readonly string[],
    all: boolean,
    userId: string,
    now: number,
  ): MaybePromise<ZoneLock | undefined>;
  list(now: number): MaybePromise<ZoneLock[]>;
  /** Locks held (as last seen by this node, for a shared table). */
  readonly size: number;
}

/**
 * The zone locks of one document: leases that expire unless renewed. A lock blocks other users' ops on
 * the zone; its holder's own ops pass.
 */
export class ZoneLocks implements ZoneLockTable {
  private readonly locks = new Map<string, ZoneLock>();

  /** The live lock on a zone, if any (an expired one counts as none). */
  get(zoneId: string, now: number): ZoneLock | undefined {
    const l = this.locks.get(zoneId);
    return l && l.expiresAt > now ? l : undefined;
  }

  /** Takes or renews a lock; returns the lock that holds the zone afterwards (maybe someone else's). */
  acquire(
    zoneId: string,
    userId: string,
    userName: string | undefined,
    now: number,
    ttlMs: number,
  ): ZoneLock {
    const held = this.get(zoneId, now);
    if (held && held.userId !== userId) return held;
    const lock: ZoneLock = { zoneId, userId, expiresAt: now + ttlMs };
    if (userName !== undefined) lock.userName = userName;
    this.locks.set(zoneId, lock);
    return lock;
  }

  release(zoneId: string, holder?: string): ZoneLock | undefined {
    const l = this.locks.get(zoneId);
    if (l === undefined || (holder !== undefined && l.userId !== holder)) return undefined;
    this.locks.delete(zoneId);
    return l;
  }

  /** Removes and returns the locks held by a user (with `expiringBefore`, those whose lease ends before it). */
  releaseUser(userId: string, expiringBefore = Number.POSITIVE_INFINITY): ZoneLock[] {
    const out: ZoneLock[] = [];
    for (const [zoneId, l] of this.locks) {
      if (l.userId === userId && l.expiresAt < expiringBefore) {
        this.locks.delete(zoneId);
        out.push(l);
      }
    }
    return out;
  }

  /** Removes and returns the locks whose lease has run out. */
  expire(now: number): ZoneLock[] {
    const out: ZoneLock[] = [];
    for (const [zoneId, l] of this.locks) {
      if (l.expiresAt <= now) {
        this.locks.delete(zoneId);
        out.push(l);
      }
    }
    return out;
  }

  /** A zone locked by someone other than `userId`, among `zoneIds` (all zones when `all`). */
  blocking(zoneIds: readonly string[], all: boolean, userId: string, now: number): ZoneLock | undefined {
    if (all) {
      for (const l of this.locks.values()) if (l.userId !== userId && l.expiresAt > now) return l;
      return undefined;
    }
    for (const z of zoneIds) {
      const l = this.get(z, now);
      if (l && l.userId !== userId) return l;
    }
    return undefined;
  }

  list(now: number): ZoneLock[] {
    return [...this.locks.values()].filter((l) => l.expiresAt > now);
  }

  get size(): number {
    return this.locks.size;
  }
}
