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
  private beforeFlush: (() => void)[] = [];
  private beforeSend: (() => boolean)[] = [];
  private retire: (() => void)[] = [];
  private sent: (() => void)[] = [];
  private scheduled = false;
  private later: Set<Flushable> | null = null;
  private laterTimer: unknown = null;
  /** The clock's time as read once in this turn (-1: not read yet). */
  private turnTime = -1;

  constructor(private readonly clock: Clock) {}

  /**
   * The clock's time, read at most once between two flushes (for checks made per delivery): it may lag by the length
   * of a turn, never past the next flush or window timer, which forget it.
   */
  now(): number {
    if (this.turnTime < 0) this.turnTime = this.clock.now();
    return this.turnTime;
  }

  markDirty(target: Flushable): void {
    this.dirty.add(target);
    this.schedule();
  }

  /**
   * Marks `target` dirty within `ms` (one timer for every target held so): what it queued meanwhile leaves in
   * one frame, or sooner if something marks it dirty first.
   */
  markDirtyWithin(target: Flushable, ms: number): void {
    (this.later ??= new Set()).add(target);
    if (this.laterTimer !== null) return;
    this.laterTimer = this.clock.setTimeout(() => {
      this.laterTimer = null;
      this.turnTime = -1;
      const later = this.later;
      this.later = null;
      if (later !== null) for (const t of later) this.markDirty(t);
    }, ms);
  }

  /**
   * Whether the current turn wrote something that is not committed yet (its commit runs at the flush): what is queued
   * now may answer those writes, and must not leave before it.
   */
  get commitPending(): boolean {
    return this.beforeSend.length > 0;
  }

  /** Runs `fn` once at the end of the current turn, before the flush (the turn's appends). */
  atTurnEnd(fn: () => void): void {
    this.beforeFlush.push(fn);
    this.schedule();
  }

  /**
   * Runs `fn` once at the end of the current turn, after the turn's appends and before anything is sent: the
   * turn's group commit. When it returns false (the commit failed) nothing queued in the turn is sent.
   */
  atTurnCommit(fn: () => boolean): void {
    this.beforeSend.push(fn);
    this.schedule();
  }

  /**
   * Runs `fn` once the current turn is over: its writes committed and its frames sent. Never, if the turn's
   * commit failed (an HTTP answer held on it then never says that lost writes were made).
   */
  afterSend(fn: () => void): void {
    this.sent.push(fn);
    this.schedule();
  }

  /** Runs `fn` once right after the current turn's flush (retires the turn's shared batches). */
  afterFlush(fn: () => void): void {
    this.retire.push(fn);
    this.schedule();
  }

  /**
   * Ends the turn: the queued appends run first (a synchronous store fans out at once), then the turn's writes
   * are committed, then every dirty connection sends its frame, then the turn's shared batches are retired. Also
   * used at shutdown.
   */
  flushNow(): void {
    this.scheduled = false;
    const before = this.beforeFlush;
    this.beforeFlush = [];
    for (const fn of before) fn();
    let durable = true;
    if (this.beforeSend.length > 0) {
      const commits = this.beforeSend;
      this.beforeSend = [];
      for (const fn of commits) durable = fn() && durable;
    }
    const dirty = this.dirty;
    this.dirty = new Set();
    // A failed commit: what was queued may speak of writes that are not stored, so none of it goes out (the
    // failure's handler closes the connections).
    if (durable) for (const t of dirty) t.flush();
    const retire = this.retire;
    this.retire = [];
    for (const fn of retire) fn();
    if (this.sent.length > 0) {
      const sent = this.sent;
      this.sent = [];
      if (durable) for (const fn of sent) fn();
    }
    // Read during this flush (the frames' send time); what comes after reads the clock afresh.
    this.turnTime = -1;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.turnTime = -1;
    this.clock.defer(() => this.endTurn());
  }

  /**
   * The end of a turn, in two steps when the turn appended anything: the appends run first, and whatever waits on
   * them (a publisher awaiting its event's seq, such as the sequencer before it answers a submit) goes on in the
   * promise jobs that run right after this callback; the commit and the send follow in the next deferred callback.
   * So the answer to a submit leaves in the same frame as the op's event, not in a frame of its own a turn later
   * (one `writev` and one frame to parse fewer per op). Nothing is sent in between: what the next turn's I/O queues
   * meanwhile joins this flush.
   */
  private endTurn(): void {
    if (this.beforeFlush.length === 0) {
      this.flushNow();
      return;
    }
    const before = this.beforeFlush;
    this.beforeFlush = [];
    for (const fn of before) fn();
    this.clock.defer(() => this.flushNow());
  }
}
