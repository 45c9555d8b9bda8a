import type { Options } from '../options.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface FanoutParams {
  subscribers: number;
  events: number;
  window: number;
}

/**
 * One publisher floods `events` 64-byte events into a room of `subscribers`. Measures deliveries/s
 * (events decoded by subscribers, not frames), latency from send to decode, loss and duplicates, bytes
 * received by the subscribers and the server's CPU per delivery.
 */
export const fanout: Workload<FanoutParams> = {
  name: 'fanout',
  systems: ['ws', 'socket.io', 'syncline', 'syncline-deflate'],
  connectConcurrency: 64,
  params: (o: Options) => ({
    subscribers: knob(o, 'subscribers', 500, 50),
    events: knob(o, 'events', 2000, 200),
    window: knob(o, 'window', 256, 256),
  }),
  job: (p, o) => ({
    kind: 'pubsub',
    subscribers: p.subscribers,
    events: p.events,
    decode: o.decode,
    parseEvery: 25,
    pacing: 'flood',
    window: p.window,
    rate: 0,
    warmupEvents: 0,
    drainMs: 5000,
    timeoutMs: 300_000,
  }),
  timeoutMs: () => 400_000,
  columns: [
    { title: 'deliveries/s', key: 'deliveries_per_s' },
    { title: 'p50 ms', key: 'p50_ms', digits: 2 },
    { title: 'p99 ms', key: 'p99_ms', digits: 2 },
    { title: 'lost', key: 'lost' },
    { title: 'dup', key: 'duplicated' },
    { title: 'rx B/deliv', key: 'rx_bytes_per_delivery', digits: 1 },
    { title: 'srv wchar MB', key: 'server_wchar_mb', digits: 2 },
    { title: 'srv us/deliv', key: 'server_cpu_us_per_delivery', digits: 2 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
    { title: 'gen CPU%', key: 'loadgen_cpu_pct' },
    { title: 'others% c0/c1', key: 'other_load' },
  ],
  compare(rows) {
    const d = (s: Parameters<typeof rowOf>[1]) => num(rowOf(rows, s), 'deliveries_per_s');
    const sync = rowOf(rows, 'syncline');
    const deflate = rowOf(rows, 'syncline-deflate');
    const vsSio = ratio(d('syncline'), d('socket.io'));
    const clean = sync !== undefined && sync.lost === 0 && sync.duplicated === 0;
    return {
      ratios: {
        syncline_vs_socketio: vsSio,
        syncline_vs_ws: ratio(d('syncline'), d('ws')),
        ws_vs_socketio: ratio(d('ws'), d('socket.io')),
        // Server CPU per delivery, Socket.IO over Syncline: less sensitive to neighbours than rates are.
        socketio_vs_syncline_server_cpu_per_delivery: ratio(
          num(rowOf(rows, 'socket.io'), 'server_cpu_us_per_delivery'),
          num(sync, 'server_cpu_us_per_delivery'),
        ),
        deflate_vs_syncline_deliveries: ratio(d('syncline-deflate'), d('syncline')),
        deflate_vs_syncline_rx_bytes: ratio(num(deflate, 'rx_bytes'), num(sync, 'rx_bytes')),
        deflate_vs_syncline_server_cpu: ratio(num(deflate, 'server_cpu_ms'), num(sync, 'server_cpu_ms')),
      },
      targets: {
        syncline_10x_socketio: {
          goal: 'syncline deliveries/s >= 10x socket.io, none lost or duplicated',
          value: vsSio,
          pass: vsSio === null || sync === undefined ? null : vsSio >= 10 && clean,
        },
      },
    };
  },
};
