import { type Disposer, type SynclineClient, SynclineError } from '@syncline/client';
import { JOB_METHODS, type JobInfo } from '@syncline/protocol';
import {
  fromJob,
  IDLE_PROCESSING,
  type ProcessingEvent,
  type ProcessingState,
  reduceProcessing,
} from './processing-state.js';
import type { RoomLeases } from './room-leases.js';

type JobReply = { job?: (Partial<JobInfo> & { etaMs?: number | null }) | null } | undefined;

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
 */
export class ProcessingTracker {
  private state: ProcessingState = IDLE_PROCESSING;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: Disposer[] = [];
  private eventCount = 0;
  private jobMethods = true;
  private closed = false;

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
          this.set(reduceProcessing(this.state, { type, data } as ProcessingEvent));
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

  /** Asks the server for the document's current job (`job.get`). */
  async refresh(): Promise<void> {
    if (!this.jobMethods || this.closed) return;
    const before = this.eventCount;
    try {
      const reply = await this.client.request<JobReply>(JOB_METHODS.get, { documentId: this.documentId });
      if (this.closed || !reply || this.eventCount !== before) return;
      this.set(fromJob(reply.job ?? null));
    } catch (error) {
      if (error instanceof SynclineError && error.code === 'unknown_method') this.jobMethods = false;
      // Other failures (offline, timeout): the next reconnect asks again; events keep flowing meanwhile.
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
    if (!this.closed && reply?.job && this.eventCount === before) this.set(fromJob(reply.job));
  }

  private set(next: ProcessingState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of [...this.listeners]) l();
  }
}
