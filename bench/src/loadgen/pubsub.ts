import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '../histogram.js';
import type { LoadgenJob, Metrics, PubSubJob } from '../ipc.js';
import { signToken } from '../tokens.js';
import { type BenchClient, bump, type Connector, type Decode } from './client.js';
import { cpuMsSince, loadgenCpuMetrics } from './cpu.js';
import { mapLimit } from './pool.js';
import { round, type Session } from './session.js';
import { DeliveryTracker } from './tracker.js';

export const BENCH_ROOM = 'doc:bench';

/** A flood stops writing while this much is queued in user space on the publisher's socket. */
const MAX_BUFFERED = 256 * 1024;

/**
 * `subscribers` clients and one publisher in one room. The publisher floods (as fast as its window of
 * un-acked publishes allows; systems without acks: as fast as its socket drains) or sends `rate`
 * events/s on a fixed schedule, stamping each event with its intended send time (open loop: a late
 * send does not move the schedule, so server stalls show up as latency instead of being hidden).
 * The run ends when every subscriber has every event, or after `drainMs` without progress.
 */
export async function setupPubSub(job: LoadgenJob, w: PubSubJob, connect: Connector): Promise<Session> {
  const tracker = new DeliveryTracker(w.subscribers, w.events, w.warmupEvents);
  const closes: Record<string, number> = {};
  let onProgress = (): void => {};
  const started = performance.now();

  let malformed = 0;
  // Several nodes: subscriber s on node s mod n, the publisher (u0) on the first.
  const ports = job.ports?.length ? job.ports : [job.port];
  const open = async (
    userId: string,
    decode: Decode,
    onEvents?: (pairs: readonly number[]) => void,
    port = ports[0],
  ) =>
    connect({
      port,
      room: BENCH_ROOM,
      userId,
      token: await signToken(job.jwtSecret, userId),
      deflate: job.deflate,
      decode,
      onEvents,
      onMalformed: () => {
        malformed++;
      },
      onClose: (code) => bump(closes, code),
    });

  const decodeOf = (s: number): Decode => (w.decode === 'parse' || s % w.parseEvery === 0 ? 'parse' : 'scan');
  const made = await mapLimit(w.subscribers, job.connectConcurrency, (s) =>
    open(
      `u${s + 1}`,
      decodeOf(s),
      (pairs) => {
        const now = performance.now();
        for (let k = 0; k < pairs.length; k += 2) tracker.record(s, pairs[k], pairs[k + 1], now);
        if (tracker.complete) onProgress();
      },
      ports[s % ports.length],
    ),
  );
  const failed = made.filter((c): c is Error => c instanceof Error);
  const subs = made.filter((c): c is BenchClient => !(c instanceof Error));
  if (failed.length) {
    for (const c of subs) c.close();
    throw new Error(`${failed.length}/${w.subscribers} subscribers failed to connect: ${failed[0].message}`);
  }
  const publisher = await open('u0', 'parse');
  const ready: Metrics = {
    connected: subs.length + 1,
    connect_s: round((performance.now() - started) / 1000),
  };

  const run = async (): Promise<Metrics> => {
    const cpu0 = process.cpuUsage();
    const bytes0 = subs.reduce((a, c) => a + c.bytesRead(), 0);
    const sendLag = new LatencyHistogram();
    let next = 0;
    let inFlight = 0;
    let acked = 0;
    let publishErrors = 0;
    let sentAllAt = 0;
    let lastAckAt = 0;
    const t0 = performance.now();

    const finished = new Promise<void>((resolve) => {
      let lastUnique = -1;
      let lastChange = t0;
      const check = () => {
        const now = performance.now();
        if (tracker.unique !== lastUnique) {
          lastUnique = tracker.unique;
          lastChange = now;
        }
        const drained = sentAllAt > 0 && now - Math.max(lastChange, sentAllAt) > w.drainMs;
        if (tracker.complete || drained || now - t0 > w.timeoutMs) {
          clearInterval(watchdog);
          onProgress = () => {};
          resolve();
        }
      };
      const watchdog = setInterval(check, 50);
      onProgress = check;
    });

    const onAck = (ok: boolean) => {
      inFlight--;
      acked++;
      if (!ok) publishErrors++;
      if (acked === w.events) lastAckAt = performance.now();
      if (w.pacing === 'flood') schedulePump();
    };
    const send = (i: number, t: number) => {
      if (publisher.acks) {
        inFlight++;
        publisher.publish(i, t, onAck);
      } else {
        publisher.publish(i, t);
      }
    };

    // Flood: fill the window, then refill once per event-loop turn as acks come back.
    let pumpScheduled = false;
    const schedulePump = () => {
      if (pumpScheduled || next >= w.events) return;
      pumpScheduled = true;
      setImmediate(pump);
    };
    const pump = () => {
      pumpScheduled = false;
      while (next < w.events && inFlight < w.window && publisher.bufferedAmount() < MAX_BUFFERED) {
        send(next++, performance.now());
      }
      if (next >= w.events) sentAllAt = performance.now();
      else if (!publisher.acks || inFlight < w.window) schedulePump(); // waiting for the socket to drain
    };

    // Paced: event k is due at start + k/rate. Sleep with a timer until ~1.5 ms before, then spin on
    // setImmediate (which still lets I/O through) so sends leave within tens of microseconds of their time.
    const interval = 1000 / w.rate;
    const start = t0 + 20;
    const tick = () => {
      const now = performance.now();
      while (next < w.events && start + next * interval <= now) {
        const intended = start + next * interval;
        sendLag.recordMs(now - intended);
        send(next++, intended);
      }
      if (next >= w.events) {
        sentAllAt = now;
        return;
      }
      const wait = start + next * interval - performance.now();
      if (wait > 2) setTimeout(tick, wait - 1.5);
      else setImmediate(tick);
    };

    if (w.pacing === 'flood') pump();
    else setTimeout(tick, 20);
    await finished;

    const end = performance.now();
    const loadgenCpuMs = cpuMsSince(cpu0); // before the post-processing below
    const firstSend = w.pacing === 'flood' ? t0 : start;
    const activeS = Math.max(1e-9, (tracker.lastDeliveryAt - firstSend) / 1000);
    const rxBytes = subs.reduce((a, c) => a + c.bytesRead(), 0) - bytes0;
    const serverErrors: Record<string, number> = {};
    for (const c of [publisher, ...subs])
      for (const [k, v] of Object.entries(c.errors)) serverErrors[k] = (serverErrors[k] ?? 0) + v;
    const lat = tracker.latency().summary();
    const lag = sendLag.summary();
    return {
      subscribers: w.subscribers,
      events: w.events,
      expected: tracker.expected,
      deliveries: tracker.unique,
      deliveries_per_s: Math.round(tracker.unique / activeS),
      duration_s: round(activeS),
      publish_s: round(((sentAllAt || end) - firstSend) / 1000),
      acked: publisher.acks ? acked : null,
      acks_s: publisher.acks && lastAckAt ? round((lastAckAt - firstSend) / 1000) : null,
      lost: tracker.lost,
      ...(tracker.lost > 0 ? { lost_where: tracker.lossSummary() } : {}),
      duplicated: tracker.duplicated,
      reordered: tracker.reordered,
      unexpected: tracker.unexpected,
      malformed,
      decode: w.decode === 'parse' ? 'parse' : `scan (JSON.parse on 1 in ${w.parseEvery} subscribers)`,
      publish_errors: publishErrors,
      unsent: w.events - next,
      timed_out: !tracker.complete && end - t0 > w.timeoutMs,
      ...lat,
      send_lag_p99_ms: w.pacing === 'paced' ? lag.p99_ms : null,
      send_lag_max_ms: w.pacing === 'paced' ? lag.max_ms : null,
      rx_bytes: rxBytes,
      rx_bytes_per_delivery: tracker.unique ? round(rxBytes / tracker.unique, 1) : null,
      ...loadgenCpuMetrics(loadgenCpuMs.total, end - t0),
      loadgen_cpu_sys_pct: Math.round((100 * loadgenCpuMs.system) / Math.max(1, loadgenCpuMs.total)),
      still_open: subs.filter((c) => c.open).length,
      closes,
      server_errors: serverErrors,
    };
  };

  return {
    ready,
    run,
    close: () => {
      for (const c of [publisher, ...subs]) c.close();
    },
  };
}
