import { SynclineClient, type WebSocketConstructor } from '@syncline/client';
import type { JobInfo } from '@syncline/protocol';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import WebSocket from 'ws';
import type { LoadgenJob, Metrics, PipelineJob } from '../ipc.js';
import { signToken } from '../tokens.js';
import { round, type Session } from './session.js';

/**
 * A PDF of `pages` pages with a known, varied layout on each: a heading, paragraphs, a bulleted list and a
 * two-column table, so the analysis does its usual work on every page.
 */
export async function makeBenchPdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const words = 'the quick brown fox jumps over the lazy dog while analysts index every page of text'.split(
    ' ',
  );
  for (let p = 1; p <= pages; p++) {
    const page = pdf.addPage([612, 792]);
    let y = 740;
    page.drawText(`Section ${p}: results and methods`, { x: 72, y, size: 20, font: bold });
    y -= 40;
    for (let para = 0; para < 3; para++) {
      for (let line = 0; line < 4; line++) {
        const text = Array.from(
          { length: 12 },
          (_, i) => words[(p * 7 + para * 5 + line * 3 + i) % words.length],
        ).join(' ');
        page.drawText(text, { x: 72, y, size: 11, font: regular });
        y -= 14;
      }
      y -= 12;
    }
    for (let i = 1; i <= 4; i++) {
      page.drawText(`•  item ${i} of the list on page ${p}`, { x: 90, y, size: 11, font: regular });
      y -= 16;
    }
    y -= 12;
    for (let row = 0; row < 5; row++) {
      page.drawText(`Metric ${row + 1}`, { x: 72, y, size: 11, font: regular });
      page.drawText(String((p * 31 + row * 17) % 997), { x: 320, y, size: 11, font: regular });
      y -= 16;
    }
  }
  return pdf.save();
}

interface RunResult {
  watched: boolean;
  pagesPerS: number;
  /** The server process's CPU time (all threads) per page, from its own metrics. */
  cpuMsPerPage: number;
  jobMs: number;
  /** Progress events per watcher per second of the job (one value per watcher). */
  eventRates: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Processes a generated `pages`-page PDF `runs` times with nobody watching and `runs` times with
 * `watchers` clients in the document's room (interleaved: none, watched, none, ...). Speed is the
 * server's own measure (the job's `startedAt` to `finishedAt`, read with `job.get`), so the client-side
 * polling for completion does not blur it.
 */
export async function setupPipeline(job: LoadgenJob, w: PipelineJob): Promise<Session> {
  const base = `http://127.0.0.1:${job.port}`;
  const wsUrl = `ws://127.0.0.1:${job.port}/ws`;
  const pdf = await makeBenchPdf(w.pages);
  const ownerToken = await signToken(job.jwtSecret, 'pipeline-owner');
  const watcherTokens = await Promise.all(
    Array.from({ length: w.watchers }, (_, i) => signToken(job.jwtSecret, `pipeline-watcher-${i}`)),
  );
  const open = (token: string) =>
    new SynclineClient({
      url: wsUrl,
      token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      globals: null,
      tokenRefresh: false,
    });

  const upload = async (): Promise<string> => {
    const res = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ownerToken}`,
        'content-type': 'application/pdf',
        'x-file-name': 'bench.pdf',
      },
      body: Buffer.from(pdf),
    });
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { documentId: string }).documentId;
  };

  /**
   * Waits for the document's status (HTTP polling: no socket of the owner is open during the job, so in
   * the unwatched runs nobody receives its events), then reads the job's times with `job.get`.
   */
  const finished = async (documentId: string, deadline: number): Promise<JobInfo> => {
    for (;;) {
      const res = await fetch(`${base}/api/documents?limit=20`, {
        headers: { authorization: `Bearer ${ownerToken}` },
      });
      const { documents } = (await res.json()) as { documents: { documentId: string; status: string }[] };
      const status = documents.find((d) => d.documentId === documentId)?.status;
      if (status === 'processed' || status === 'failed' || status === 'cancelled') break;
      if (Date.now() > deadline) throw new Error('processing did not finish in time');
      await new Promise((r) => setTimeout(r, 50));
    }
    const owner = open(ownerToken);
    try {
      const { job: info } = await owner.request<{ job: JobInfo | null }>('job.get', { documentId });
      if (info?.state !== 'completed') throw new Error(`processing ${info?.state}: ${info?.error?.message}`);
      return info;
    } finally {
      owner.close();
    }
  };

  /** The server's `process_cpu_seconds_total` (every thread of the process), in ms. */
  const serverCpuMs = async (): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^syncline_process_cpu_seconds_total\s+([0-9.e+-]+)$/m.exec(text);
    return m ? Number(m[1]) * 1000 : Number.NaN;
  };

  /**
   * The watchers connect once, before their first run, and stay connected: a watched run measures watching
   * a document (join its room, receive its events, leave), not opening connections.
   */
  let watcherClients: SynclineClient[] | null = null;
  const connectedWatchers = async (): Promise<SynclineClient[]> => {
    if (watcherClients === null) {
      watcherClients = watcherTokens.map(open);
      await Promise.all(watcherClients.map((c) => c.join('doc:pipeline-lobby')));
    }
    return watcherClients;
  };

  const runOnce = async (watched: boolean): Promise<RunResult> => {
    const watchers = watched ? await connectedWatchers() : [];
    const counts = watchers.map(() => 0);
    const completed = watchers.map(() => false);
    const disposers: (() => void)[] = [];
    let room = '';
    try {
      const cpu0 = await serverCpuMs();
      const documentId = await upload();
      room = `doc:${documentId}`;
      await Promise.all(
        watchers.map(async (c, i) => {
          disposers.push(
            c.subscribe('processing_progress', (_d, e) => {
              if (e.room === room) counts[i]++;
            }),
            c.subscribe('processing_completed', (_d, e) => {
              if (e.room === room) completed[i] = true;
            }),
          );
          await c.join(room);
        }),
      );
      const deadline = Date.now() + w.timeoutMs;
      const info = await finished(documentId, deadline);
      while (!completed.every(Boolean)) {
        if (Date.now() > deadline) throw new Error('a watcher missed processing_completed');
        await new Promise((r) => setTimeout(r, 10));
      }
      const jobMs = Math.max(1, (info.finishedAt ?? 0) - (info.startedAt ?? 0));
      const cpuMsPerPage = ((await serverCpuMs()) - cpu0) / w.pages;
      return {
        watched,
        cpuMsPerPage,
        jobMs,
        pagesPerS: (w.pages * 1000) / jobMs,
        eventRates: counts.map((n) => (n * 1000) / jobMs),
      };
    } finally {
      for (const dispose of disposers) dispose();
      await Promise.all(watchers.map((c) => c.leave(room).catch(() => {})));
    }
  };

  return {
    ready: { pdf_bytes: pdf.byteLength },
    run: async (): Promise<Metrics> => {
      await runOnce(false); // warm-up: worker start, JIT, page cache
      await runOnce(true); // and the watchers' connections and code paths
      const results: RunResult[] = [];
      for (let r = 0; r < w.runs; r++) {
        results.push(await runOnce(false));
        results.push(await runOnce(true));
      }
      const none = results.filter((r) => !r.watched).map((r) => r.pagesPerS);
      const watched = results.filter((r) => r.watched).map((r) => r.pagesPerS);
      const unwatched = median(none);
      const withWatchers = median(watched);
      const rates = results.flatMap((r) => r.eventRates);
      const cpuNone = median(results.filter((r) => !r.watched).map((r) => r.cpuMsPerPage));
      const cpuWatched = median(results.filter((r) => r.watched).map((r) => r.cpuMsPerPage));
      return {
        pages: w.pages,
        watchers: w.watchers,
        runs: w.runs,
        pages_per_s_unwatched: round(unwatched, 2),
        pages_per_s_watched: round(withWatchers, 2),
        overhead_pct: round(((unwatched - withWatchers) / unwatched) * 100, 2),
        progress_events_per_client_per_s: round(Math.max(...rates), 2),
        progress_events_per_client_per_s_median: round(median(rates), 2),
        job_ms_median: round(median(results.map((r) => r.jobMs)), 0),
        server_cpu_ms_per_page_unwatched: round(cpuNone, 2),
        server_cpu_ms_per_page_watched: round(cpuWatched, 2),
        cpu_overhead_pct: round(((cpuWatched - cpuNone) / cpuNone) * 100, 2),
        pages_per_s_unwatched_runs: none.map((x) => round(x, 1)),
        pages_per_s_watched_runs: watched.map((x) => round(x, 1)),
      };
    },
    close: () => {
      for (const c of watcherClients ?? []) c.close();
    },
  };
}
