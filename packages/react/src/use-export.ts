'use client';
import { type Disposer, type SynclineClient, SynclineError } from '@syncline/client';
import { type ExportFormat, JOB_METHODS } from '@syncline/protocol';
import { useCallback, useMemo } from 'react';
import type { RoomLeases } from './room-leases.js';
import { useDocumentTracker } from './use-document-tracker.js';

export type ExportStatus = 'idle' | 'starting' | 'running' | 'completed' | 'failed';

export interface ExportState {
  readonly status: ExportStatus;
  readonly exportId: string | null;
  readonly format: string | null;
  /** 0..1 */
  readonly progress: number;
  readonly downloadUrl: string | null;
  readonly error: string | null;
}

export const IDLE_EXPORT: ExportState = Object.freeze({
  status: 'idle',
  exportId: null,
  format: null,
  progress: 0,
  downloadUrl: null,
  error: null,
});

/**
 * One export at a time of a document: `export.start` -> `{exportId, jobId}`, then `export_progress` and
 * `export_completed` (or a `processing_error` with the export's id) from the document's room.
 */
export class ExportTracker {
  private state: ExportState = IDLE_EXPORT;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: Disposer[] = [];
  /** Events that arrived before `export.start` answered with the id. */
  private early: { type: string; data: Record<string, unknown> }[] = [];
  /** `start` calls so far: only the latest one's reply changes the state. */
  private attempts = 0;

  constructor(
    private readonly client: SynclineClient,
    rooms: RoomLeases,
    readonly documentId: string,
  ) {
    this.disposers.push(rooms.acquire(`doc:${documentId}`, 'subscribe').release);
    const on = (type: 'export_progress' | 'export_completed' | 'processing_error') =>
      client.subscribe(type, (data) => this.onEvent(type, data as Record<string, unknown>));
    this.disposers.push(on('export_progress'), on('export_completed'), on('processing_error'));
  }

  getSnapshot = (): ExportState => this.state;

  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Starts an export; resolves with its id. A later `start` takes over: an earlier one still in flight settles its
   * own promise (its export exists on the server all the same) but no longer changes the state.
   */
  async start(format: ExportFormat): Promise<string> {
    const attempt = ++this.attempts;
    this.early = [];
    this.set({ ...IDLE_EXPORT, status: 'starting', format });
    try {
      const reply = await this.client.request<{ exportId: string; jobId?: string }>(JOB_METHODS.exportStart, {
        documentId: this.documentId,
        format,
      });
      if (!reply || typeof reply.exportId !== 'string')
        throw new SynclineError('internal', 'export.start gave no export id');
      if (attempt !== this.attempts) return reply.exportId; // a later start took over
      this.set({ ...this.state, status: 'running', exportId: reply.exportId });
      for (const e of this.early.splice(0)) this.onEvent(e.type, e.data);
      return reply.exportId;
    } catch (error) {
      if (attempt === this.attempts) {
        const message = error instanceof Error ? error.message : String(error);
        this.set({ ...this.state, status: 'failed', error: message });
      }
      throw error;
    }
  }

  close(): void {
    for (const d of this.disposers.splice(0)) d();
    this.listeners.clear();
  }

  private onEvent(type: string, data: Record<string, unknown>): void {
    if (typeof data.exportId !== 'string') return;
    if (this.state.status === 'starting') {
      if (this.early.length < 100) this.early.push({ type, data });
      return;
    }
    if (data.exportId !== this.state.exportId) return;
    if (type === 'export_progress') {
      if (this.state.status !== 'running') return;
      const p = typeof data.progress === 'number' ? data.progress : this.state.progress;
      this.set({ ...this.state, progress: Math.min(1, Math.max(0, p)) });
    } else if (type === 'export_completed') {
      this.set({
        ...this.state,
        status: 'completed',
        progress: 1,
        downloadUrl: typeof data.downloadUrl === 'string' ? data.downloadUrl : null,
        format: typeof data.format === 'string' ? data.format : this.state.format,
      });
    } else if (type === 'processing_error') {
      const cancelled = data.code === 'cancelled';
      this.set({
        ...this.state,
        status: 'failed',
        error: cancelled ? 'cancelled' : typeof data.error === 'string' ? data.error : 'export failed',
      });
    }
  }

  private set(next: ExportState): void {
    this.state = Object.freeze(next);
    for (const l of [...this.listeners]) l();
  }
}

export interface UseExport extends ExportState {
  /**
   * Starts an export (`rag`, `markdown`, `json`); resolves with its id. The latest call is the one followed: an
   * earlier one answered late still resolves (or rejects) but leaves the state alone. Rejects with `unavailable`
   * before the provider's client exists.
   */
  start: (format: ExportFormat) => Promise<string>;
}

const idle = () => IDLE_EXPORT;

/** Exports a document with progress and, when done, the download URL. */
export function useExport(documentId: string | null | undefined): UseExport {
  const { tracker: live, state } = useDocumentTracker(ExportTracker, documentId, idle);
  const start = useCallback(
    (format: ExportFormat) =>
      live ? live.start(format) : Promise.reject(new SynclineError('unavailable', 'not connected yet')),
    [live],
  );
  return useMemo(() => ({ ...state, start }), [state, start]);
}
