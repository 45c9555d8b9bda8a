import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { needService, REDIS_URL } from '../../../../test/services.js';
import { describeBrokerContract, RecordingHandler } from './broker.contract.js';
import { RedisBroker } from './redis-broker.js';

const hasRedis = await needService('redis');
const prefixes: string[] = [];
const freshPrefix = () => {
  const p = `syncline-test:${randomBytes(4).toString('hex')}:`;
  prefixes.push(p);
  return p;
};

/** Deletes every key the tests made. */
afterAll(async () => {
  if (!hasRedis) return;
  const redis = new Redis(REDIS_URL);
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

describe.skipIf(!hasRedis)('on Redis', () => {
  describeBrokerContract('RedisBroker', () => {
    const prefix = freshPrefix();
    return { node: () => new RedisBroker({ url: REDIS_URL, prefix, heartbeatMs: 200, nodeTtlMs: 1000 }) };
  });

  describe('RedisBroker', () => {
    it('refuses a missing url', () => {
      expect(() => new RedisBroker({ url: '' })).toThrow(/url/);
    });

    it('reaps a node that stopped heartbeating without closing (a killed process)', async () => {
      const prefix = freshPrefix();
      const opts = { url: REDIS_URL, prefix, heartbeatMs: 200, nodeTtlMs: 1000 };
      const a = new RedisBroker(opts);
      const dead = new RedisBroker(opts);
      const h = new RecordingHandler();
      a.start(h);
      dead.start(new RecordingHandler());
      try {
        await a.subscribe('doc:k');
        await dead.setPresence('doc:k', 'u9', { connections: 1 });
        expect((await a.presenceOf('doc:k')).has(dead.nodeId)).toBe(true);
        // Kill: the connections drop without the goodbye close() writes, and no heartbeat follows.
        (dead as unknown as { timer: NodeJS.Timeout }).timer.close();
        (dead as unknown as { closed: boolean }).closed = true;
        dead.simulateDisconnect();
        const started = Date.now();
        for (;;) {
          if (h.gone.length > 0) break;
          if (Date.now() - started > 9000) throw new Error('the dead node was not reaped');
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(h.gone).toEqual([{ room: 'doc:k', userId: 'u9' }]);
        expect((await a.presenceOf('doc:k')).size).toBe(0);
      } finally {
        await a.close();
        await dead.close();
      }
    });

    it('tells the hub after a lost connection comes back, subscribed again', async () => {
      const prefix = freshPrefix();
      const a = new RedisBroker({ url: REDIS_URL, prefix });
      const b = new RedisBroker({ url: REDIS_URL, prefix });
      const h = new RecordingHandler();
      a.start(h);
      b.start(new RecordingHandler());
      try {
        await a.subscribe('doc:r');
        for (let i = 0; !(await a.ready()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        a.simulateDisconnect();
        for (let i = 0; h.reconnects === 0 && i < 250; i++) await new Promise((r) => setTimeout(r, 20));
        expect(h.reconnects).toBe(1);
        b.publishEntry({ room: 'doc:r', seq: 1, type: 'chat_message', data: {}, ts: 1 });
        for (let i = 0; h.entries.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
        expect(h.entries.map((e) => e.seq)).toEqual([1]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
