import { ErrorCode, type ZoneLock } from '@syncline/protocol';
import type { Redis } from 'ioredis';
import { SynclineError } from '../core/errors.js';
import type { ZoneLockTable } from '../docs/zone-locks.js';
import { ACQUIRE_LOCK, RELEASE_LOCK, REMOVE_LOCKS } from './redis-scripts.js';

/** Extra life of a document's lock hash past its longest lease, so an abandoned hash is collected. */
const KEY_SLACK_MS = 60_000;

const parse = (json: string): ZoneLock => JSON.parse(json) as ZoneLock;

/**
 * A Redis command that failed (the connection lost, its retries given up): `unavailable`, which a client retries
 * (an edit stays pending) and an app can word ("try again"), rather than `internal`.
 */
const brokerDown = (): never => {
  throw new SynclineError(
    ErrorCode.Unavailable,
    'zone locks cannot be checked right now (the server lost its connection to the broker); try again',
  );
};

/**
 * The zone locks of one document as leases in Redis (one hash per document, zone -> lock JSON), shared by every
 * node: a lock taken on node A refuses edits on node B, and a lock whose node died simply runs out at its
 * `expiresAt` (the lease); whichever node sweeps it first announces the `zone_unlock`. Taking a lock is one
 * atomic script (check the holder, set), so two nodes cannot both win a zone.
 */
export class RedisZoneLocks implements ZoneLockTable {
  /** Locks held as last seen by this node (the sequencer unloads a document only when it has none). */
  size = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async get(zoneId: string, now: number): Promise<ZoneLock | undefined> {
    const json = await this.redis.hget(this.key, zoneId).catch(brokerDown);
    const l = json ? parse(json) : undefined;
    return l && l.expiresAt > now ? l : undefined;
  }

  async acquire(
    zoneId: string,
    userId: string,
    userName: string | undefined,
    now: number,
    ttlMs: number,
  ): Promise<ZoneLock> {
    const lock: ZoneLock = { zoneId, userId, expiresAt: now + ttlMs };
    if (userName !== undefined) lock.userName = userName;
    const json = (await this.redis
      .eval(
        ACQUIRE_LOCK,
        1,
        this.key,
        zoneId,
        userId,
        String(now),
        JSON.stringify(lock),
        String(ttlMs + KEY_SLACK_MS),
      )
      .catch(brokerDown)) as string;
    this.size = Math.max(this.size, 1);
    return parse(json);
  }

  async release(zoneId: string, holder?: string): Promise<ZoneLock | undefined> {
    const json = (await this.redis.eval(RELEASE_LOCK, 1, this.key, zoneId, holder ?? '').catch(brokerDown)) as
      | string
      | null;
    return json ? parse(json) : undefined;
  }

  async releaseUser(userId: string, expiringBefore?: number): Promise<ZoneLock[]> {
    return this.remove('user', userId, expiringBefore === undefined ? '' : String(expiringBefore));
  }

  async expire(now: number): Promise<ZoneLock[]> {
    const out = await this.remove('expired', String(now));
    this.size = await this.redis.hlen(this.key).catch(brokerDown);
    return out;
  }

  async blocking(
    zoneIds: readonly string[],
    all: boolean,
    userId: string,
    now: number,
  ): Promise<ZoneLock | undefined> {
    const live = await this.list(now);
    const wanted = all ? null : new Set(zoneIds);
    return live.find((l) => l.userId !== userId && (wanted === null || wanted.has(l.zoneId)));
  }

  async list(now: number): Promise<ZoneLock[]> {
    const all = await this.redis.hvals(this.key).catch(brokerDown);
    this.size = all.length;
    return all.map(parse).filter((l) => l.expiresAt > now);
  }

  private async remove(filter: 'user' | 'expired', arg: string, before = ''): Promise<ZoneLock[]> {
    const out = (await this.redis
      .eval(REMOVE_LOCKS, 1, this.key, filter, arg, before)
      .catch(brokerDown)) as string[];
    return out.map(parse);
  }
}
