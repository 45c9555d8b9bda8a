import { LatencyHistogram } from '../histogram.js';

/**
 * Counts deliveries: for every subscriber and every event, how many times it arrived. From that come
 * `lost` (never arrived), `duplicated` (arrived more than once), `reordered` (arrived after a later
 * event), and the latency histogram (receive time − the event's intended send time).
 *
 * Latencies are kept in a flat array during the run and put into the HdrHistogram afterwards: recording
 * into hdr-histogram-js costs ~250 ns a value, a large share of the load generator's budget per delivery.
 */
export class DeliveryTracker {
  /** Deliveries of events already delivered to that subscriber. */
  duplicated = 0;
  /** Deliveries whose event number is smaller than the last one that subscriber saw. */
  reordered = 0;
  /** Payloads that were not events of this run (bad `i`). */
  unexpected = 0;
  /** First deliveries (each subscriber × event counted once). */
  unique = 0;
  /** Time (performance.now) of the last first-delivery. */
  lastDeliveryAt = 0;
  private readonly seen: Uint8Array;
  private readonly last: Int32Array;
  /** Latency in ms of each first delivery (subscriber × event), NaN where none was timed. */
  private readonly latencies: Float32Array;

  constructor(
    readonly subscribers: number,
    readonly events: number,
    /** Events numbered below this are counted but not timed. */
    private readonly warmupEvents = 0,
  ) {
    this.seen = new Uint8Array(subscribers * events);
    this.last = new Int32Array(subscribers).fill(-1);
    this.latencies = new Float32Array(subscribers * events).fill(Number.NaN);
  }

  get expected(): number {
    return this.subscribers * this.events;
  }

  get complete(): boolean {
    return this.unique === this.expected;
  }

  get lost(): number {
    return this.expected - this.unique;
  }

  /** Subscriber `sub` received event `i` stamped with intended send time `t`, at `now` (all ms). */
  record(sub: number, i: number, t: number, now: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.events) {
      this.unexpected++;
      return;
    }
    const k = sub * this.events + i;
    const n = this.seen[k];
    if (n === 0) {
      this.unique++;
      this.lastDeliveryAt = now;
      if (i >= this.warmupEvents) this.latencies[k] = now - t;
    } else {
      this.duplicated++;
    }
    if (n < 255) this.seen[k] = n + 1;
    if (i < this.last[sub]) this.reordered++;
    else this.last[sub] = i;
  }

  /**
   * Where the losses are, to tell a lost tail (the run ended early) from lost subscribers (a whole
   * connection starved) from holes: how many subscribers missed something, and the lowest and highest
   * event number missed. `null` when nothing was lost.
   */
  lossSummary(): { subscribers: number; first_event: number; last_event: number } | null {
    if (this.lost === 0) return null;
    let subscribers = 0;
    let first = this.events;
    let last = -1;
    for (let sub = 0; sub < this.subscribers; sub++) {
      let missed = false;
      for (let i = 0; i < this.events; i++) {
        if (this.seen[sub * this.events + i] !== 0) continue;
        missed = true;
        if (i < first) first = i;
        if (i > last) last = i;
      }
      if (missed) subscribers++;
    }
    return { subscribers, first_event: first, last_event: last };
  }

  /** The latency histogram of every timed first delivery. */
  latency(): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const ms of this.latencies) if (!Number.isNaN(ms)) h.recordMs(ms);
    return h;
  }
}
