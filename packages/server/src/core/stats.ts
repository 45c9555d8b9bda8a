/**
 * Plain counters the core bumps on its hot paths (a property increment, no label lookup in a metrics
 * library); the Prometheus exporter reads them at scrape time.
 */
export class Stats {
  connectionsOpened = 0;
  connectionsClosed = 0;
  /** By close code: the WebSocket standard's (1000-1015) and Syncline's; any other a client chose counts as `other`. */
  readonly closesByCode = new Map<number | 'other', number>();
  readonly messagesIn = new Map<string, number>();
  bytesIn = 0;
  readonly messagesOut = new Map<string, number>();
  framesOut = 0;
  bytesOut = 0;
  readonly acks = new Map<string, number>();
  readonly nacks = new Map<string, number>();
  readonly resumes = new Map<string, number>();
  resets = 0;
  droppedEphemeral = 0;
  slowConsumerCloses = 0;
  rateLimited = 0;
  appendErrors = 0;
  /** Document ops committed. */
  docOps = 0;
  /** Conflicts reported to users, by kind. */
  readonly docConflicts = new Map<string, number>();
  /** Documents re-opened to repair a replica, by reason (checksum, gap, reset, ...). */
  readonly docResyncs = new Map<string, number>();
  /** Round-trip times (ms) measured since the last scrape. */
  rttSamples: number[] = [];

  bump<K>(map: Map<K, number>, key: K, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  sampleRtt(ms: number): void {
    if (this.rttSamples.length < 10_000) this.rttSamples.push(ms);
  }
}
