import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../histogram.js';
import type { ClientKind, CollabJob, LoadgenJob, Metrics } from '../ipc.js';
import { signToken } from '../tokens.js';
import type { CollabReplica, ReplicaOpener } from './collab/replica.js';
import { cpuMsSince, loadgenCpuMetrics } from './cpu.js';
import { GcPauses } from './gc-pauses.js';
import { LatencyBuffer, runPaced } from './pacer.js';
import { mapLimit } from './pool.js';
import { seededRandom } from './seeded-random.js';
import { round, type Session } from './session.js';

const OPENERS: Partial<Record<ClientKind, () => Promise<ReplicaOpener>>> = {
  syncline: async () => (await import('./collab/syncline.js')).openSyncline,
  sharedb: async () => (await import('./collab/sharedb.js')).openShareDb,
  'sharedb-json1': async () => (await import('./collab/sharedb.js')).openShareDbJson1,
  hocuspocus: async () => (await import('./collab/hocuspocus.js')).openHocuspocus,
  'ot-relay': async () => (await import('./collab/ot-relay.js')).openOtRelay,
};

/** The character client `s` types: A-Z, then Latin Extended (one UTF-16 unit, one code point each). */
const charOf = (s: number): string => String.fromCharCode(s < 26 ? 65 + s : 0x100 + s);

/**
 * `clients` replicas of one text. Every op inserts one character at a random position; each client types
 * its own character, so a receiver knows whose op an inserted character is, and, since a client's ops
 * reach everyone in the order it made them, which one: its k-th character from sender s is s's k-th op.
 * Latency = the moment the op became visible at a receiver (its adapter applied it) − the op's intended
 * submit time (paced) or its submit time (closed loop), for every op × every other client. At the end,
 * once every op reached every replica and none waits for an acknowledgement, all texts must be equal.
 */
export async function setupCollab(job: LoadgenJob, w: CollabJob): Promise<Session> {
  const opener = await OPENERS[job.client]?.();
  if (!opener) throw new Error(`no collab client for ${job.client}`);
  const n = w.clients;
  const senderOf = new Int32Array(0x10000).fill(-1);
  for (let s = 0; s < n; s++) senderOf[charOf(s).charCodeAt(0)] = s;
  const sendTimes: number[][] = Array.from({ length: n }, () => []);
  const received = new Int32Array(n * n);
  const latencies = new LatencyBuffer();
  let measureFrom = Number.POSITIVE_INFINITY;
  let delivered = 0;
  let unexpected = 0;
  let lastDeliveryAt = 0;

  const onInsert = (r: number, text: string) => {
    const now = performance.now();
    for (let i = 0; i < text.length; i++) {
      const s = senderOf[text.charCodeAt(i)];
      if (s < 0 || s === r) {
        unexpected++;
        continue;
      }
      const k = received[r * n + s]++;
      const t = sendTimes[s][k];
      if (t === undefined) {
        unexpected++;
        continue;
      }
      delivered++;
      lastDeliveryAt = now;
      if (t >= measureFrom) latencies.push(now - t);
    }
  };

  const documentId = `bench-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  const open = async (s: number, create: boolean) => {
    const userId = `u${s}`;
    return opener({
      port: job.port,
      userId,
      token: await signToken(job.jwtSecret, userId),
      documentId,
      create,
      onRemoteInsert: (text) => onInsert(s, text),
    });
  };
  const first = await open(0, true);
  const rest = await mapLimit(n - 1, job.connectConcurrency, (i) => open(i + 1, false));
  const failed = rest.filter((c): c is Error => c instanceof Error);
  const replicas: CollabReplica[] = [first, ...rest.filter((c): c is CollabReplica => !(c instanceof Error))];
  if (failed.length) {
    for (const c of replicas) c.close();
    throw new Error(`${failed.length}/${n} clients failed to open the document: ${failed[0].message}`);
  }
  const ready: Metrics = { connected: n, connect_s: round((performance.now() - started) / 1000) };

  const run = async (): Promise<Metrics> => {
    const cpu0 = process.cpuUsage();
    const gc = new GcPauses();
    gc.start();
    const random = seededRandom(42);
    const insert = (s: number, t: number, acked?: () => void) => {
      const r = replicas[s];
      sendTimes[s].push(t);
      r.insert(Math.floor(random() * (r.length + 1)), charOf(s), acked);
    };
    const lag = new LatencyHistogram();
    const t0 = performance.now() + 20;
    measureFrom = t0 + w.warmup * 1000;
    const endAt = measureFrom + w.duration * 1000;
    let acked = 0;
    let ackedInWindow = 0;

    if (w.pacing === 'paced') {
      const perClient = Math.round((w.warmup + w.duration) * w.rate);
      await runPaced(
        perClient * n,
        w.rate * n,
        t0,
        (j, intended) => insert(j % n, intended),
        lag,
        measureFrom,
      );
    } else {
      // Closed loop: each client submits its next op as soon as the previous one is acknowledged.
      await new Promise<void>((resolve) => {
        let running = n;
        const loop = (s: number) => {
          const now = performance.now();
          if (now >= endAt) {
            if (--running === 0) resolve();
            return;
          }
          insert(s, now, () => {
            acked++;
            const at = performance.now();
            if (at >= measureFrom && at < endAt) ackedInWindow++;
            loop(s);
          });
        };
        setTimeout(() => {
          for (let s = 0; s < n; s++) loop(s);
        }, t0 - performance.now());
      });
    }
    const sentAllAt = performance.now();
    const sent = sendTimes.reduce((a, x) => a + x.length, 0);
    const expected = sent * (n - 1);

    // Drain: every op at every other replica, nothing unacknowledged; or give up after drainMs of silence.
    let drained = false;
    await new Promise<void>((resolve) => {
      let last = delivered;
      let lastChange = performance.now();
      const check = () => {
        const now = performance.now();
        if (delivered !== last) {
          last = delivered;
          lastChange = now;
        }
        const complete = delivered === expected && replicas.every((r) => !r.unconfirmed);
        if (complete || now - lastChange > w.drainMs || now - t0 > w.timeoutMs) {
          clearInterval(timer);
          drained = complete;
          resolve();
        }
      };
      const timer = setInterval(check, 20);
    });
    const end = performance.now();
    const loadgenCpu = cpuMsSince(cpu0);
    const gcPauses = gc.stop();
    const texts = replicas.map((r) => r.text());
    const converged = drained && texts.every((t) => t === texts[0]) && texts[0].length === sent;
    const lat = latencies.histogram().summary();
    const lagS = lag.summary();
    const activeS = (sentAllAt - measureFrom) / 1000;
    return {
      clients: n,
      ops: sent,
      acked: w.pacing === 'closed' ? acked : null,
      ops_per_s:
        w.pacing === 'closed'
          ? Math.round(ackedInWindow / w.duration)
          : Math.round(sendTimes.reduce((a, x) => a + x.filter((t) => t >= measureFrom).length, 0) / activeS),
      expected,
      deliveries: delivered,
      lost: expected - delivered,
      unexpected,
      converged,
      text_length: texts[0].length,
      distinct_texts: new Set(texts).size,
      drain_s: round((end - sentAllAt) / 1000),
      last_delivery_s: round((lastDeliveryAt - t0) / 1000),
      ...lat,
      send_lag_p99_ms: w.pacing === 'paced' ? lagS.p99_ms : null,
      ...loadgenCpuMetrics(loadgenCpu.total, end - t0),
      ...gcPauses,
    };
  };

  return {
    ready,
    run,
    close: () => {
      for (const r of replicas) r.close();
    },
  };
}
