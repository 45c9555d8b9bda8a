import { randomUUID } from 'node:crypto';
import {
  type Json,
  metaSet,
  type Op,
  validateZone,
  type Zone,
  type ZoneDocument,
  zoneCreate,
} from '@syncline/doc';
import { ErrorCode } from '@syncline/protocol';
import type { Clock } from '../core/clock.js';
import { SynclineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DocumentSequencer } from '../docs/doc-sequencer.js';
import type { FileStore } from './file-store.js';
import { type Job, JobFailure, type JobJson } from './job.js';
import type { JobEvents } from './job-events.js';
import type { JobContext, JobHandler } from './job-runner.js';
import type { JobStore } from './job-store.js';
import { PagePacer } from './page-pacer.js';
import type { PageRate } from './page-rate.js';
import type { AnalyzedPage, AnalyzedZone, PdfPipeline } from './pdf-pipeline.js';

/** The user id the pipeline's changes are made as (zones' `updatedBy`, the ops' author). */
export const PIPELINE_USER = 'system:pipeline';
/** The pipeline's name in a document's history. */
export const PIPELINE_NAME = 'Pipeline';
/** The document meta key where processing state is recorded. */
export const PROCESSING_META = 'processing';
export const pdfKey = (documentId: string): string => `document/${documentId}.pdf`;
/** Pages finished within this many ms of the first of them are committed (and sent) together. */
const COMMIT_WINDOW_MS = 200;
/** The pages a job's runs so far skipped (committed with their pages in the job's `result`). */
const skippedOf = (job: Job): number[] => {
  const list = (job.result as { skippedPages?: unknown } | null)?.skippedPages;
  return Array.isArray(list) ? list.filter((p): p is number => Number.isInteger(p)) : [];
};
/** Warnings a job keeps (in its `result`, and reports on completion). */
const MAX_WARNINGS = 100;
/**
 * The warnings of the pages a job's runs so far committed (kept in its `result` with `skippedPages`), of pages
 * before `startPage` (each warning starts `page N: `).
 */
const warningsOf = (job: Job, startPage: number): string[] => {
  const list = (job.result as { warnings?: unknown } | null)?.warnings;
  if (!Array.isArray(list)) return [];
  return list
    .filter((w): w is string => typeof w === 'string')
    .filter((w) => Number(/^page (\d+):/.exec(w)?.[1] ?? Number.POSITIVE_INFINITY) < startPage)
    .slice(0, MAX_WARNINGS);
};
/** One change the pipeline commits through the sequencer. */
type ServerItem = { op: (doc: ZoneDocument) => Op; opId: string };
/** `1,234`: counts in messages people read. */
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The document cannot take the zones of `page` (the sequencer's `maxZones`): what the job ends with (`zone_limit`).
 * Recoverable (unless the page alone has more zones than the limit), but not retried by itself: once zones are
 * deleted (or the limit is raised), `job.retry` resumes at this page; the pages before it stay in the document.
 */
export function zoneLimitFailure(
  page: number,
  pages: number,
  pageZones: number,
  held: number,
  maxZones: number,
): JobFailure {
  const rest = page === pages ? `page ${page} was not added` : `pages ${page}-${pages} were not added`;
  return new JobFailure(
    'zone_limit',
    `page ${page} has ${count(pageZones)} zones, but the document already holds ${count(held)} of at most ` +
      `${count(maxZones)}: the pages before it were added, ${rest}. Delete zones (or have the limit raised) and ` +
      'resume to add the rest.',
    // A page with more zones than any document may hold cannot be added by deleting zones.
    pageZones <= maxZones,
    { retryAutomatically: false },
  );
}

/** What a document's `meta.processing` says. */
export interface ProcessingMeta {
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  jobId: string;
  pages: number | null;
  pagesDone: number;
  cancelledAtPage?: number;
  zones?: number;
  skippedPages?: number[];
  error?: { code: string; message: string; recoverable: boolean };
  updatedAt: number;
}

export interface ProcessingDeps {
  store: JobStore;
  files: FileStore;
  documents: DocumentSequencer;
  pipeline: PdfPipeline;
  events: JobEvents;
  rate: PageRate;
  clock: Clock;
  log: Logger;
  /** The largest file the analysis accepts (the upload limit). */
  maxBytes?: number;
  /** Most pages handed over per second (`PagePacer`). Default: no limit. */
  maxPagesPerSecond?: number;
  /** Counts pages finished (metrics). */
  onPages?(n: number): void;
  /**
   * Several nodes share the uploads: a file missing here may be on the others' store (this node's is not shared),
   * so a job without it is retried rather than failed for good.
   */
  sharedFiles?: boolean;
}

/**
 * The `processing` job: analyzes the stored PDF in a worker thread and, as each page finishes, commits
 * that page's zones to the document through the sequencer (one `zone_create` per zone, so collaborators
 * watch zones appear page by page) and records the page in the job. A resumed job starts after its last
 * committed page; a page committed twice (a crash between the zones and the job update) is recognised
 * by its op ids. The document's `meta.processing` tells its state (status, pages, pagesDone,
 * cancelledAtPage, jobId).
 */
export class ProcessingJob implements JobHandler {
  constructor(private readonly d: ProcessingDeps) {}

  async run(ctx: JobContext): Promise<JobJson> {
    const { d } = this;
    const job = ctx.job;
    const bytes = await d.files.get(pdfKey(job.documentId));
    if (!bytes) {
      if (!d.sharedFiles)
        throw new JobFailure('file_missing', 'the uploaded file is no longer stored', false);
      // Several nodes: this node's file store may not be the one the upload went to (a data directory that is
      // not shared). Retried (with backoff, up to the runner's attempts), so another node may take it; and said.
      d.log.error(
        { jobId: job.id, documentId: job.documentId },
        "a job's uploaded file is not in this node's file store: with several nodes, every node must share it (jobs.dataDir on a shared volume, or jobs.files)",
      );
      throw new JobFailure(
        'file_missing',
        'the uploaded file is not stored where this server can read it',
        true,
      );
    }
    ctx.report({ stage: 'inspecting' });
    // Opening a large or damaged PDF can take seconds (up to its 30 s deadline): a cancel meanwhile stops it at
    // once, and nothing (meta, `processing_started`) is written for a job already cancelled.
    const { pages } = await d.pipeline.inspectPdf(bytes, { maxBytes: d.maxBytes, signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (pages === 0) throw new JobFailure('empty_pdf', 'the PDF has no pages', false);
    const startPage = Math.min((job.page ?? 0) + 1, pages + 1);
    // A resumed run (restart, retry) does not analyze the pages done before: the ones skipped then are known
    // only from what earlier runs committed with their pages (the job's `result`, see `commitPages`).
    const skipped = skippedOf(job).filter((p) => p < startPage);
    const now = d.clock.now();
    await d.store.updateDocument(job.documentId, { now, status: 'processing', pages, jobId: job.id });
    await this.setMeta(job, {
      status: 'processing',
      jobId: job.id,
      pages,
      pagesDone: startPage - 1,
      ...(skipped.length > 0 ? { skippedPages: [...skipped] } : {}),
      updatedAt: now,
    });
    let live = await ctx.commit({
      stage: 'analyzing',
      pages,
      page: startPage - 1,
      progress: (startPage - 1) / pages,
    });
    await d.events.processingStarted(
      live,
      d.rate.estimateMs(pages - startPage + 1, d.maxPagesPerSecond),
      pages,
    );

    // Like the skipped pages, the warnings of pages committed by earlier runs are known only from the job's result.
    const warnings: string[] = warningsOf(job, startPage);
    let zonesAdded = 0;
    let lastPageAt = d.clock.now();
    // The pages being committed when a cancel arrives are finished before the job settles, so the
    // document's meta ("cancelled at page N") is written after the last page's zones, never before.
    let inFlight: Promise<void> = Promise.resolve();
    const commitPages = async (batch: AnalyzedPage[]) => {
      // Once cancelled, or once a page could not be committed, no further page is committed: what is in the
      // document is whole pages, up to one page.
      if (ctx.signal.aborted || commitError !== null) return;
      const at = d.clock.now();
      const perPage = batch.map((r) => {
        const zones: AnalyzedZone[] = [];
        const items: ServerItem[] = [];
        const refused: string[] = [];
        for (const z of [...r.zones].sort((a, b) => a.order - b.order)) {
          const made = this.zoneItem(job, z, at);
          if (typeof made === 'string') refused.push(made);
          else {
            zones.push(z);
            items.push(...made);
          }
        }
        // A zone the document cannot take (a text over the limit) is said in the job's warnings, with its page's.
        return { r: refused.length > 0 ? { ...r, warnings: [...r.warnings, ...refused] } : r, zones, items };
      });
      // One batch: each zone its own op (a `zone_create` event), page after page, then the page count in
      // the meta; the batch's events are stored together and reach each watcher in one frame. Planned in the
      // document's commit queue: whole pages while they fit under the zone limit, and none after one that does not.
      let fitting = perPage;
      let full: { page: number; failure: JobFailure } | null = null;
      const results = await d.documents.applyServerOps(
        job.documentId,
        ({ data, zoneCount, maxZones }) => {
          let held = zoneCount;
          fitting = [];
          full = null;
          for (const p of perPage) {
            // Zones already there (a page committed again after a crash) take no room.
            const added = p.zones.filter((z) => !Object.hasOwn(data.zones, z.id)).length;
            if (held + added > maxZones) {
              full = {
                page: p.r.page,
                failure: zoneLimitFailure(p.r.page, pages, p.zones.length, held, maxZones),
              };
              break;
            }
            held += added;
            fitting.push(p);
          }
          const last = fitting.at(-1);
          if (!last) return [];
          for (const p of fitting) if (p.r.skipped) skipped.push(p.r.page);
          return [
            ...fitting.flatMap((p) => p.items),
            this.metaItem(job, {
              status: 'processing',
              jobId: job.id,
              pages,
              pagesDone: last.r.page,
              ...(skipped.length > 0 ? { skippedPages: [...skipped] } : {}),
              updatedAt: at,
            }),
          ];
        },
        { userId: PIPELINE_USER, name: PIPELINE_NAME, ownerId: job.ownerId },
      );
      const stop = full as { page: number; failure: JobFailure } | null;
      const warned: string[] = [];
      for (const { r } of fitting) warned.push(...r.warnings.map((w) => `page ${r.page}: ${w}`));
      const lastZone = fitting.flatMap((p) => p.zones).at(-1)?.id ?? null;
      zonesAdded += results.slice(0, -1).filter((x) => !x.duplicate && !x.noop).length;
      const last = fitting.at(-1)?.r;
      if (!last) {
        // Not even the batch's first page fits: the job stops where it is, saying why in its result.
        if (stop) {
          warnings.push(`page ${stop.page}: not added: ${stop.failure.message}`);
          live = await ctx.commit({ result: { skippedPages: [...skipped], warnings: [...warnings] } });
          throw stop.failure;
        }
        return;
      }
      // Past the commit: the page that did not fit is said in the result (always, past the first 100 warnings too).
      const limitWarning = stop ? [`page ${stop.page}: not added: ${stop.failure.message}`] : [];
      const doneAt = d.clock.now();
      d.rate.sample(fitting.length, doneAt - lastPageAt);
      lastPageAt = doneAt;
      d.onPages?.(fitting.length);
      warnings.push(...warned.slice(0, MAX_WARNINGS - warnings.length), ...limitWarning);
      // The skipped pages and the warnings (the first 100) are stored with the page they go with, so a resumed run
      // still reports them.
      live = await ctx.commit({
        page: last.page,
        progress: last.page / pages,
        stage: 'analyzing',
        result: { skippedPages: [...skipped], warnings: [...warnings] },
      });
      d.events.processingProgress(live, {
        progress: live.progress,
        currentZone: lastZone,
        stage: last.page === pages ? 'finishing' : 'analyzing',
        page: last.page,
        pages,
        etaMs: d.rate.estimateMs(pages - last.page, d.maxPagesPerSecond),
        ...(warned.length > 0 ? { warnings: warned.slice(0, 20) } : {}),
      });
      if (stop) throw stop.failure;
    };
    // Pages finished within COMMIT_WINDOW_MS of each other are committed together: zones still appear page
    // by page (each its own op and event), but each watcher gets one frame per window instead of one per page
    // (a frame per page per watcher cost the pipeline ~4% of its pages/s with five watchers). 200 ms: at 100 ms
    // (the progress rate) five watchers cost 1.6-2.6% once pages got faster (~135 pages/s), at 200 ms -2 to
    // +1.6% (noise); progress then comes 5 times a second, with the batch's zones.
    let buffered: AnalyzedPage[] = [];
    let windowTimer: unknown = null;
    let commitError: unknown = null;
    const flush = (): Promise<void> => {
      if (windowTimer !== null) d.clock.clearTimeout(windowTimer);
      windowTimer = null;
      const batch = buffered;
      buffered = [];
      if (batch.length > 0) {
        inFlight = inFlight
          .then(() => commitPages(batch))
          .catch((e) => {
            commitError ??= e;
          });
      }
      return inFlight;
    };
    let result: { pages: number };
    // On cancel, stop waiting for the worker at once (the pipeline terminates it by itself); only the
    // page being committed is waited for.
    const aborted = new Promise<never>((_, reject) => {
      const stop = () => reject(ctx.signal.reason);
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
    });
    aborted.catch(() => {});
    const pacer = new PagePacer(d.clock, d.maxPagesPerSecond);
    try {
      const analysis = d.pipeline.analyzePdfInWorker(bytes, {
        signal: ctx.signal,
        startPage,
        maxBytes: d.maxBytes,
        onPage: (r) => {
          // A failed commit stops the analysis (the worker is told at its next page).
          if (commitError !== null) return Promise.reject(commitError);
          if (ctx.signal.aborted) return Promise.resolve();
          buffered.push(r);
          windowTimer ??= d.clock.setTimeout(() => {
            windowTimer = null;
            void flush();
          }, COMMIT_WINDOW_MS);
          return pacer.wait(ctx.signal);
        },
      });
      analysis.catch(() => {});
      result = await Promise.race([analysis, aborted]);
      await flush();
    } finally {
      // On cancel, pages not committed yet are dropped (the document holds whole pages up to the last one
      // committed); the batch being committed is finished.
      if (windowTimer !== null) d.clock.clearTimeout(windowTimer);
      buffered = [];
      await inFlight;
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (commitError !== null) throw commitError;
    const doc = (await d.documents.read(job.documentId)).data;
    const all = Object.values(doc.zones);
    const confidence = all.length ? all.reduce((s, z) => s + z.confidence, 0) / all.length : 0;
    return {
      pages: result.pages,
      zones: all.length,
      zonesAdded,
      confidence: Math.round(confidence * 1000) / 1000,
      skippedPages: skipped,
      warnings: warnings.slice(0, MAX_WARNINGS),
    };
  }

  /** Records the final state in the document's meta and the catalogue (before the event announces it). */
  async settled(job: Job): Promise<void> {
    const { d } = this;
    const now = d.clock.now();
    const pages = job.pages;
    const pagesDone = job.page ?? 0;
    const r = (job.result ?? {}) as { zones?: number; skippedPages?: number[] };
    if (job.state === 'completed') {
      await this.setMeta(job, {
        status: 'completed',
        jobId: job.id,
        pages,
        pagesDone: pages ?? pagesDone,
        zones: r.zones ?? 0,
        ...(r.skippedPages?.length ? { skippedPages: r.skippedPages } : {}),
        updatedAt: now,
      });
      await d.store.updateDocument(job.documentId, { now, status: 'processed' });
    } else if (job.state === 'cancelled') {
      const skipped = skippedOf(job);
      await this.setMeta(job, {
        status: 'cancelled',
        jobId: job.id,
        pages,
        pagesDone,
        cancelledAtPage: pagesDone,
        ...(skipped.length > 0 ? { skippedPages: skipped } : {}),
        updatedAt: now,
      });
      await d.store.updateDocument(job.documentId, { now, status: 'cancelled' });
    } else if (job.state === 'failed') {
      const meta: ProcessingMeta = { status: 'failed', jobId: job.id, pages, pagesDone, updatedAt: now };
      const skipped = skippedOf(job);
      if (skipped.length > 0) meta.skippedPages = skipped;
      if (job.error) meta.error = job.error;
      await this.setMeta(job, meta);
      await d.store.updateDocument(job.documentId, { now, status: 'failed' });
    }
  }

  /** The op that adds a zone, or why the zone is not added (the pipeline produced an invalid one: logged too). */
  private zoneItem(job: Job, z: AnalyzedZone, at: number): ServerItem[] | string {
    const zone: Zone = {
      id: z.id,
      page: z.page,
      bbox: z.bbox,
      type: z.type,
      label: z.label.slice(0, 256),
      confidence: Math.min(1, Math.max(0, z.confidence)),
      text: z.text,
      updatedBy: PIPELINE_USER,
      updatedAt: at,
    };
    // How the analysis read the page (a turned page, vertical writing): the exports follow it.
    if (Number.isSafeInteger(z.order) && z.order >= 0) zone.order = z.order;
    const problems = validateZone(zone);
    if (problems.length > 0) {
      this.d.log.warn(
        { jobId: job.id, zoneId: z.id, problems },
        'pipeline produced an invalid zone; skipped',
      );
      return `zone ${z.order} not added: ${problems.map((p) => p.replace(/^zone: /, '')).join('; ')}`;
    }
    // Already there (a page committed again after a crash): nothing to do. The op id also makes a
    // re-commit of the same zone by this job a duplicate.
    return [
      {
        op: (doc) => (Object.hasOwn(doc.zones, zone.id) ? null : zoneCreate(zone)),
        opId: `${job.id}:z:${zone.id}`,
      },
    ];
  }

  private metaItem(job: Job, meta: ProcessingMeta): ServerItem {
    return {
      op: (doc) => metaSet(PROCESSING_META, meta as unknown as Json, doc.meta),
      opId: `${job.id}:meta:${randomUUID()}`,
    };
  }

  private async setMeta(job: Job, meta: ProcessingMeta): Promise<void> {
    try {
      await this.d.documents.applyServerOp(
        job.documentId,
        (doc: ZoneDocument) => metaSet(PROCESSING_META, meta as unknown as Json, doc.meta),
        {
          userId: PIPELINE_USER,
          name: PIPELINE_NAME,
          opId: `${job.id}:meta:${randomUUID()}`,
          ownerId: job.ownerId,
        },
      );
    } catch (err) {
      // The document was deleted (its job cancelled first, on another node while this one ran it): nothing to record.
      if (err instanceof SynclineError && err.code === ErrorCode.NotFound) return;
      throw err;
    }
  }
}
