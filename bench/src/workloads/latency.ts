import type { Options } from '../options.js';
import { type TimedParams, timedJobTimeoutMs, timedRunTimeoutMs } from './timed.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface LatencyParams extends TimedParams {
  subscribers: number;
  rate: number;
}

/**
 * Open loop: one publisher sends `rate` events/s for `warmup + duration` s on a fixed schedule into a
 * room of `subscribers`; latency is receive time − intended send time (no coordinated omission).
 * Warm-up events are checked for loss but not timed.
 */
export const latency: Workload<LatencyParams> = {
  name: 'latency',
  systems: ['ws', 'socket.io', 'syncline'],
  connectConcurrency: 64,
  params: (o: Options) => ({
    subscribers: knob(o, 'subscribers', 100, 50),
    rate: knob(o, 'rate', 100, 100),
    duration: knob(o, 'duration', 30, 3),
    warmup: knob(o, 'warmup', 5, 0.5),
  }),
  job: (p, o) => ({
    kind: 'pubsub',
    subscribers: p.subscribers,
    events: Math.round((p.warmup + p.duration) * p.rate),
    decode: o.decode,
    parseEvery: 25,
    pacing: 'paced',
    window: Number.MAX_SAFE_INTEGER,
    rate: p.rate,
    warmupEvents: Math.round(p.warmup * p.rate),
    drainMs: 3000,
    timeoutMs: timedJobTimeoutMs(p),
  }),
  timeoutMs: timedRunTimeoutMs,
  columns: [
    { title: 'p50 ms', key: 'p50_ms', digits: 3 },
    { title: 'p90 ms', key: 'p90_ms', digits: 3 },
    { title: 'p99 ms', key: 'p99_ms', digits: 3 },
    { title: 'p99.9 ms', key: 'p999_ms', digits: 3 },
    { title: 'max ms', key: 'max_ms', digits: 3 },
    { title: 'lost', key: 'lost' },
    { title: 'dup', key: 'duplicated' },
    { title: 'send lag p99', key: 'send_lag_p99_ms', digits: 3 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  compare(rows) {
    const p99 = (s: Parameters<typeof rowOf>[1]) => num(rowOf(rows, s), 'p99_ms');
    const sync = p99('syncline');
    const ws = p99('ws');
    return {
      ratios: {
        syncline_p99_vs_ws: ratio(sync, ws),
        socketio_p99_vs_ws: ratio(p99('socket.io'), ws),
        syncline_p99_vs_socketio: ratio(sync, p99('socket.io')),
      },
      targets: {
        syncline_p99_le_ws: {
          goal: 'syncline p99 <= bare ws relay p99',
          value: sync ?? null,
          pass: sync === undefined || ws === undefined ? null : sync <= ws,
        },
      },
    };
  },
};
