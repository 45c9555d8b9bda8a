import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/** What the load generator's garbage collector paused it for during a run. */
export interface GcPauseMetrics {
  /** All pauses, in ms. */
  gen_gc_ms: number;
  /** Full (mark-compact) collections, and the longest pause of any kind in ms. */
  gen_gc_major: number;
  gen_gc_max_ms: number;
}

/**
 * Watches the load generator's garbage-collection pauses (Node's `gc` performance entries) between `start` and
 * `stop`: a latency tail made of the generator's own pauses is not the server's. Mark-compact collections are
 * counted apart (scavenges are short and many).
 */
export class GcPauses {
  private observer: PerformanceObserver | null = null;
  private totalMs = 0;
  private major = 0;
  private maxMs = 0;

  start(): void {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.record(entry);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): GcPauseMetrics {
    this.observer?.disconnect();
    this.observer = null;
    return {
      gen_gc_ms: Math.round(this.totalMs),
      gen_gc_major: this.major,
      gen_gc_max_ms: Math.round(this.maxMs * 10) / 10,
    };
  }

  private record(entry: PerformanceEntry): void {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    this.totalMs += entry.duration;
    if (entry.duration > this.maxMs) this.maxMs = entry.duration;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.major++;
  }
}
