import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../histogram.js';
import type { CursorsJob, LoadgenJob, Metrics } from '../ipc.js';
import { signToken } from '../tokens.js';
import { CONNECTORS } from './adapters/index.js';
import type { BenchClient } from './client.js';
import { cpuMsSince, loadgenCpuMetrics } from './cpu.js';
import { LatencyBuffer, runPaced } from './pacer.js';
import { mapLimit } from './pool.js';
import { round, type Session } from './session.js';

export const CURSOR_ROOM = 'doc:cursors-bench';

/** One client of the cursors workload, whatever the system. */
export interface CursorClient {
  /** The mouse moved (`t` = when, performance.now()); the client sends it its own way. */
  move(x: number, y: number, t: number): void;
  /** WebSocket frames received so far. */
  readonly frames: number;
  close(): void;
}

export interface CursorClientOptions {
  port: number;
  index: number;
  userId: string;
  token: string;
  throttleHz: number;
  /** Another client's cursor arrived, moved at time `t` (the sender's performance.now()). */
  onCursor(from: number, t: number): void;
}

/** Socket.IO, naive: every move is emitted (`publish` to the room) and relayed to everyone by the server. */
async function openSocketIo(o: CursorClientOptions): Promise<CursorClient> {
  const connect = await CONNECTORS['socket.io']();
  let frames = 0;
  let seq = 0;
  const c: BenchClient = await connect({
    port: o.port,
    room: CURSOR_ROOM,
    userId: o.userId,
    token: o.token,
    deflate: false,
    decode: 'scan',
    onEvents: (pairs) => {
      frames++;
      for (let k = 0; k < pairs.length; k += 2) {
        const from = Math.floor(pairs[k] / 1e7);
        if (from !== o.index) o.onCursor(from, pairs[k + 1]);
      }
    },
  });
  return {
    // The bench payload carries a number and a time: the sender and its move count, and when it moved.
    move: (_x, _y, t) => c.publish(o.index * 1e7 + seq++, t),
    get frames() {
      return frames;
    },
    close: () => c.close(),
  };
}

/**
 * `clients` clients in one room, each moving its cursor `rate` times a second for `warmup + duration` s
 * on a fixed, staggered schedule. Each move carries the time it was made; latency = when another client
 * received it − that time (so time spent in a client-side throttle counts). Frames are WebSocket messages
 * received per client (Socket.IO: event frames; its per-emit acks are not counted).
 */
export async function setupCursors(job: LoadgenJob, w: CursorsJob): Promise<Session> {
  const n = w.clients;
  const latencies = new LatencyBuffer();
  let measureFrom = Number.POSITIVE_INFINITY;
  let received = 0;
  const onCursor = (_from: number, t: number) => {
    received++;
    if (t >= measureFrom) latencies.push(performance.now() - t);
  };
  const opener =
    job.client === 'syncline'
      ? (await import('./cursors/syncline.js')).openSynclineCursor
      : job.client === 'socket.io'
        ? openSocketIo
        : undefined;
  if (!opener) throw new Error(`no cursors client for ${job.client}`);
  const started = performance.now();
  const made = await mapLimit(n, job.connectConcurrency, async (i) => {
    const userId = `u${i}`;
    return opener({
      port: job.port,
      index: i,
      userId,
      token: await signToken(job.jwtSecret, userId),
      throttleHz: w.throttleHz,
      onCursor,
    });
  });
  const failed = made.filter((c): c is Error => c instanceof Error);
  const clients = made.filter((c): c is CursorClient => !(c instanceof Error));
  if (failed.length) {
    for (const c of clients) c.close();
    throw new Error(`${failed.length}/${n} clients failed to connect: ${failed[0].message}`);
  }
  const ready: Metrics = { connected: n, connect_s: round((performance.now() - started) / 1000) };

  const run = async (): Promise<Metrics> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now() + 20;
    measureFrom = t0 + w.warmup * 1000;
    const framesAt = () => clients.reduce((a, c) => a + c.frames, 0);
    let frames0 = 0;
    let received0 = 0;
    const warm = setTimeout(() => {
      frames0 = framesAt();
      received0 = received;
    }, measureFrom - performance.now());
    const perClient = Math.round((w.warmup + w.duration) * w.rate);
    const lag = new LatencyHistogram();
    await runPaced(
      perClient * n,
      w.rate * n,
      t0,
      (j, intended) => {
        const i = j % n;
        const k = Math.floor(j / n);
        // A circle per client, one turn every ~4 s.
        clients[i].move(0.5 + 0.4 * Math.cos(k / 40 + i), 0.5 + 0.4 * Math.sin(k / 40 + i), intended);
      },
      lag,
      measureFrom,
    );
    clearTimeout(warm);
    const sentAllAt = performance.now();
    const frames1 = framesAt();
    const received1 = received;
    // Let what is on the way arrive (a throttle's trailing value, a relay's backlog), at most 5 s.
    await new Promise<void>((resolve) => {
      let last = received;
      let quiet = 0;
      const timer = setInterval(() => {
        quiet = received === last ? quiet + 1 : 0;
        last = received;
        if (quiet >= 3 || performance.now() - sentAllAt > 5000) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    const end = performance.now();
    const loadgenCpu = cpuMsSince(cpu0);
    const windowS = (sentAllAt - measureFrom) / 1000;
    const lat = latencies.histogram().summary();
    return {
      clients: n,
      moves: perClient * n,
      frames_per_client_per_s: round((frames1 - frames0) / n / windowS, 1),
      cursors_per_client_per_s: round((received1 - received0) / n / windowS, 1),
      received_after_last_move: received - received1,
      drain_s: round((end - sentAllAt) / 1000),
      ...lat,
      send_lag_p99_ms: lag.summary().p99_ms,
      ...loadgenCpuMetrics(loadgenCpu.total, end - t0),
    };
  };

  return {
    ready,
    run,
    close: () => {
      for (const c of clients) c.close();
    },
  };
}
