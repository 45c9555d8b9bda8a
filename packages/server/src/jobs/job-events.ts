import { docRoom, type EventData, type EventType, userRoom } from '@syncline/protocol';
import type { Clock } from '../core/clock.js';
import type { Hub } from '../core/hub.js';
import { OutMessage } from '../core/out-message.js';
import type { Session } from '../core/session.js';
import type { Job } from './job.js';
import { ProgressThrottle } from './progress-throttle.js';

export interface ProcessingProgress {
  documentId: string;
  jobId: string;
  progress: number;
  currentZone: string | null;
  stage: string;
  page: number;
  pages: number;
  etaMs: number | null;
  /** Problems on the page just finished (a page that could not be parsed is skipped, not fatal). */
  warnings?: string[];
}
export type ExportProgress = EventData<'export_progress'> & { exportId: string; progress: number };

/** Jobs of other nodes whose latest heard progress is kept. */
const HEARD_MAX = 1_024;

interface Live {
  job: Job;
  type: 'processing_progress' | 'export_progress';
  latest: ProcessingProgress | ExportProgress | null;
  throttle: ProgressThrottle<ProcessingProgress | ExportProgress>;
}

/**
 * Publishes what jobs do to the people watching: the document's room `doc:<id>` and the owner's
 * `user:<id>` room. Start, completion, error and cancellation are critical (stored in the room log, so a
 * client that reconnects gets them on resume) and logged here. Progress is ephemeral, coalesced per job,
 * throttled at the source to at most one per `intervalMs` per job (10/s), the latest value always sent
 * before the final event. A session that enters the document's room mid-job gets the current progress at
 * once (`sendCurrent`).
 */
export class JobEvents {
  private readonly live = new Map<string, Live>();
  /**
   * The latest progress heard from other nodes, per job (at most `HEARD_MAX` jobs, the least recently
   * heard forgotten first): what `sendStored` sends instead of the store's value when it is newer.
   */
  private readonly heard = new Map<string, ProcessingProgress | ExportProgress>();

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock,
    private readonly intervalMs = 100,
  ) {
    hub.onHeard.push((_room, type, data) => {
      if (type !== 'processing_progress' && type !== 'export_progress') return;
      const value = data as ProcessingProgress | ExportProgress;
      if (typeof value?.jobId !== 'string' || typeof value.progress !== 'number') return;
      this.heard.delete(value.jobId);
      this.heard.set(value.jobId, value);
      if (this.heard.size > HEARD_MAX) this.heard.delete(this.heard.keys().next().value as string);
    });
  }

  /** Announces a (re)started processing run; its first progress tick follows at once. */
  async processingStarted(job: Job, estimatedTime: number, pages: number): Promise<void> {
    const done = job.page ?? 0;
    this.track(job, 'processing_progress');
    await this.critical(job, 'processing_started', {
      documentId: job.documentId,
      estimatedTime,
      jobId: job.id,
      pages,
      startPage: done + 1,
    });
    this.processingProgress(job, {
      progress: pages > 0 ? done / pages : 0,
      currentZone: null,
      stage: 'analyzing',
      page: done,
      pages,
      etaMs: estimatedTime,
    });
  }

  processingProgress(job: Job, data: Omit<ProcessingProgress, 'documentId' | 'jobId'>): void {
    const l = this.track(job, 'processing_progress');
    const value: ProcessingProgress = { documentId: job.documentId, jobId: job.id, ...data };
    l.latest = value;
    l.throttle.push(value);
  }

  exportProgress(job: Job, progress: number, format: string): void {
    const l = this.track(job, 'export_progress');
    const value: ExportProgress = {
      exportId: job.id,
      progress: Math.min(1, Math.max(0, progress)),
      format,
      documentId: job.documentId,
      jobId: job.id,
    };
    l.latest = value;
    l.throttle.push(value);
  }

  /**
   * Sends the job's latest progress (if still waiting for its slot) and forgets the job. Resolves after
   * the end of the turn, once that progress has left: a final event published then arrives after it
   * (within one turn, logged events go before ephemeral ones).
   */
  flush(jobId: string): Promise<void> {
    const l = this.live.get(jobId);
    if (!l) return Promise.resolve();
    l.throttle.flush();
    l.throttle.close();
    this.live.delete(jobId);
    return new Promise((resolve) => this.clock.defer(resolve));
  }

  /**
   * Forgets a job's progress without sending it: its run stopped without a final state (waiting out a retry's
   * backoff, queued again, or taken over by another node), so what it last reported is no longer current and a
   * session entering the room must not be told it (`sendCurrent`). With `run`, only that run's progress: a newer
   * run of the job on this node keeps its own.
   */
  forget(jobId: string, run?: number): void {
    const l = this.live.get(jobId);
    if (!l || (run !== undefined && l.job.run !== run)) return;
    l.throttle.close();
    this.live.delete(jobId);
  }

  /** Publishes a critical event of a job (send its last progress with `flush` first) to its document's room and its owner's room, and logs it. */
  critical<T extends EventType>(job: Job, type: T, data: EventData<T>): Promise<unknown> {
    this.hub.log.info({ event: type, jobId: job.id, documentId: job.documentId, data }, 'job event');
    const fail = (err: unknown) =>
      this.hub.log.error({ err, event: type, jobId: job.id }, 'job event not stored');
    return Promise.all([
      this.hub.publish(docRoom(job.documentId), type, data).catch(fail),
      this.hub.publish(userRoom(job.ownerId), type, data).catch(fail),
    ]);
  }

  /**
   * Called when a session entered a room: in `doc:<id>` with a running job, or in its own `user:` room
   * while one of its jobs runs, it gets the job's current progress at once.
   */
  sendCurrent(session: Session, room: string): void {
    const conn = session.conn;
    if (!conn || this.live.size === 0) return;
    for (const l of this.live.values()) {
      const inDoc = room === docRoom(l.job.documentId);
      if (!l.latest || !(inDoc || room === userRoom(l.job.ownerId))) continue;
      const ts = this.clock.now();
      const msg = new OutMessage({ type: l.type, room, ts, data: l.latest });
      conn.queueEphemeral(
        `${room}|${l.type === 'processing_progress' ? 'processing' : 'export'}:${l.job.id}`,
        msg,
      );
    }
  }

  /**
   * Sends a session that entered `room` the stored progress of jobs running on other nodes (their live
   * ticks reach only the nodes that had subscribers when they were sent): the last committed page, which
   * the next live tick (same coalescing key) then overtakes. When a live tick heard here is at least as
   * far along, that one is sent instead: the store was read while ticks arrived, and one of them may
   * already have gone out to this session; the stored value after it would take its progress back.
   */
  sendStored(session: Session, room: string, jobs: readonly Job[]): void {
    const conn = session.conn;
    if (!conn) return;
    for (const job of jobs) {
      if (job.state !== 'running' || this.live.has(job.id)) continue;
      const ts = this.clock.now();
      const processing = job.kind === 'processing';
      const data: ProcessingProgress | ExportProgress = processing
        ? {
            documentId: job.documentId,
            jobId: job.id,
            progress: job.progress,
            currentZone: null,
            stage: job.stage ?? 'queued',
            page: job.page ?? 0,
            pages: job.pages ?? 0,
            etaMs: null,
          }
        : {
            exportId: job.id,
            progress: Math.min(1, Math.max(0, job.progress)),
            format: String((job.params as { format?: unknown }).format ?? ''),
            documentId: job.documentId,
            jobId: job.id,
          };
      const heard = this.heard.get(job.id);
      const type = processing ? 'processing_progress' : 'export_progress';
      const msg = new OutMessage({
        type,
        room,
        ts,
        data: heard !== undefined && heard.progress >= data.progress ? heard : data,
      });
      // Never in place of a live tick already waiting under the same key: that one is newer (the store was
      // read while it arrived).
      conn.queueEphemeral(`${room}|${processing ? 'processing' : 'export'}:${job.id}`, msg, false);
    }
  }

  /** The latest progress of a job this node runs, if any. */
  current(jobId: string): ProcessingProgress | ExportProgress | null {
    return this.live.get(jobId)?.latest ?? null;
  }

  close(): void {
    for (const l of this.live.values()) l.throttle.close();
    this.live.clear();
  }

  private track(job: Job, type: Live['type']): Live {
    let l = this.live.get(job.id);
    // The latest view of the job: a new run of it (a retry, a takeover by this node) reports under its own `run`.
    if (l) l.job = job;
    else {
      const created: Live = {
        job,
        type,
        latest: null,
        throttle: new ProgressThrottle(this.clock, (v) => this.sendProgress(created, v), this.intervalMs),
      };
      l = created;
      this.live.set(job.id, l);
    }
    return l;
  }

  /**
   * One tick to the document's room, and to the owner's room unless the owner is watching the document
   * (then the document's room already reaches them: one tick per client, not two).
   */
  private sendProgress(l: Live, value: ProcessingProgress | ExportProgress): void {
    const room = docRoom(l.job.documentId);
    void this.hub.publish(room, l.type, value).catch(() => {});
    if (!this.userInRoom(l.job.ownerId, room)) {
      void this.hub.publish(userRoom(l.job.ownerId), l.type, value).catch(() => {});
    }
  }

  /**
   * Whether the user is in the room: through a session on this node (joined or subscribed), or present (joined) on
   * another node, as that node's presence says: there the document's room reaches them as well.
   */
  private userInRoom(userId: string, room: string): boolean {
    const r = this.hub.rooms.get(room);
    if (!r) return false;
    for (const sub of r.subs) if (sub.session.userId === userId) return true;
    for (const users of r.remote?.values() ?? []) if ((users.get(userId)?.connections ?? 0) > 0) return true;
    return false;
  }
}
