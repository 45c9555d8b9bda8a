import { JOB_STATES } from '@syncline/protocol';
import { type Job, type JobPatch, type JobState, type NewJob, newJobRecord } from './job.js';
import { type ClaimOptions, clampLimit, type JobQuery, type JobStore } from './job-store.js';
import type { UploadedDocument, UploadedDocumentPatch } from './uploaded-document.js';

const copy = <T>(v: T): T => structuredClone(v);
/** The defined fields of a patch, without `now`. */
const fieldsOf = (patch: { now: number }): Record<string, unknown> =>
  Object.fromEntries(Object.entries(patch).filter(([k, v]) => k !== 'now' && v !== undefined));

/** A `JobStore` in memory (tests, `storage: 'memory'`). Values are copied in and out, as a database would. */
export class MemoryJobStore implements JobStore {
  /** Insertion order = creation order (the tie-breaker for equal times). */
  private readonly jobs = new Map<string, Job>();
  private readonly documents = new Map<string, UploadedDocument>();
  private closed = false;

  async createJob(n: NewJob): Promise<Job> {
    this.check();
    if (this.jobs.has(n.id)) throw new Error(`job ${JSON.stringify(n.id)} already exists`);
    const job = newJobRecord(n);
    this.jobs.set(job.id, job);
    return copy(job);
  }

  async getJob(id: string): Promise<Job | undefined> {
    this.check();
    const job = this.jobs.get(id);
    return job && copy(job);
  }

  async updateJob(
    id: string,
    patch: JobPatch,
    ifState?: readonly JobState[],
    ifRun?: number,
  ): Promise<Job | undefined> {
    this.check();
    const job = this.jobs.get(id);
    if (!job || (ifState && !ifState.includes(job.state))) return undefined;
    if (ifRun !== undefined && job.run !== ifRun) return undefined;
    Object.assign(job, copy(fieldsOf(patch)), { updatedAt: patch.now });
    return copy(job);
  }

  async claimNext(o: ClaimOptions): Promise<Job | undefined> {
    this.check();
    let best: Job | undefined;
    for (const job of this.jobs.values()) {
      if (o.kinds && !o.kinds.includes(job.kind)) continue;
      const claimable =
        (job.state === 'queued' && job.runAfter <= o.now) ||
        (job.state === 'running' && o.staleBefore !== undefined && (job.heartbeatAt ?? 0) < o.staleBefore);
      if (claimable && (!best || job.createdAt < best.createdAt)) best = job;
    }
    if (!best) return undefined;
    Object.assign(best, {
      state: 'running',
      attempts: best.attempts + 1,
      run: best.run + 1,
      startedAt: best.startedAt ?? o.now,
      heartbeatAt: o.now,
      updatedAt: o.now,
    });
    return copy(best);
  }

  async listJobs(q: JobQuery): Promise<Job[]> {
    this.check();
    const out: Job[] = [];
    for (const job of [...this.jobs.values()].reverse()) {
      if (q.documentId !== undefined && job.documentId !== q.documentId) continue;
      if (q.ownerId !== undefined && job.ownerId !== q.ownerId) continue;
      if (q.kind !== undefined && job.kind !== q.kind) continue;
      if (q.states && !q.states.includes(job.state)) continue;
      out.push(job);
    }
    // Stable: equal times keep newest-inserted first.
    out.sort((a, b) => b.createdAt - a.createdAt);
    return out.slice(0, clampLimit(q.limit)).map(copy);
  }

  async requeueRunning(now: number): Promise<number> {
    this.check();
    let n = 0;
    for (const job of this.jobs.values()) {
      if (job.state !== 'running') continue;
      Object.assign(job, { state: 'queued', heartbeatAt: null, runAfter: now, updatedAt: now });
      n++;
    }
    return n;
  }

  async countByState(): Promise<Record<JobState, number>> {
    this.check();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const job of this.jobs.values()) counts[job.state]++;
    return counts;
  }

  async addDocument(doc: UploadedDocument): Promise<void> {
    this.check();
    if (this.documents.has(doc.documentId))
      throw new Error(`document ${JSON.stringify(doc.documentId)} already exists`);
    this.documents.set(doc.documentId, copy(doc));
  }

  async getDocument(documentId: string): Promise<UploadedDocument | undefined> {
    this.check();
    const doc = this.documents.get(documentId);
    return doc && copy(doc);
  }

  async updateDocument(
    documentId: string,
    patch: UploadedDocumentPatch,
  ): Promise<UploadedDocument | undefined> {
    this.check();
    const doc = this.documents.get(documentId);
    if (!doc) return undefined;
    Object.assign(doc, copy(fieldsOf(patch)), { updatedAt: patch.now });
    return copy(doc);
  }

  async touchDocument(documentId: string, at: number): Promise<void> {
    this.check();
    const doc = this.documents.get(documentId);
    if (doc) doc.updatedAt = Math.max(doc.updatedAt, at);
  }

  async deleteJobs(documentId: string): Promise<number> {
    this.check();
    let removed = 0;
    for (const [id, job] of this.jobs) {
      if (job.documentId !== documentId) continue;
      this.jobs.delete(id);
      removed++;
    }
    return removed;
  }

  async deleteDocument(documentId: string): Promise<boolean> {
    this.check();
    return this.documents.delete(documentId);
  }

  async listDocuments(q: { ownerId?: string; limit?: number } = {}): Promise<UploadedDocument[]> {
    this.check();
    const out = [...this.documents.values()]
      .reverse()
      .filter((d) => q.ownerId === undefined || d.ownerId === q.ownerId);
    out.sort((a, b) => b.createdAt - a.createdAt);
    return out.slice(0, clampLimit(q.limit)).map(copy);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('MemoryJobStore is closed');
  }
}
