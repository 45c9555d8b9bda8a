import type { Metrics } from '../ipc.js';
import type { Options } from '../options.js';
import { knob, num, ratio, rowOf, type Workload } from './workload.js';

export interface IdleParams {
  conns: number;
  rooms: number;
  /** Seconds to wait before each memory reading. */
  settle: number;
}

const perConn = (after: unknown, before: unknown, n: number): number | null =>
  typeof after === 'number' && typeof before === 'number' && n > 0
    ? Math.round(((after - before) / n) * 100) / 100
    : null;

/**
 * `conns` authenticated connections, each in one of `rooms` rooms. The server's memory is read (after a
 * settle and a forced GC) before the load generator starts and once it holds every connection:
 * `rss_kb_per_conn` = (VmRSS after − VmRSS before) / connections.
 */
export const idle: Workload<IdleParams> = {
  name: 'idle',
  systems: ['ws', 'socket.io', 'syncline'],
  connectConcurrency: 200,
  params: (o: Options) => ({
    conns: knob(o, 'conns', 10_000, 500),
    rooms: knob(o, 'rooms', 100, 10),
    settle: knob(o, 'settle', 3, 0.5),
  }),
  job: (p) => ({ kind: 'idle', conns: p.conns, rooms: p.rooms }),
  timeoutMs: (p) => 120_000 + p.conns * 10 + p.settle * 3000,
  beforeLoad: async (server, p) => {
    const m = await server.memory(p.settle * 1000);
    return { rss_before_kb: m.rss_kb, heap_before_kb: m.heap_used_kb ?? null };
  },
  afterReady: async (server, p, before, ready) => {
    const m = await server.memory(p.settle * 1000);
    const n = typeof ready.connected === 'number' ? ready.connected : 0;
    const out: Metrics = {
      rss_after_kb: m.rss_kb,
      heap_after_kb: m.heap_used_kb ?? null,
      external_after_kb: m.external_kb ?? null,
      gc: m.gc ?? false,
      rss_kb_per_conn: perConn(m.rss_kb, before.rss_before_kb, n),
      heap_kb_per_conn: perConn(m.heap_used_kb, before.heap_before_kb, n),
    };
    return out;
  },
  columns: [
    { title: 'conns', key: 'connected' },
    { title: 'failed', key: 'failed' },
    { title: 'RSS KB/conn', key: 'rss_kb_per_conn', digits: 2 },
    { title: 'heap KB/conn', key: 'heap_kb_per_conn', digits: 2 },
    { title: 'RSS before MB', key: 'rss_before_mb', digits: 1 },
    { title: 'RSS after MB', key: 'rss_after_mb', digits: 1 },
    { title: 'connect s', key: 'connect_s', digits: 2 },
  ],
  compare(rows) {
    const kb = (s: Parameters<typeof rowOf>[1]) => num(rowOf(rows, s), 'rss_kb_per_conn');
    const sync = kb('syncline');
    return {
      ratios: {
        syncline_vs_ws_rss: ratio(sync, kb('ws')),
        syncline_vs_socketio_rss: ratio(sync, kb('socket.io')),
        socketio_vs_ws_rss: ratio(kb('socket.io'), kb('ws')),
      },
      targets: {
        syncline_rss_le_8kb_per_conn: {
          goal: 'syncline server RSS <= 8 KB per idle connection',
          value: sync ?? null,
          pass: sync === undefined ? null : sync <= 8,
        },
      },
    };
  },
};
