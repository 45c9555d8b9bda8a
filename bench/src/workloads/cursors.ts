import type { Options } from '../options.js';
import { type TimedParams, timedJobTimeoutMs, timedRunTimeoutMs } from './timed.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface CursorsParams extends TimedParams {
  clients: number;
  /** Cursor moves per second per client. */
  rate: number;
}

/** What Syncline's SDK sends at most per second (`Throttle` / `RoomPresence` default). */
const THROTTLE_HZ = 30;

/**
 * `clients` clients in one room, each moving its cursor `rate` times a second for `warmup + duration` s.
 * Syncline: the SDK throttles to 30 Hz, `cursor_update` is ephemeral and coalesced per user by the
 * server. Socket.IO: every move is relayed to everyone (the naive way). Metrics: frames each client
 * receives per second, latency from the move to its arrival at each other client, server CPU.
 */
export const cursors: Workload<CursorsParams> = {
  name: 'cursors',
  systems: ['socket.io', 'syncline'],
  connectConcurrency: 20,
  params: (o: Options) => ({
    clients: knob(o, 'clients', 100, 10),
    rate: knob(o, 'rate', 60, 60),
    duration: knob(o, 'duration', 20, 2),
    warmup: knob(o, 'warmup', 2, 0.5),
  }),
  job: (p) => ({
    kind: 'cursors',
    clients: p.clients,
    rate: p.rate,
    duration: p.duration,
    warmup: p.warmup,
    throttleHz: THROTTLE_HZ,
    timeoutMs: timedJobTimeoutMs(p),
  }),
  timeoutMs: timedRunTimeoutMs,
  columns: [
    { title: 'frames/client/s', key: 'frames_per_client_per_s', digits: 1 },
    { title: 'cursors/client/s', key: 'cursors_per_client_per_s', digits: 1 },
    { title: 'p50 ms', key: 'p50_ms', digits: 2 },
    { title: 'p99 ms', key: 'p99_ms', digits: 2 },
    { title: 'max ms', key: 'max_ms', digits: 1 },
    { title: 'send lag p99', key: 'send_lag_p99_ms', digits: 2 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  compare(rows) {
    const sync = rowOf(rows, 'syncline');
    const sio = rowOf(rows, 'socket.io');
    const frames = num(sync, 'frames_per_client_per_s');
    const p99 = num(sync, 'p99_ms');
    return {
      ratios: {
        syncline_vs_socketio_frames: ratio(frames, num(sio, 'frames_per_client_per_s')),
        syncline_vs_socketio_p99: ratio(p99, num(sio, 'p99_ms')),
        syncline_vs_socketio_server_cpu: ratio(num(sync, 'server_cpu_ms'), num(sio, 'server_cpu_ms')),
      },
      targets: {
        syncline_frames_le_30: {
          goal: 'syncline frames per client per second <= 30',
          value: frames ?? null,
          pass: frames === undefined ? null : frames <= 30,
        },
        syncline_p99_le_50ms: {
          goal: 'syncline cursor latency p99 <= 50 ms',
          value: p99 ?? null,
          pass: p99 === undefined ? null : p99 <= 50,
        },
      },
    };
  },
};
