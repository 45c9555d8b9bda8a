import { build, type Histogram } from 'hdr-histogram-js';

/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  mean_ms: number;
}

/**
 * A latency histogram (HdrHistogram, 3 significant digits). Values are recorded in microseconds,
 * so sub-millisecond loopback latencies keep their resolution.
 */
export class LatencyHistogram {
  private readonly h: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  /** Records one latency given in ms (negative values, i.e. clock noise, count as 0). */
  recordMs(ms: number): void {
    this.h.recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    const n = this.h.totalCount;
    return {
      count: n,
      p50_ms: n ? ms(this.h.getValueAtPercentile(50)) : 0,
      p90_ms: n ? ms(this.h.getValueAtPercentile(90)) : 0,
      p99_ms: n ? ms(this.h.getValueAtPercentile(99)) : 0,
      p999_ms: n ? ms(this.h.getValueAtPercentile(99.9)) : 0,
      max_ms: n ? ms(this.h.maxValue) : 0,
      mean_ms: n ? ms(this.h.mean) : 0,
    };
  }
}
