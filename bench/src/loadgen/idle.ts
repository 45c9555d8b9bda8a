import { performance } from 'node:perf_hooks';
import type { IdleJob, LoadgenJob, Metrics } from '../ipc.js';
import { signToken } from '../tokens.js';
import { type BenchClient, bump, type Connector } from './client.js';
import { mapLimit } from './pool.js';
import { round, type Session } from './session.js';

/**
 * `conns` connections, each authenticated (its own user and token) and in one of `rooms` rooms, then
 * nothing but heartbeats while the harness measures the server. Connections that fail are counted, not fatal.
 */
export async function setupIdle(job: LoadgenJob, w: IdleJob, connect: Connector): Promise<Session> {
  const closes: Record<string, number> = {};
  const started = performance.now();
  const made = await mapLimit(w.conns, job.connectConcurrency, async (i) => {
    const userId = `u${i}`;
    return connect({
      port: job.port,
      room: `doc:idle-${i % w.rooms}`,
      userId,
      token: await signToken(job.jwtSecret, userId),
      deflate: job.deflate,
      decode: 'parse',
      onClose: (code) => bump(closes, code),
    });
  });
  const clients = made.filter((c): c is BenchClient => !(c instanceof Error));
  const failed = made.filter((c): c is Error => c instanceof Error);
  if (clients.length === 0) throw new Error(`no connection succeeded: ${failed[0]?.message}`);
  const ready: Metrics = {
    connected: clients.length,
    failed: failed.length,
    first_error: failed[0]?.message ?? null,
    connect_s: round((performance.now() - started) / 1000),
  };
  return {
    ready,
    run: async () => ({
      conns: w.conns,
      ...ready,
      open_at_end: clients.filter((c) => c.open).length,
      closes,
    }),
    close: () => {
      for (const c of clients) c.close();
    },
  };
}
