import type { Clock } from './clock.js';

export interface Flushable {
  flush(): void;
}

/**
 * Collects everything queued during one event-loop turn and flushes it once, after the turn's I/O:
 * each dirty connection sends one frame, then every room's shared batch of the turn is retired.
 */
export class Flusher {
  private dirty = new Set<Flushable>();
  private turnEnd: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly clock: Clock) {}

  markDirty(target: Flushable): void {
    this.dirty.add(target);
    this.schedule();
  }

  /** Runs `fn` once after the current turn's flush (used to retire shared batches). */
  atTurnEnd(fn: () => void): void {
    this.turnEnd.push(fn);
    this.schedule();
  }

  /** Flushes now (used at shutdown and by tests). */
  flushNow(): void {
    this.scheduled = false;
    const dirty = this.dirty;
    const turnEnd = this.turnEnd;
    this.dirty = new Set();
    this.turnEnd = [];
    for (const t of dirty) t.flush();
    for (const fn of turnEnd) fn();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.defer(() => this.flushNow());
  }
}
