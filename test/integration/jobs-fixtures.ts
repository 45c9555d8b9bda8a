import type { SynclineClient } from '@syncline/client';
import type { EventMessage, JobInfo } from '@syncline/protocol';
import type { SynclineServerOptions } from '@syncline/server';
import { makeLargePdf } from '../../packages/pipeline/src/testing/make-pdf.js';
import {
  type Cleanup,
  createClient,
  signToken,
  startServer,
  tokenProvider,
  waitFor,
  whenOpen,
} from './helpers.js';

/** A server with jobs on (memory storage), and what the job tests do with it over HTTP and sockets. */
export async function startJobServer(cleanup: Cleanup, options: SynclineServerOptions = {}) {
  const started = await startServer(cleanup, options);
  const base = `http://127.0.0.1:${started.port}`;
  /** Handshakes of each user's watchers: an upload waits for them (see `uploadOk`). */
  const opening = new Map<string, Promise<unknown>[]>();

  /** `POST /api/documents` as `userId`. */
  const upload = async (
    userId: string,
    bytes: Uint8Array,
    opts: { name?: string; contentType?: string } = {},
  ): Promise<{
    status: number;
    body: { documentId?: string; jobId?: string; error?: { code: string; message: string } };
  }> => {
    const res = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await signToken(userId)}`,
        'content-type': opts.contentType ?? 'application/pdf',
        'x-file-name': encodeURIComponent(opts.name ?? 'test.pdf'),
      },
      body: bytes as Uint8Array<ArrayBuffer>, // fetch's typings want an ArrayBuffer-backed view; these all are
    });
    return { status: res.status, body: (await res.json()) as never };
  };

  /**
   * Uploads and expects 201. The user's watchers are in `user:<id>` first: a file that fails at once publishes its
   * error there before a client still connecting has entered the room, and a room entered fresh replays nothing.
   */
  const uploadOk = async (userId: string, bytes: Uint8Array, name?: string) => {
    await Promise.all(opening.get(userId) ?? []);
    const r = await upload(userId, bytes, { name });
    if (r.status !== 201 || !r.body.documentId || !r.body.jobId) {
      throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    return { documentId: r.body.documentId, jobId: r.body.jobId };
  };

  /** `GET <path>` as `userId` (or without credentials when `userId` is null). */
  const get = async (userId: string | null, path: string) => {
    const headers: Record<string, string> = {};
    if (userId) headers.authorization = `Bearer ${await signToken(userId)}`;
    return fetch(`${base}${path}`, { headers });
  };

  /** `POST <path>` (no body) as `userId` (or without credentials when `userId` is null). */
  const post = async (userId: string | null, path: string) => {
    const headers: Record<string, string> = {};
    if (userId) headers.authorization = `Bearer ${await signToken(userId)}`;
    return fetch(`${base}${path}`, { method: 'POST', headers });
  };

  /** A connected client recording every event it receives. */
  const watcher = (userId: string, extra: Partial<Parameters<typeof createClient>[1]> = {}) => {
    const client = createClient(cleanup, { url: started.url, token: tokenProvider(userId), ...extra });
    const events: EventMessage[] = [];
    client.subscribe('*', (_d, e) => events.push(e as EventMessage));
    const open = whenOpen(client);
    open.catch(() => {}); // a watcher that never opens fails the upload that waits for it, not the run
    opening.set(userId, [...(opening.get(userId) ?? []), open]);
    return { userId, client, events, ...eventQueries(events) };
  };

  return { ...started, base, upload, uploadOk, get, post, watcher };
}

export type Watcher = ReturnType<Awaited<ReturnType<typeof startJobServer>>['watcher']>;

/** Queries over a list of received events. */
export function eventQueries(events: EventMessage[]) {
  const of = <T = Record<string, unknown>>(type: string, room?: string) =>
    events.filter((e) => e.type === type && (room === undefined || e.room === room)).map((e) => e.data as T);
  return {
    of,
    /** Waits for the first event of `type` in `room` matching `pred`. */
    waitEvent: <T = Record<string, unknown>>(
      type: string,
      room?: string,
      pred: (d: T) => boolean = () => true,
      timeoutMs = 30_000,
    ) => waitFor(() => of<T>(type, room).find(pred), timeoutMs, `${type} in ${room ?? 'any room'}`),
  };
}

export type Progress = {
  progress: number;
  page: number;
  pages: number;
  jobId: string;
  etaMs: number | null;
  stage: string;
};

/** `job.get` for a document. */
export const jobOf = async (client: SynclineClient, documentId: string): Promise<JobInfo | null> =>
  (await client.request<{ job: JobInfo | null }>('job.get', { documentId })).job;

/** A PDF of `pages` pages from the pipeline's generator (headings, paragraphs, lists, a table, a figure). */
export async function makeTextPdf(pages: number): Promise<Uint8Array<ArrayBuffer>> {
  // pdf-lib's save() allocates a plain ArrayBuffer; typed so, the bytes are a fetch body as they are.
  return (await makeLargePdf(pages)).bytes as Uint8Array<ArrayBuffer>;
}

/** Polls `job.get` until `pred` holds (or fails after `timeoutMs`). */
export async function waitForJob(
  client: SynclineClient,
  documentId: string,
  pred: (job: JobInfo) => boolean,
  timeoutMs = 60_000,
): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobOf(client, documentId);
    if (job && pred(job)) return job;
    if (Date.now() > deadline) throw new Error(`job of ${documentId} never matched: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
