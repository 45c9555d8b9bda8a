import { ErrorCode } from '@syncline/protocol';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisZoneLocks } from './redis-zone-locks.js';

let redis: Redis | undefined;
afterEach(() => {
  redis?.disconnect();
  redis = undefined;
});

describe('RedisZoneLocks', () => {
  it('answers unavailable (retried by clients), not internal, while Redis cannot be reached', async () => {
    // Nothing listens on port 1; no reconnects, no queue: every command fails as after a lost connection.
    redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => {});
    const locks = new RedisZoneLocks(redis, 'test:locks');
    const unavailable = { code: ErrorCode.Unavailable, message: expect.stringMatching(/try again$/) };
    await expect(locks.acquire('z1', 'ann', 'Ann', 0, 30_000)).rejects.toMatchObject(unavailable);
    await expect(locks.get('z1', 0)).rejects.toMatchObject(unavailable);
    await expect(locks.blocking(['z1'], false, 'ann', 0)).rejects.toMatchObject(unavailable);
    await expect(locks.release('z1', 'ann')).rejects.toMatchObject(unavailable);
    await expect(locks.expire(0)).rejects.toMatchObject(unavailable);
  });
});
