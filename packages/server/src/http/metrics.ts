import { DOC_OPEN_REASONS } from '@syncline/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Hub } from '../core/hub.js';

/**
 * The `doc.open` reasons exported by name. The reason is the client's own string: exported as is, one client sending
 * a new one per request made a new series each time (over half a million an hour at the default rate limits), and
 * every scrape and the Prometheus server paid for them. (The sequencer already counts unknown ones as `other`.)
 */
const RESYNC_REASONS: ReadonlySet<string> = new Set(DOC_OPEN_REASONS);

/**
 * Prometheus metrics. The core counts in plain fields (`Stats`); this exporter turns them into
 * Prometheus counters at scrape time, so the hot path never touches a label map.
 */
/**
 * The server's Prometheus registry. `sqlite`: the group commit of the SQLite connection the stores share, when
 * they do (commits and the writes they carried).
 */
export function createMetrics(hub: Hub, sqlite?: { turns: number; writes: number }): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'syncline_', eventLoopMonitoringPrecision: 20 });
  const s = hub.stats;
  const counter = (
    name: string,
    help: string,
    label: string | null,
    read: () => number | Map<string | number, number>,
    /** With a label: the values exported as they are; the counts of any other value are summed as `other`. */
    known?: ReadonlySet<string>,
  ) =>
    new Counter({
      name,
      help,
      labelNames: label ? [label] : [],
      registers: [register],
      collect() {
        this.reset();
        const v = read();
        if (typeof v === 'number') this.inc(v);
        else
          for (const [k, n] of v) {
            const value = known && !known.has(String(k)) ? 'other' : String(k);
            this.inc({ [label!]: value }, n);
          }
      },
    });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [register],
      collect() {
        this.set(read());
      },
    });
  gauge('syncline_connections', 'Open connections with a session', () => hub.connections.size);
  gauge('syncline_pending_connections', 'Sockets that have not completed hello', () => hub.pending.size);
  gauge('syncline_sessions', 'Sessions, attached or within their grace period', () => hub.sessions.size);
  gauge('syncline_rooms', 'Rooms loaded on this node', () => hub.rooms.size);
  counter('syncline_connections_opened_total', 'Sockets accepted', null, () => s.connectionsOpened);
  counter('syncline_connections_closed_total', 'Sockets closed, by close code', 'code', () => s.closesByCode);
  counter(
    'syncline_messages_in_total',
    'Client messages received, by type (or error code)',
    'type',
    () => s.messagesIn,
  );
  counter('syncline_bytes_in_total', 'Bytes received in frames', null, () => s.bytesIn);
  counter('syncline_messages_out_total', 'Messages queued to clients, by type', 'type', () => s.messagesOut);
  counter('syncline_frames_out_total', 'Frames sent', null, () => s.framesOut);
  counter('syncline_bytes_out_total', 'Bytes sent in frames (before compression)', null, () => s.bytesOut);
  counter('syncline_acks_total', 'Positive replies, by type (ack, response)', 'type', () => s.acks);
  counter('syncline_nacks_total', 'Negative replies, by error code', 'code', () => s.nacks);
  counter(
    'syncline_resumes_total',
    'Handshakes by session result (new, resumed, expired)',
    'result',
    () => s.resumes,
  );
  counter('syncline_resets_total', 'Resets sent (resume older than retention)', null, () => s.resets);
  counter(
    'syncline_dropped_ephemeral_total',
    'Ephemeral messages dropped under backpressure',
    null,
    () => s.droppedEphemeral,
  );
  counter(
    'syncline_slow_consumer_closes_total',
    'Connections closed as slow consumers',
    null,
    () => s.slowConsumerCloses,
  );
  counter('syncline_rate_limited_total', 'Messages refused by rate limits', null, () => s.rateLimited);
  counter('syncline_append_errors_total', 'Failed appends to the durable log', null, () => s.appendErrors);
  counter('syncline_doc_ops_total', 'Document ops committed', null, () => s.docOps);
  counter(
    'syncline_doc_conflicts_total',
    'Conflicts reported to users, by kind',
    'kind',
    () => s.docConflicts,
  );
  counter(
    'syncline_doc_resyncs_total',
    'Documents re-opened to repair a client replica, by reason (checksum mismatch, gap, reset, ...)',
    'reason',
    () => s.docResyncs,
    RESYNC_REASONS,
  );
  if (sqlite) {
    counter(
      'syncline_sqlite_commits_total',
      'SQLite commits (one per event-loop turn that wrote: group commit)',
      null,
      () => sqlite.turns,
    );
    counter('syncline_sqlite_writes_total', 'Store writes those commits carried', null, () => sqlite.writes);
  }
  new Histogram({
    name: 'syncline_rtt_seconds',
    help: 'App-level ping round-trip time',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
    collect() {
      for (const ms of s.rttSamples) this.observe(ms / 1000);
      s.rttSamples = [];
    },
  });
  return register;
}
