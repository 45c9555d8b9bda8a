import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzeOptions, AnalyzeSummary } from './analyze-pdf.js';
import { MAX_TIMER_MS } from './deadline.js';
import { DEFAULT_MAX_BYTES, DEFAULT_PAGE_TIMEOUT_MS, hasPdfHeader } from './open-pdf.js';
import type { PageResult } from './page-result.js';
import { cancelledError, PipelineError } from './pipeline-error.js';
import type { ParentMessage, WorkerInput, WorkerMessage } from './worker-messages.js';

export type WorkerAnalyzeOptions = AnalyzeOptions & {
  /** After a cancel, the worker is terminated if it has not stopped by itself within this time. Default 100 ms. */
  terminateAfterMs?: number;
  /** The worker's heap limit in MiB (exceeding it fails with `worker_failed`). Default 1024. */
  maxMemoryMb?: number;
  /** The worker script. Default: `pdf-worker.js` beside this module, else the package's `dist/pdf-worker.js`. */
  workerUrl?: URL;
};

let live = 0;

/** Analysis workers running now (each exits before its `analyzePdfInWorker` call settles). */
export function activeWorkers(): number {
  return live;
}

/**
 * The worker script. From the compiled package it is `dist/pdf-worker.js` beside this file. When this
 * module runs from its TypeScript source (the test runner), there is no `.js` beside it and the compiled
 * `dist/pdf-worker.js` is used: build the package first (`npm test` does).
 */
export function defaultWorkerUrl(): URL {
  const beside = new URL('./pdf-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../dist/pdf-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `the PDF worker script is missing (looked for ${fileURLToPath(beside)} and ${fileURLToPath(built)}); ` +
      'build the package first (npx tsc -b)',
  );
}

/**
 * `analyzePdf` in a worker thread, so the CPU work never blocks this thread's event loop. `onPage` runs
 * here, in page order, and is awaited: the worker is never more than one page ahead of it. Aborting the
 * signal makes the worker stop at its next text item or page; if it has not exited within
 * `terminateAfterMs` (100 ms) it is terminated. The promise settles only after the worker has exited, so
 * no worker outlives the call. Rejects with `PipelineError('cancelled')` on abort, and with the same
 * `PipelineError`s as `analyzePdf` for bad input (`worker_failed` if the worker dies).
 */
export function analyzePdfInWorker(
  bytes: Uint8Array,
  opts: WorkerAnalyzeOptions = {},
): Promise<AnalyzeSummary> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(cancelledError());
  // Cheap checks here, so that bad input does not cost a thread.
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    return Promise.reject(
      new PipelineError('too_large', `the file is ${bytes.length} bytes, the limit is ${maxBytes}`),
    );
  }
  if (bytes.length === 0 || !hasPdfHeader(bytes)) {
    return Promise.reject(new PipelineError('not_pdf', 'the file is not a PDF (no %PDF- header)'));
  }
  let url: URL;
  try {
    url = opts.workerUrl ?? defaultWorkerUrl();
  } catch (e) {
    return Promise.reject(e);
  }

  return new Promise<AnalyzeSummary>((resolve, reject) => {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    // A copy the worker owns (transferred, not cloned twice); the caller's bytes stay untouched. Not
    // `slice()`: on a Buffer that is a view, and transferring it would detach the caller's memory.
    const copy = new Uint8Array(bytes);
    const input: WorkerInput = {
      bytes: copy,
      cancel,
      startPage: opts.startPage,
      maxBytes,
      pageTimeoutMs: opts.pageTimeoutMs,
      figures: opts.figures,
      maxItemsPerPage: opts.maxItemsPerPage,
      maxZonesPerPage: opts.maxZonesPerPage,
    };
    const worker = new Worker(url, {
      workerData: input,
      transferList: [copy.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: opts.maxMemoryMb ?? 1024 },
      stdout: false,
      stderr: false,
    });
    live++;
    let outcome: { ok: true; summary: AnalyzeSummary } | { ok: false; error: unknown } | null = null;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    // A watchdog for a worker stuck in synchronous work (which its own page timeout cannot interrupt):
    // armed while the worker owes the next page, cleared while the caller handles one. Opening the PDF has a
    // deadline of its own (the page timeout too), so the watchdog first covers the open, then starts over for the
    // first page once the worker says the PDF is open: a slow open followed by a slow first page is not a stall.
    const stallMs = (opts.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS) + 5_000;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(stallTimer);
      // No page timeout (Infinity), no watchdog: a timer that long would fire at once.
      if (stallMs > MAX_TIMER_MS) return;
      stallTimer = setTimeout(() => {
        const error = new PipelineError(
          'worker_failed',
          `the PDF worker stopped responding for ${stallMs} ms`,
        );
        stop({ ok: false, error }, 0);
      }, stallMs);
    };
    watch();
    let pages: Promise<void> = Promise.resolve();

    const settle = (o: NonNullable<typeof outcome>) => {
      outcome ??= o;
    };
    const stop = (o: NonNullable<typeof outcome>, graceMs: number) => {
      settle(o);
      Atomics.store(flag, 0, 1);
      send({ type: 'cancel' });
      killTimer ??= setTimeout(() => void worker.terminate(), graceMs);
    };
    const send = (m: ParentMessage) => {
      try {
        worker.postMessage(m);
      } catch {
        // The worker is gone already.
      }
    };
    const onAbort = () => stop({ ok: false, error: cancelledError() }, opts.terminateAfterMs ?? 100);
    signal?.addEventListener('abort', onAbort, { once: true });

    const handlePage = async (result: PageResult) => {
      if (outcome || signal?.aborted) return;
      try {
        await opts.onPage?.(result);
        watch();
        send({ type: 'ack' });
      } catch (e) {
        stop({ ok: false, error: e }, 0);
      }
    };

    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'opened') {
        if (!outcome) watch();
      } else if (m.type === 'page') {
        clearTimeout(stallTimer);
        pages = pages.then(() => handlePage(m.result));
      } else if (m.type === 'done') {
        // Settles once every page handed over has been handled; the exit (forced here) then reports it.
        void pages.then(() => {
          settle({ ok: true, summary: m.summary });
          void worker.terminate();
        });
      } else {
        const error =
          m.code !== null
            ? new PipelineError(m.code, m.message)
            : new PipelineError('worker_failed', m.message);
        settle({ ok: false, error });
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      settle({
        ok: false,
        error: new PipelineError('worker_failed', `the PDF worker failed: ${e.message}`, { cause: e }),
      });
    });
    worker.on('exit', (code) => {
      live--;
      clearTimeout(killTimer);
      clearTimeout(stallTimer);
      signal?.removeEventListener('abort', onAbort);
      void pages.then(() => {
        if (signal?.aborted && !(outcome && !outcome.ok)) outcome = { ok: false, error: cancelledError() };
        const o = outcome ?? {
          ok: false as const,
          error: new PipelineError('worker_failed', `the PDF worker exited with code ${code}`),
        };
        if (o.ok) resolve(o.summary);
        else reject(o.error);
      });
    });
  });
}

/**
 * `inspectPdf` (the page count) in a worker thread. Opening a PDF can be seconds of synchronous parsing — pdfjs
 * rebuilds a damaged cross-reference table by scanning the whole file — which in a server's thread would stall
 * every connection it serves. Rejects like `inspectPdf` (`not_pdf`, `corrupt_pdf`, `encrypted_pdf`, `empty_pdf`,
 * `too_large`), with `cancelled` on abort (the worker is terminated), and settles after the worker has exited.
 */
export async function inspectPdfInWorker(
  bytes: Uint8Array,
  opts: Pick<
    WorkerAnalyzeOptions,
    'maxBytes' | 'signal' | 'terminateAfterMs' | 'maxMemoryMb' | 'workerUrl'
  > & {
    /** Opening longer is `corrupt_pdf`. Default 30 s. */
    timeoutMs?: number;
  } = {},
): Promise<{ pages: number }> {
  const { timeoutMs, ...rest } = opts;
  // The analysis opens the PDF and starts after its last page: no page is analyzed.
  const { pages } = await analyzePdfInWorker(bytes, {
    ...rest,
    pageTimeoutMs: timeoutMs,
    startPage: Number.MAX_SAFE_INTEGER,
  });
  return { pages };
}
