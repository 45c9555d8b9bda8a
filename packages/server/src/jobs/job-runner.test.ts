import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { type Job, JobFailure } from './job.js';
import { type JobContext, type JobEvent, JobRunner, type JobRunnerOptions } from './job-runner.js';
import { MemoryJobStore } from './memory-job-store.js';

/** A handler whose runs the test finishes by hand. */
class ManualHandler {
  readonly runs: { ctx: JobContext; resolve: (v?: unknown) => void; reject: (e: unknown) => void }[] = [];
  readonly settled: Job[] = [];
  run(ctx: JobContext): Promise<never> {
    return new Promise((resolve, reject) => {
      this.runs.push({ ctx, resolve: resolve as (v?: unknown) => void, reject });
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  }
  settledHook = (job: Job) => {
    this.settled.push(job);
  };
}

/** Makes `store`'s claims of a job wait (a round trip to the database) until the returned function is called. */
function holdClaims(store: MemoryJobStore): () => void {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const claim = store.claimNext.bind(store);
  store.claimNext = async (o) => {
    const job = await claim(o);
    if (job) await gate;
    return job;
  };
  return release;
}

describe('JobRunner', () => {
  const runners: JobRunner[] = [];
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
  });

  async function setup(options: JobRunnerOptions = {}, store = new MemoryJobStore()) {
    const clock = new FakeClock();
    const runner = new JobRunner(store, clock, silentLogger, { backoff: { random: () => 0.5 }, ...options });
    runners.push(runner);
    const handler = new ManualHandler();
    runner.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    const events: [string, JobEvent, string][] = [];
    runner.on((job, e) => events.push([job.id, e, job.state]));
    await runner.start();
    await clock.settle();
    const add = (id: string) =>
      runner.enqueue({ id, kind: 'processing', ownerId: 'alice', documentId: `doc-${id}` });
    return { clock, runner, handler, events, store, add };
  }

  it('runs at most `concurrency` jobs at once, oldest first, and completes them', async () => {
    const { clock, handler, store, add, runner } = await setup({ concurrency: 2 });
    for (const id of ['a', 'b', 'c']) {
      await add(id);
      clock.advance(1);
    }
    await clock.settle();
    expect(handler.runs.map((r) => r.ctx.job.id)).toEqual(['a', 'b']);
    expect(runner.activeCount).toBe(2);
    expect((await store.getJob('c'))?.state).toBe('queued');
    handler.runs[0].resolve({ zones: 3 });
    await clock.settle();
    expect(await store.getJob('a')).toMatchObject({ state: 'completed', progress: 1, result: { zones: 3 } });
    expect(handler.runs.map((r) => r.ctx.job.id)).toEqual(['a', 'b', 'c']);
    expect(handler.settled.map((j) => j.id)).toEqual(['a']);
  });

  it('retries a recoverable failure with backoff, then fails saying a retry may help', async () => {
    const { clock, handler, store, add, events } = await setup({
      maxAttempts: 3,
      backoff: { initialMs: 1000, maxMs: 10_000, random: () => 1 },
    });
    await add('a');
    await clock.settle();
    handler.runs[0].reject(new JobFailure('storage_busy', 'try later', true));
    await clock.settle();
    expect(await store.getJob('a')).toMatchObject({
      state: 'queued',
      attempts: 1,
      error: { code: 'storage_busy', recoverable: true },
    });
    clock.advance(999);
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    clock.advance(1);
    await clock.settle();
    expect(handler.runs).toHaveLength(2);
    handler.runs[1].reject(new JobFailure('storage_busy', 'try later', true));
    await clock.settle();
    clock.advance(2000);
    await clock.settle();
    expect(handler.runs).toHaveLength(3);
    handler.runs[2].reject(new JobFailure('storage_busy', 'still busy', true));
    await clock.settle();
    expect(await store.getJob('a')).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: { code: 'storage_busy', message: 'still busy', recoverable: true },
    });
    expect(events.filter(([, e]) => e === 'retrying')).toHaveLength(2);
    expect(handler.settled.map((j) => j.state)).toEqual(['failed']);
  });

  it('fails at once on an error that retrying cannot fix', async () => {
    const { clock, handler, store, add } = await setup();
    await add('a');
    await clock.settle();
    handler.runs[0].reject(new JobFailure('corrupt_pdf', 'bad xref', false));
    await clock.settle();
    expect(await store.getJob('a')).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'corrupt_pdf', recoverable: false },
    });
  });

  it('fails at once on a recoverable error that waiting cannot fix, leaving the retry to the user', async () => {
    const { clock, handler, store, add, runner } = await setup({ maxAttempts: 3 });
    await add('a');
    await clock.settle();
    handler.runs[0].reject(
      new JobFailure('zone_limit', 'the document is full', true, { retryAutomatically: false }),
    );
    await clock.settle();
    expect(await store.getJob('a')).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'zone_limit', recoverable: true },
    });
    clock.advance(60_000);
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    expect((await runner.retry('a'))?.state).toBe('queued');
    await clock.settle();
    expect(handler.runs).toHaveLength(2);
  });

  it('treats an unexpected error as internal and recoverable', async () => {
    const { clock, handler, store, add } = await setup({ maxAttempts: 1 });
    await add('a');
    await clock.settle();
    handler.runs[0].reject(new TypeError('x is undefined'));
    await clock.settle();
    expect((await store.getJob('a'))?.error).toEqual({
      code: 'internal',
      message: 'x is undefined',
      recoverable: true,
    });
  });

  it('cancels a running job through its signal and a queued one at once', async () => {
    const { clock, handler, store, add, runner } = await setup({ concurrency: 1 });
    await add('a');
    await add('b');
    await clock.settle();
    const cancelled = runner.cancel('a');
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(await cancelled).toMatchObject({
      state: 'cancelled',
      error: { code: 'cancelled', recoverable: true },
    });
    await clock.settle();
    // b started once a was out of the way; cancelling it too.
    expect(handler.runs[1].ctx.job.id).toBe('b');
    await runner.cancel('b');
    await clock.settle();
    expect(handler.settled.map((j) => [j.id, j.state])).toEqual([
      ['a', 'cancelled'],
      ['b', 'cancelled'],
    ]);
    // A final job is left as it is.
    expect((await runner.cancel('a'))?.state).toBe('cancelled');
    expect(await store.getJob('nope')).toBeUndefined();
  });

  it('a cancel that arrives while a failed run is being queued for a retry still cancels the job', async () => {
    // Holds the store's write of a run's end as `queued` (a retry) until the test lets it through.
    class HeldStore extends MemoryJobStore {
      release: (() => void) | null = null;
      holding: Promise<void> | null = null;
      override async updateJob(...args: Parameters<MemoryJobStore['updateJob']>) {
        if (args[1].state === 'queued' && this.holding === null) {
          this.holding = new Promise<void>((resolve) => {
            this.release = resolve;
          });
          await this.holding;
        }
        return super.updateJob(...args);
      }
    }
    const store = new HeldStore();
    const { clock, handler, add, runner } = await setup({ maxAttempts: 3 }, store);
    await add('a');
    await clock.settle();
    // The run fails (a recoverable error) and the runner is storing it as queued for a retry...
    handler.runs[0].reject(new JobFailure('storage_busy', 'try later', true));
    await clock.settle();
    expect(store.release).not.toBeNull();
    // ...when the user cancels.
    const cancelled = runner.cancel('a');
    store.release?.();
    expect(await cancelled).toMatchObject({ state: 'cancelled' });
    clock.advance(60_000);
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    expect((await store.getJob('a'))?.state).toBe('cancelled');
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
  });

  it('a cancel that arrives while the runner stops still cancels the job (it would run again after the restart)', async () => {
    const { clock, runner, handler, store, add } = await setup();
    await add('a');
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    const stopped = runner.stop(); // the run is put back in the queue for after the restart
    const cancelled = await runner.cancel('a');
    await stopped;
    expect(cancelled?.state).toBe('cancelled');
    expect((await store.getJob('a'))?.state).toBe('cancelled');
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
  });

  it('cancels a job that is still queued without running it', async () => {
    const { clock, handler, store, add, runner } = await setup({ concurrency: 1 });
    await add('a');
    await add('b');
    await clock.settle();
    expect((await runner.cancel('b'))?.state).toBe('cancelled');
    handler.runs[0].resolve();
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    expect((await store.getJob('b'))?.finishedAt).not.toBeNull();
  });

  it('retries a failed or cancelled job on request, from its committed progress', async () => {
    const { clock, handler, store, add, runner } = await setup();
    await add('a');
    await clock.settle();
    await handler.runs[0].ctx.commit({ page: 4, pages: 10, progress: 0.4 });
    await runner.cancel('a');
    expect(await runner.retry('a')).toMatchObject({ state: 'queued', attempts: 0, error: null });
    await clock.settle();
    expect(handler.runs[1].ctx.job).toMatchObject({ id: 'a', page: 4, attempts: 1 });
    expect(await runner.retry('a')).toBeUndefined(); // running: nothing to retry
    handler.runs[1].resolve();
    await clock.settle();
    expect(await runner.retry('a')).toBeUndefined(); // completed
    expect((await store.getJob('a'))?.state).toBe('completed');
  });

  it('on stop, puts running jobs back in the queue; a new runner resumes them from the last commit', async () => {
    const store = new MemoryJobStore();
    const first = await setup({}, store);
    await first.add('a');
    await first.clock.settle();
    await first.handler.runs[0].ctx.commit({ page: 2, pages: 5 });
    first.handler.runs[0].ctx.report({ page: 3 }); // not committed: lost in a restart
    expect(first.runner.live('a')?.page).toBe(3);
    await first.runner.stop();
    expect(await store.getJob('a')).toMatchObject({ state: 'queued', page: 2, attempts: 0 });
    expect(first.handler.settled).toEqual([]);

    const second = await setup({}, store);
    await second.clock.settle();
    expect(second.handler.runs[0].ctx.job).toMatchObject({ id: 'a', page: 2, attempts: 1 });
  });

  it('re-queues a job left running by a crashed process', async () => {
    const store = new MemoryJobStore();
    await store.createJob({ id: 'a', kind: 'processing', ownerId: 'u', documentId: 'd', now: 1 });
    await store.claimNext({ now: 2 });
    await store.updateJob('a', { now: 3, page: 7 });
    const { clock, handler } = await setup({}, store);
    await clock.settle();
    expect(handler.runs[0].ctx.job).toMatchObject({ id: 'a', page: 7, attempts: 2 });
  });

  it('claims a job whose runner stopped heartbeating (another node died)', async () => {
    const store = new MemoryJobStore();
    const { clock, handler } = await setup({ recoverOnStart: false, staleAfterMs: 30_000 }, store);
    await store.createJob({ id: 'a', kind: 'processing', ownerId: 'u', documentId: 'd', now: clock.now() });
    await store.claimNext({ now: clock.now() }); // "another node" has it
    clock.advance(10_000);
    await clock.settle();
    expect(handler.runs).toHaveLength(0);
    clock.advance(25_000);
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
  });

  it('keeps a running job alive with heartbeats', async () => {
    const { clock, store, add } = await setup({ heartbeatMs: 1000 });
    await add('a');
    await clock.settle();
    const t0 = clock.now();
    clock.advance(3000);
    await clock.settle();
    expect((await store.getJob('a'))?.heartbeatAt).toBe(t0 + 3000);
  });
});

describe('JobRunner, a run that lost its claim to a new run on the same runner', () => {
  it('keeps tracking the new run when the old one ends', async () => {
    // Heartbeats fail (the store is unreachable) for longer than `staleAfterMs`: this runner's own poll then
    // claims its job again, as stale, and runs it a second time.
    class FlakyStore extends MemoryJobStore {
      failHeartbeats = false;
      override async updateJob(...args: Parameters<MemoryJobStore['updateJob']>) {
        if (this.failHeartbeats && Object.keys(args[1]).join() === 'heartbeatAt,now') throw new Error('down');
        return super.updateJob(...args);
      }
    }
    const store = new FlakyStore();
    const clock = new FakeClock();
    const runner = new JobRunner(store, clock, silentLogger, {
      heartbeatMs: 1000,
      staleAfterMs: 5000,
      pollMs: 1000,
    });
    const handler = new ManualHandler();
    runner.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    await runner.start();
    await runner.enqueue({ id: 'a', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    store.failHeartbeats = true;
    for (let i = 0; i < 7 && handler.runs.length < 2; i++) {
      clock.advance(1000);
      await clock.settle();
    }
    store.failHeartbeats = false;
    expect(handler.runs).toHaveLength(2);
    // The old run lost its claim: it is stopped at once (not left to commit alongside the new one), and its
    // late write changes nothing.
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(handler.runs[1].ctx.signal.aborted).toBe(false);
    await handler.runs[0].ctx.commit({ page: 1, pages: 10 });
    await clock.settle();
    expect((await store.getJob('a'))?.page).toBeNull();
    // The new run is still this runner's: live progress, and a cancel stops it at once.
    handler.runs[1].ctx.report({ page: 2 });
    expect(runner.live('a')?.page).toBe(2);
    expect(runner.activeCount).toBe(1);
    const cancelled = runner.cancel('a');
    expect(handler.runs[1].ctx.signal.aborted).toBe(true);
    expect(await cancelled).toMatchObject({ state: 'cancelled' });
    await runner.stop();
  });
});

describe('JobRunner across nodes', () => {
  it('stops a job another node cancelled at its next heartbeat, and settles it', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const a = new JobRunner(store, clock, silentLogger, { heartbeatMs: 1000, recoverOnStart: false });
    const b = new JobRunner(store, clock, silentLogger, { recoverOnStart: false });
    const handler = new ManualHandler();
    a.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    b.register('export', { run: async () => null });
    await a.start();
    await b.start();
    await a.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    expect((await b.cancel('j'))?.state).toBe('cancelled');
    expect(handler.runs[0].ctx.signal.aborted).toBe(false);
    clock.advance(1000);
    await clock.settle();
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
    expect((await store.getJob('j'))?.state).toBe('cancelled');
    await a.stop();
    await b.stop();
  });

  it('a runner that stalled past its heartbeat and lost the job to another run records nothing of its end', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const opts = { heartbeatMs: 1000, staleAfterMs: 5000, recoverOnStart: false };
    const a = new JobRunner(store, clock, silentLogger, opts);
    const handler = new ManualHandler();
    const events: [JobEvent, string][] = [];
    a.on((job, e) => events.push([e, job.state]));
    a.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    await a.start();
    await a.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    // Node A stalls (no heartbeat reaches the store); past staleAfterMs node B claims the job: attempt 2.
    const taken = await store.claimNext({ now: clock.now() + 6000, staleBefore: clock.now() + 1000 });
    expect(taken?.attempts).toBe(2);
    // A wakes up: its next write names attempt 1, is refused, and the run stops without a trace.
    await handler.runs[0].ctx.commit({ page: 3, pages: 10, progress: 0.3 });
    await clock.settle();
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(await store.getJob('j')).toMatchObject({ state: 'running', attempts: 2, progress: 0 });
    expect(handler.settled).toEqual([]);
    // Only `superseded`, so listeners drop this run's live progress (the new run reports its own).
    expect(events.filter(([e]) => e !== 'started')).toEqual([['superseded', 'running']]);
    await a.stop();
  });

  /** Node A runs job `j` (heartbeat 5 s, so it hears of a cancel only at a write); node B shares its store. */
  async function twoNodes() {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const opts = { heartbeatMs: 5000, recoverOnStart: false, backoff: { random: () => 0.5 } };
    const a = new JobRunner(store, clock, silentLogger, opts);
    const b = new JobRunner(store, clock, silentLogger, opts);
    const handler = new ManualHandler();
    const discarded: [string, unknown][] = [];
    a.register('processing', {
      run: (ctx) => handler.run(ctx),
      settled: handler.settledHook,
      discard: (job, result) => {
        discarded.push([job.id, result]);
      },
    });
    b.register('export', { run: async () => null });
    const events: [JobEvent, string][] = [];
    a.on((job, e) => events.push([e, job.state]));
    await a.start();
    await b.start();
    await a.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    await handler.runs[0].ctx.commit({ page: 3, pages: 10, progress: 0.3 });
    return { store, clock, a, b, handler, discarded, events };
  }

  it('a run that completes after another node cancelled it, before it heard, ends cancelled, never completed', async () => {
    const { store, clock, a, b, handler, discarded, events } = await twoNodes();
    // B cancels (a compare-and-set in the store); A is not told (a lost broadcast) and its next heartbeat is far.
    expect((await b.cancel('j'))?.state).toBe('cancelled');
    expect(handler.runs[0].ctx.signal.aborted).toBe(false);
    // A's run completes: storing `completed` is refused (the job is no longer running)...
    handler.runs[0].resolve({ zones: 3 });
    await clock.settle();
    // ...so the run ends as the cancel would have ended it: settled (announced) cancelled, as the store says.
    expect(events.filter(([e]) => e !== 'started')).toEqual([['settled', 'cancelled']]);
    expect(handler.settled.map((j) => [j.state, j.page, j.error?.code])).toEqual([
      ['cancelled', 3, 'cancelled'],
    ]);
    expect(await store.getJob('j')).toMatchObject({ state: 'cancelled', page: 3, pages: 10, result: null });
    // What the run made is handed back to its handler to undo (an export's file).
    expect(discarded).toEqual([['j', { zones: 3 }]]);
    expect(a.activeCount).toBe(0);
    await a.stop();
    await b.stop();
  });

  it('a run that fails after another node cancelled it ends cancelled, not queued for a retry', async () => {
    const { store, clock, a, b, handler, discarded, events } = await twoNodes();
    expect((await b.cancel('j'))?.state).toBe('cancelled');
    handler.runs[0].reject(new JobFailure('storage_busy', 'try later', true));
    await clock.settle();
    expect(events.filter(([e]) => e !== 'started')).toEqual([['settled', 'cancelled']]);
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
    clock.advance(60_000);
    await clock.settle();
    expect(handler.runs).toHaveLength(1);
    expect(await store.getJob('j')).toMatchObject({ state: 'cancelled', page: 3 });
    expect(discarded).toEqual([]);
    await a.stop();
    await b.stop();
  });

  it('a run that completes after another node cancelled and retried it records and announces nothing', async () => {
    const { store, clock, a, b, handler, discarded, events } = await twoNodes();
    expect((await b.cancel('j'))?.state).toBe('cancelled');
    await b.stop(); // B only cancels and retries here; A claims the retried job
    expect((await b.retry('j'))?.state).toBe('queued');
    handler.runs[0].resolve({ zones: 3 });
    await clock.settle();
    // The retried job is the next run's: this one ends as a run that lost its claim.
    expect(events.filter(([e]) => e !== 'started')).toEqual([['superseded', 'running']]);
    expect(handler.settled).toEqual([]);
    expect(discarded).toEqual([]);
    await clock.settle();
    expect(handler.runs).toHaveLength(2);
    expect(await store.getJob('j')).toMatchObject({ state: 'running', page: 3, result: null });
    await a.stop();
  });

  it('says `cancelling` where it cancels a job running elsewhere; the owner stops at once when told', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const a = new JobRunner(store, clock, silentLogger, { heartbeatMs: 5000, recoverOnStart: false });
    const b = new JobRunner(store, clock, silentLogger, { recoverOnStart: false });
    const handler = new ManualHandler();
    a.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    b.register('export', { run: async () => null });
    const heard: [string, JobEvent][] = [];
    b.on((job, e) => heard.push([job.id, e]));
    await a.start();
    await b.start();
    await a.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    // A cancel message before the store says so (late, or forged) stops nothing.
    expect(await a.abortCancelled('j')).toBe(false);
    expect(await a.abortCancelled('unknown')).toBe(false);
    expect((await b.cancel('j'))?.state).toBe('cancelled');
    expect(heard).toEqual([['j', 'cancelling']]);
    expect(await a.abortCancelled('j')).toBe(true);
    await clock.settle();
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
    expect(await a.abortCancelled('j')).toBe(false);
    await a.stop();
    await b.stop();
  });

  it('a cancel on a runner whose run lost its claim cancels the job where it runs now', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const opts = { heartbeatMs: 5000, staleAfterMs: 10_000, recoverOnStart: false };
    const a = new JobRunner(store, clock, silentLogger, opts);
    const b = new JobRunner(store, clock, silentLogger, opts);
    const onA = new ManualHandler();
    const onB = new ManualHandler();
    a.register('processing', { run: (ctx) => onA.run(ctx), settled: onA.settledHook });
    b.register('processing', { run: (ctx) => onB.run(ctx), settled: onB.settledHook });
    const heard: JobEvent[] = [];
    a.on((_job, e) => heard.push(e));
    await a.start();
    await a.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    // A stalls: its heartbeats stop reaching the store, and B takes the job over.
    await store.updateJob('j', { now: clock.now(), heartbeatAt: clock.now() - 60_000 });
    await b.start();
    await clock.settle();
    expect(onB.runs).toHaveLength(1);
    // The user's cancel reaches A before A noticed: it stops its stale run, and the job is cancelled all the same.
    expect((await a.cancel('j'))?.state).toBe('cancelled');
    expect(onA.runs[0].ctx.signal.aborted).toBe(true);
    expect((await store.getJob('j'))?.state).toBe('cancelled');
    expect(heard).toContain('cancelling');
    expect(await b.abortCancelled('j')).toBe(true);
    await clock.settle();
    expect(onB.runs[0].ctx.signal.aborted).toBe(true);
    expect(onB.settled.map((j) => j.state)).toEqual(['cancelled']);
    await a.stop();
    await b.stop();
  });

  it('a cancel that lands while this runner claims the job stops the run as soon as it starts', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    // The claim takes a moment (a round trip to the database); the cancel arrives meanwhile.
    const release = holdClaims(store);
    const runner = new JobRunner(store, clock, silentLogger, { heartbeatMs: 5000, recoverOnStart: false });
    const handler = new ManualHandler();
    runner.register('processing', { run: (ctx) => handler.run(ctx), settled: handler.settledHook });
    await runner.start();
    await runner.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    expect(handler.runs).toHaveLength(0);
    expect((await runner.cancel('j'))?.state).toBe('cancelled');
    release();
    await clock.settle();
    // It started (the claim was made), and stopped before any heartbeat.
    expect(handler.runs).toHaveLength(1);
    expect(handler.runs[0].ctx.signal.aborted).toBe(true);
    expect(handler.settled.map((j) => j.state)).toEqual(['cancelled']);
    expect((await store.getJob('j'))?.state).toBe('cancelled');
    await runner.stop();
  });

  it('a job claimed as the runner stops goes back to the queue without using up an attempt', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    const release = holdClaims(store);
    const runner = new JobRunner(store, clock, silentLogger, { recoverOnStart: false });
    const handler = new ManualHandler();
    runner.register('processing', { run: (ctx) => handler.run(ctx) });
    await runner.start();
    await runner.enqueue({ id: 'j', kind: 'processing', ownerId: 'u', documentId: 'd' });
    await clock.settle();
    const stopped = runner.stop();
    release();
    await stopped;
    expect(handler.runs).toHaveLength(0);
    expect(await store.getJob('j')).toMatchObject({ state: 'queued', attempts: 0 });
  });
});
