import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import {
  isFinal,
  type Job,
  type JobErrorInfo,
  type JobJson,
  type JobKind,
  type JobPatch,
  type NewJob,
  retriesAutomatically,
  toJobError,
} from './job.js';
import type { JobStore } from './job-store.js';
import { type BackoffOptions, retryDelay } from './retry-backoff.js';

/** Why a running job's signal was aborted. */
export class JobAbort extends Error {
  /** `superseded`: this runner lost its claim (it stalled past the heartbeat) and another run took over. */
  constructor(readonly why: 'cancel' | 'shutdown' | 'superseded') {
    super(
      why === 'cancel'
        ? 'cancelled'
        : why === 'shutdown'
          ? 'server shutting down'
          : 'taken over by another run',
    );
    this.name = 'JobAbort';
  }
}

/** Progress a handler reports. */
export type JobProgress = Partial<Pick<Job, 'progress' | 'stage' | 'page' | 'pages' | 'result'>>;

export interface JobContext {
  /** The job as claimed (its `page` is where an interrupted run got to). */
  readonly job: Job;
  /** Aborted on cancel (reason `JobAbort('cancel')`) and on shutdown (`JobAbort('shutdown')`). */
  readonly signal: AbortSignal;
  /** Updates the job's live state in memory (cheap: for ticks). */
  report(progress: JobProgress): Job;
  /** Updates the live state and stores it (for what must survive a restart: a committed page). */
  commit(progress: JobProgress): Promise<Job>;
}

export interface JobHandler {
  /** Does the work; resolves the job's result. Throw a `JobFailure` (or any error with code/recoverable). */
  run(ctx: JobContext): Promise<JobJson | undefined>;
  /**
   * The job reached a final state (completed, failed, cancelled) and it is stored. Awaited before the
   * runner's listeners hear of it, so what it commits (document metadata) is there when they announce it.
   */
  settled?(job: Job): Promise<void> | void;
  /**
   * A run returned `result`, but the job had been cancelled meanwhile by another runner (node), which this runner
   * saw only when storing the completion was refused: the job ends cancelled and the result is dropped; undo what
   * it left behind (an export's file). Awaited before the job settles as cancelled.
   */
  discard?(job: Job, result: JobJson | undefined): Promise<void> | void;
}

/**
 * `cancelling`: a job running on another runner (node) was marked cancelled in the store; that runner stops
 * it at its next heartbeat or commit, or at once when told (`abortCancelled`, e.g. through a broker).
 * `superseded`: a run of this runner lost its claim (another run owns the job now) and stopped; the job is the
 * run's own view (its `run`), nothing of its end was stored.
 */
export type JobEvent = 'started' | 'retrying' | 'settled' | 'requeued' | 'cancelling' | 'superseded';
export type JobListener = (job: Job, event: JobEvent) => void;

export interface JobRunnerOptions {
  /** Jobs running at once on this runner. Default 2. */
  concurrency?: number;
  /** Runs of a job before a recoverable error becomes final. Default 3. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** A running job's heartbeat. Default 5 s. */
  heartbeatMs?: number;
  /** A running job without a heartbeat for this long is claimed again (its runner died). Default 30 s. */
  staleAfterMs?: number;
  /** How often to look for work queued elsewhere (other nodes, due retries). Default 1 s. */
  pollMs?: number;
  /** Re-queue every `running` job at start (one node: whatever it ran was interrupted). Default true. */
  recoverOnStart?: boolean;
}

interface Running {
  job: Job;
  controller: AbortController;
  done: Promise<Job>;
}

const CANCELLED: JobErrorInfo = { code: 'cancelled', message: 'cancelled', recoverable: true };

/**
 * Runs jobs from a `JobStore`: claims queued ones up to a concurrency limit, gives each an
 * `AbortController`, retries recoverable failures with jittered backoff a bounded number of times, and
 * settles each job as completed, failed (saying whether a retry may help) or cancelled. A job found
 * `running` at start, or whose runner stopped heartbeating, is claimed again and resumes where its
 * handler last committed. All timing goes through the `Clock`.
 */
export class JobRunner {
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly running = new Map<string, Running>();
  private readonly listeners: JobListener[] = [];
  private readonly o: Required<Omit<JobRunnerOptions, 'backoff'>> & { backoff: BackoffOptions };
  private pumping = false;
  private pumpAgain = false;
  private started = false;
  private stopped = false;
  private pollTimer: unknown = null;
  private readonly retryTimers = new Set<unknown>();
  private readonly settling = new Set<Promise<void>>();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly store: JobStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: JobRunnerOptions = {},
  ) {
    this.o = {
      concurrency: 2,
      maxAttempts: 3,
      heartbeatMs: 5_000,
      staleAfterMs: 30_000,
      pollMs: 1_000,
      recoverOnStart: true,
      backoff: {},
      ...options,
    };
    if (!(this.o.concurrency >= 1)) throw new RangeError('concurrency must be >= 1');
    if (!(this.o.maxAttempts >= 1)) throw new RangeError('maxAttempts must be >= 1');
  }

  register(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Listens to job changes; returns a disposer. */
  on(listener: JobListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get concurrency(): number {
    return this.o.concurrency;
  }

  /** Jobs running on this runner now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** A job running on this runner, with its live (unstored) progress. */
  live(jobId: string): Job | undefined {
    return this.running.get(jobId)?.job;
  }

  /** Every job running on this runner (live state). */
  liveJobs(): Job[] {
    return [...this.running.values()].map((r) => r.job);
  }

  /** Starts claiming work (after re-queueing interrupted jobs). */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.o.recoverOnStart) {
      const n = await this.store.requeueRunning(this.clock.now());
      if (n > 0) this.log.warn({ jobs: n }, 'jobs interrupted by a restart were queued again');
    }
    if (this.stopped) return;
    this.pollTimer = this.clock.setInterval(() => this.pump(), this.o.pollMs);
    this.pump();
  }

  /** Stores a new job and wakes the runner. */
  async enqueue(n: Omit<NewJob, 'now'>): Promise<Job> {
    const job = await this.store.createJob({ ...n, now: this.clock.now() });
    this.pump();
    return job;
  }

  /**
   * Cancels a job: a queued one at once, a running one through its signal (resolves once its handler
   * has stopped and the job is stored as cancelled; its settle hook and listeners run right after). A job
   * running on another runner (node) is marked cancelled in the store (a compare-and-set from `running`) and
   * the listeners hear `cancelling`, to tell that runner (`abortCancelled`); it also sees the change at its
   * next heartbeat or commit, whichever comes first, stops the job and settles it; a run that ends before it
   * hears (its end is refused by the store) settles cancelled all the same. A run here that had lost its claim to
   * another run is stopped, and the job is then cancelled where it runs now. A job in a final state is returned
   * unchanged.
   */
  async cancel(jobId: string): Promise<Job | undefined> {
    for (let r = this.running.get(jobId); r; r = this.running.get(jobId)) {
      if (!r.controller.signal.aborted) r.controller.abort(new JobAbort('cancel'));
      const ended = await r.done;
      // The run may have ended otherwise just before the abort (it failed, and its end was being stored as
      // `queued` for a retry, or the runner is stopping and put it back for after the restart): the cancel still
      // applies, to the queued job, or it would run again later.
      if (ended.state === 'queued') {
        return (await this.cancelQueued(jobId)) ?? (await this.store.getJob(jobId)) ?? ended;
      }
      // Still running: this run had lost its claim (it stalled past its heartbeat, and another runner, or this one
      // again, took the job over). The cancel is for the job: it goes on to the run that holds it now.
      if (ended.state !== 'running') return ended;
    }
    const job = await this.cancelQueued(jobId);
    if (job) return job;
    const now = this.clock.now();
    const elsewhere = await this.store.updateJob(
      jobId,
      { now, state: 'cancelled', finishedAt: now, error: CANCELLED },
      ['running'],
    );
    if (elsewhere) {
      this.emit(elsewhere, 'cancelling');
      // This runner may be claiming the job right now (its claim on its way back from the store, so not running
      // here yet): once the claim is in, its run stops at once, not at its first heartbeat or commit.
      void this.idle.then(() => this.abortCancelled(jobId)).catch(() => {});
      return elsewhere;
    }
    return this.store.getJob(jobId);
  }

  /** Cancels a job if it is queued (not claimed): stored, then its settle hook and listeners run. */
  private async cancelQueued(jobId: string): Promise<Job | undefined> {
    const now = this.clock.now();
    const job = await this.store.updateJob(
      jobId,
      { now, state: 'cancelled', finishedAt: now, error: CANCELLED },
      ['queued'],
    );
    if (job) await this.settle(job);
    return job;
  }

  /**
   * Another runner cancelled a job this runner runs (it said so through a broker): if the store agrees (the
   * job is `cancelled` there, so a late or repeated message cannot stop a later run), its signal is aborted
   * now instead of at the next heartbeat. Resolves whether it was running here and is now stopping.
   */
  async abortCancelled(jobId: string): Promise<boolean> {
    const r = this.running.get(jobId);
    if (!r || r.controller.signal.aborted) return false;
    const stored = await this.store.getJob(jobId);
    if (stored?.state !== 'cancelled' || this.running.get(jobId) !== r || r.controller.signal.aborted) {
      return false;
    }
    r.controller.abort(new JobAbort('cancel'));
    return true;
  }

  /** Puts a failed or cancelled job back in the queue (attempts start over). `undefined` if it is not one. */
  async retry(jobId: string): Promise<Job | undefined> {
    const now = this.clock.now();
    const job = await this.store.updateJob(
      jobId,
      { now, state: 'queued', error: null, finishedAt: null, attempts: 0, runAfter: now },
      ['failed', 'cancelled'],
    );
    if (job) {
      this.emit(job, 'requeued');
      this.pump();
    }
    return job;
  }

  /**
   * Stops claiming, aborts running jobs (they go back to `queued`, to resume after a restart) and waits
   * for their handlers to return.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pollTimer !== null) this.clock.clearInterval(this.pollTimer);
    this.pollTimer = null;
    for (const t of this.retryTimers) this.clock.clearTimeout(t);
    this.retryTimers.clear();
    const done: Promise<unknown>[] = [];
    for (const r of this.running.values()) {
      if (!r.controller.signal.aborted) r.controller.abort(new JobAbort('shutdown'));
      done.push(r.done.catch(() => {}));
    }
    await Promise.all(done);
    await this.idle;
    await Promise.all(this.settling);
  }

  /** Claims jobs until the concurrency limit is reached or nothing is due. */
  pump(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.idle = (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (!this.stopped && this.running.size < this.o.concurrency) {
            const now = this.clock.now();
            const job = await this.store.claimNext({
              now,
              staleBefore: now - this.o.staleAfterMs,
              kinds: [...this.handlers.keys()],
            });
            if (!job) break;
            if (this.stopped) {
              // Claimed as the runner stopped: back to the queue, and the claim does not count as an attempt (as for
              // a run the shutdown stopped).
              await this.store.updateJob(
                job.id,
                { now, state: 'queued', heartbeatAt: null, attempts: Math.max(0, job.attempts - 1) },
                ['running'],
                job.run,
              );
              break;
            }
            this.execute(job);
          }
        } while (this.pumpAgain && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'job runner could not claim work');
      } finally {
        this.pumping = false;
      }
    })();
  }

  private execute(claimed: Job): void {
    const handler = this.handlers.get(claimed.kind)!;
    // This runner claimed its own job again (its heartbeats failed past `staleAfterMs`): the old run lost its
    // claim; it stops now rather than commit pages alongside the new run until its next write.
    const previous = this.running.get(claimed.id);
    if (previous && !previous.controller.signal.aborted) {
      previous.controller.abort(new JobAbort('superseded'));
    }
    const controller = new AbortController();
    const entry = { job: claimed, controller } as Running;
    // Every write names this run (its claim number, `run`): a write that finds the job no longer running means
    // another node cancelled it; one that finds a later run means this runner stalled past its heartbeat and
    // another took the job over (or it was cancelled, retried and claimed again meanwhile). Either way, stop here.
    const persist = async (patch: Omit<JobPatch, 'now'>) => {
      const stored = await this.store.updateJob(
        entry.job.id,
        { ...patch, now: this.clock.now() },
        ['running'],
        claimed.run,
      );
      if (!stored && !controller.signal.aborted) {
        const now = await this.store.getJob(entry.job.id);
        const superseded = now !== undefined && now.run !== claimed.run;
        if (!controller.signal.aborted) controller.abort(new JobAbort(superseded ? 'superseded' : 'cancel'));
      }
      return stored;
    };
    const ctx: JobContext = {
      job: claimed,
      signal: controller.signal,
      report: (p) => {
        entry.job = { ...entry.job, ...p, updatedAt: this.clock.now() };
        return entry.job;
      },
      commit: async (p) => {
        entry.job = { ...entry.job, ...p, updatedAt: this.clock.now() };
        await persist({ ...p, heartbeatAt: this.clock.now() });
        return entry.job;
      },
    };
    const heartbeat = this.clock.setInterval(() => {
      persist({ heartbeatAt: this.clock.now() }).catch((err) =>
        this.log.error({ err, jobId: claimed.id }, 'job heartbeat failed'),
      );
    }, this.o.heartbeatMs);
    entry.done = (async () => {
      let result: JobJson | undefined;
      let failure: unknown;
      let ok = false;
      try {
        result = await handler.run(ctx);
        ok = true;
      } catch (err) {
        failure = err;
      } finally {
        this.clock.clearInterval(heartbeat);
      }
      const job = await this.finish(entry, ok, result, failure);
      // Only this run's entry: a run that lost its claim to a newer run of the same job on this runner (its
      // heartbeats failed past `staleAfterMs`) must not untrack the newer one (no cancel, no live progress).
      if (this.running.get(claimed.id) === entry) this.running.delete(claimed.id);
      this.pump();
      return job;
    })();
    this.running.set(claimed.id, entry);
    this.emit(claimed, 'started');
  }

  /** Stores how a run ended and tells whoever listens. */
  private async finish(
    entry: Running,
    ok: boolean,
    result: JobJson | undefined,
    failure: unknown,
  ): Promise<Job> {
    const now = this.clock.now();
    const live = entry.job;
    const reason = entry.controller.signal.aborted ? entry.controller.signal.reason : undefined;
    const why = reason instanceof JobAbort ? reason.why : undefined;
    if (why === 'superseded') return this.superseded(live);
    const cancelledPatch: JobPatch = { now, state: 'cancelled', finishedAt: now, error: CANCELLED };
    let patch: JobPatch;
    let event: JobEvent = 'settled';
    let retryDelayMs = 0;
    if (ok) {
      patch = {
        now,
        state: 'completed',
        progress: 1,
        finishedAt: now,
        error: null,
        result: result ?? live.result,
      };
    } else if (why === 'cancel') {
      patch = cancelledPatch;
    } else if (why === 'shutdown') {
      // Not the job's fault: it runs again after the restart, from its last committed progress.
      patch = {
        now,
        state: 'queued',
        heartbeatAt: null,
        runAfter: now,
        attempts: Math.max(0, live.attempts - 1),
      };
      event = 'requeued';
    } else {
      const error = toJobError(failure);
      if (error.recoverable && retriesAutomatically(failure) && live.attempts < this.o.maxAttempts) {
        retryDelayMs = retryDelay(live.attempts, this.o.backoff);
        patch = { now, state: 'queued', heartbeatAt: null, runAfter: now + retryDelayMs, error };
        event = 'retrying';
      } else {
        patch = { now, state: 'failed', finishedAt: now, error };
      }
    }
    let cancelled = why === 'cancel';
    let stored: Job;
    try {
      let done = await this.store.updateJob(live.id, patch, ['running'], live.run);
      if (!done) {
        const current = await this.store.getJob(live.id);
        if (current && current.run !== live.run) return this.superseded(live, current);
        if (current?.state === 'cancelled' && !cancelled) {
          // Another node cancelled the job (a compare-and-set from `running`) after this run's last write, and
          // the run ended (completed, failed, or stopped by a shutdown) before it heard: the store says
          // cancelled, so the run ends cancelled, as if the cancel had stopped it. What a completed run made
          // is dropped (`discard`: an export's file), never announced.
          cancelled = true;
          patch = cancelledPatch;
          event = 'settled';
          if (ok) await this.discard(live, result);
        } else if (current?.state === 'queued') {
          // Same run, but queued: cancelled by another node and retried meanwhile (not claimed again yet). The
          // next run owns the job: nothing of this one is stored or announced (its file, if any, that run rewrites).
          return this.superseded(live, current);
        }
      }
      if (!done && cancelled) {
        // Cancelled in the store by another node meanwhile: record how far this run got (a page that was
        // being committed when the cancel arrived is in the document, so a retry starts after it).
        done = await this.store.updateJob(
          live.id,
          { now, page: live.page, pages: live.pages, progress: live.progress },
          ['cancelled'],
          live.run,
        );
      }
      const { now: _now, ...fields } = patch;
      stored = done ?? { ...live, ...fields, updatedAt: now };
    } catch (err) {
      this.log.error({ err, jobId: live.id }, 'could not store the end of a job');
      const { now: _now, ...fields } = patch;
      stored = { ...live, ...fields, updatedAt: now };
    }
    if (event === 'retrying') {
      this.log.warn(
        { jobId: live.id, error: patch.error, attempt: live.attempts, delayMs: retryDelayMs },
        'job failed; retrying',
      );
      if (!this.stopped) {
        const t = this.clock.setTimeout(() => {
          this.retryTimers.delete(t);
          this.pump();
        }, retryDelayMs);
        this.retryTimers.add(t);
      }
    }
    entry.job = stored;
    if (event === 'settled') {
      // The run is over and stored: whoever waits for it (a cancel) is answered now; the settle hook
      // (document metadata) and the listeners (final events) follow.
      const settling = this.settle(stored).finally(() => this.settling.delete(settling));
      this.settling.add(settling);
    } else this.emit(stored, event);
    return stored;
  }

  /** A run's result that will never be stored (the job was cancelled meanwhile): its handler undoes what it left. */
  private async discard(live: Job, result: JobJson | undefined): Promise<void> {
    try {
      await this.handlers.get(live.kind)?.discard?.(live, result);
    } catch (err) {
      this.log.error({ err, jobId: live.id }, 'job discard hook failed');
    }
  }

  /**
   * This run lost its claim: another runner took the job over (this one stalled past the heartbeat). Nothing
   * of this run's end is stored or announced; the newer run owns the job.
   */
  private async superseded(live: Job, current?: Job): Promise<Job> {
    const now = current ?? (await this.store.getJob(live.id).catch(() => undefined));
    this.log.warn(
      { jobId: live.id, run: live.run, currentRun: now?.run },
      'job taken over by another run; this run stops without recording its end',
    );
    // Listeners drop what they hold of this run (its live progress), which the new run's owner now reports.
    this.emit(live, 'superseded');
    return now ?? live;
  }

  private async settle(job: Job): Promise<void> {
    if (!isFinal(job.state)) return;
    try {
      await this.handlers.get(job.kind)?.settled?.(job);
    } catch (err) {
      this.log.error({ err, jobId: job.id }, 'job settle hook failed');
    }
    this.emit(job, 'settled');
  }

  private emit(job: Job, event: JobEvent): void {
    for (const l of this.listeners) {
      try {
        l(job, event);
      } catch (err) {
        this.log.error({ err, jobId: job.id }, 'job listener failed');
      }
    }
  }
}
