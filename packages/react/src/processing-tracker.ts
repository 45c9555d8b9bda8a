import { type Disposer, type SynclineClient, SynclineError } from '@syncline/client';
import { JOB_METHODS, type JobInfo, type JobPermissions } from '@syncline/protocol';
import {
  fromJob,
  IDLE_PROCESSING,
  type ProcessingEvent,
  type ProcessingState,
  permissionsOf,
  reduceProcessing,
  withPermissions,
} from './processing-state.js';
import type { RoomLeases } from './room-leases.js';

type JobReply = { job?: (Partial<JobInfo> & { etaMs?: number | null }) | null } | undefined;

/** Jobs whose permissions are remembered (a document has few; a bound all the same). */
const MAX_KNOWN_JOBS = 32;

const PROCESSING_EVENTS = [
  'processing_started',
  'processing_progress',
  'processing_completed',
  'processing_error',
] as const;

/**
 * Follows the processing job of one document: `processing_*` events of `doc:<id>` (and of my `user:`
 * room, for my own jobs), and the server's view (`job.get`) when started and after every reconnect, so a
 * page opened mid-job, or a client that was offline, shows where the job is. A `job.get` reply is dropped
 * when an event arrived after it was asked for (the event is newer). A server without the job methods
 * (`unknown_method`) leaves the events alone to tell.
 *
 * What this user may do with the job (`canCancel`, `canRetry`) comes only from `job.*` replies, which the server
 * answers per user: room events are encoded once for everybody in the room and cannot say it. The permissions of each
 * job are remembered (they do not change while it lives); a job first seen in events is asked about with `job.get`.
 */
export class ProcessingTracker {
  private state: ProcessingState = IDLE_PROCESSING;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: Disposer[] = [];
  private eventCount = 0;
  private jobMethods = true;
  private closed = false;
  /** What this user may do with each job, from the server's replies. */
  private readonly permissions = new Map<string, JobPermissions>();
  /** Jobs first seen in events whose permissions are asked for, or were (forgotten when the `job.get` failed). */
  private readonly asked = new Set<string>();
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly client: SynclineClient,
    rooms: RoomLeases,
    readonly documentId: string,
  ) {
    const lease = rooms.acquire(`doc:${documentId}`, 'subscribe');
    this.disposers.push(lease.release);
    for (const type of PROCESSING_EVENTS) {
      this.disposers.push(
        client.subscribe(type, (data) => {
          if (data.documentId !== documentId) return;
          // An export's failure travels as `processing_error` with `kind: 'export'`: not this job's.
          if ((data as { kind?: unknown }).kind === 'export' || 'exportId' in data) return;
          this.eventCount++;
          this.set(this.permitted(reduceProcessing(this.state, { type, data } as ProcessingEvent)));
        }),
      );
    }
    this.disposers.push(client.on('welcome', () => void this.refresh()));
    if (client.state === 'open') void this.refresh();
  }

  getSnapshot = (): ProcessingState => this.state;

  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Asks the server for the document's current processing job (`job.get`). */
  refresh(): Promise<void> {
    const running: Promise<void> = this.ask(false).then(() => {
      if (this.refreshing === running) this.refreshing = null;
    });
    this.refreshing = running;
    return running;
  }

  /**
   * `job.get`: the state it gives replaces this one unless events came meanwhile (they are newer) or only the
   * permissions were asked for (`permissionsOnly`: events told of a job, and they stay what tells its state).
   */
  private async ask(permissionsOnly: boolean): Promise<boolean> {
    if (!this.jobMethods || this.closed) return true;
    const before = this.eventCount;
    try {
      const reply = await this.client.request<JobReply>(JOB_METHODS.get, {
        documentId: this.documentId,
        kind: 'processing',
      });
      if (this.closed) return true;
      if (!reply) return false; // not sent (offline)
      // The permissions hold even when events made the rest of the reply stale.
      if (reply.job) this.remember(reply.job);
      if (permissionsOnly || this.eventCount !== before) this.set(this.permitted(this.state));
      else this.set(fromJob(reply.job ?? null));
      return true;
    } catch (error) {
      if (error instanceof SynclineError && error.code === 'unknown_method') this.jobMethods = false;
      // Other failures (offline, timeout): the next reconnect asks again, and so does the job's next event
      // (`permitted`); events keep flowing meanwhile.
      return false;
    }
  }

  /** Cancels the job (`job.cancel`); rejects with the server's error (`forbidden`, `not_found`, ...). */
  cancel(): Promise<void> {
    return this.command(JOB_METHODS.cancel);
  }

  /** Re-queues a failed or cancelled job (`job.retry`). */
  retry(): Promise<void> {
    return this.command(JOB_METHODS.retry);
  }

  close(): void {
    this.closed = true;
    for (const d of this.disposers.splice(0)) d();
    this.listeners.clear();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private async command(method: string): Promise<void> {
    const jobId = this.state.jobId;
    if (!jobId) throw new SynclineError('not_found', 'no processing job for this document');
    const before = this.eventCount;
    const reply = await this.client.request<JobReply>(method, { jobId });
    if (this.closed || !reply?.job) return;
    this.remember(reply.job);
    this.set(this.eventCount === before ? fromJob(reply.job) : this.permitted(this.state));
  }

  private remember(job: Partial<JobInfo>): void {
    if (typeof job.jobId !== 'string') return;
    if (this.permissions.size >= MAX_KNOWN_JOBS) this.permissions.clear();
    this.permissions.set(job.jobId, permissionsOf(job));
  }

  /**
   * The state with this user's permissions for its job; a job not heard of from the server yet is asked about (one
   * `job.get` at a time; after a failed one, again at the job's next event): until then nothing is offered.
   */
  private permitted(state: ProcessingState): ProcessingState {
    const jobId = state.jobId;
    const known = jobId === null ? undefined : this.permissions.get(jobId);
    if (jobId !== null && known === undefined && !this.asked.has(jobId) && this.jobMethods) {
      if (this.asked.size >= MAX_KNOWN_JOBS) this.asked.clear();
      this.asked.add(jobId);
      // After the job.get in flight (at start, after a reconnect), which may well answer about this job.
      void (this.refreshing ?? Promise.resolve())
        .then(() => (!this.closed && !this.permissions.has(jobId) ? this.ask(true) : true))
        .then((answered) => {
          if (!answered) this.asked.delete(jobId);
        });
    }
    return withPermissions(state, known);
  }

  private set(next: ProcessingState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of [...this.listeners]) l();
  }
}
