import { describe, expect, it } from 'vitest';
import {
  activeWorkers,
  analyzePdf,
  analyzePdfInWorker,
  inspectPdfInWorker,
  type PageResult,
} from './index.js';
import { brokenPagePdf, encryptedPdf, randomBytes, zeroPagePdf } from './testing/bad-pdfs.js';
import { makeLargePdf, makeLayoutPdf } from './testing/make-pdf.js';

// The worker runs the compiled `dist/pdf-worker.js` when these tests run from the sources: `npm test`
// builds first (see README).

/** Workers alive now; each `analyzePdfInWorker` call counts its worker from creation until its exit event. */
const liveWorkers = activeWorkers;

describe('analyzePdfInWorker', () => {
  it('reports every page in order with the same zones as the in-thread analysis, and leaves no worker', async () => {
    const pdf = await makeLayoutPdf();
    const before = liveWorkers();
    const pages: PageResult[] = [];
    const during: number[] = [];
    const summary = await analyzePdfInWorker(pdf.bytes, {
      onPage: (r) => {
        pages.push(r);
        during.push(liveWorkers());
      },
    });
    expect(during).toEqual([before + 1, before + 1, before + 1, before + 1]);
    expect(liveWorkers()).toBe(before);
    const local: PageResult[] = [];
    expect(summary).toEqual(await analyzePdf(pdf.bytes, { onPage: (r) => void local.push(r) }));
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3, 4]);
    expect(pages.map((p) => p.zones)).toEqual(local.map((p) => p.zones));
  });

  it('awaits onPage: the next page is handed over only after the previous one settled', async () => {
    const { bytes } = await makeLargePdf(6);
    const log: string[] = [];
    await analyzePdfInWorker(bytes, {
      startPage: 3,
      onPage: async (r) => {
        log.push(`start ${r.page}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`end ${r.page}`);
      },
    });
    expect(log).toEqual(['start 3', 'end 3', 'start 4', 'end 4', 'start 5', 'end 5', 'start 6', 'end 6']);
  });

  it('stops within 250 ms of an abort, rejects with cancelled, and terminates the worker', async () => {
    const { bytes } = await makeLargePdf(60);
    const before = liveWorkers();
    const ac = new AbortController();
    let abortedAt = 0;
    const pages: number[] = [];
    const run = analyzePdfInWorker(bytes, {
      signal: ac.signal,
      onPage: (r) => {
        pages.push(r.page);
        if (r.page === 2) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'PipelineError', code: 'cancelled', recoverable: true });
    // The worker stops at its next text item and is terminated 100 ms after the abort regardless (the next test),
    // so this takes well under 250 ms on a quiet machine; the bound is loose because a loaded one (2 cores running
    // the whole suite) delays timers too. The 58 pages left would take seconds: 1 s still shows the abort cut the run.
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(pages).toEqual([1, 2]);
    expect(liveWorkers()).toBe(before);
  });

  it('terminates a worker that does not stop by itself, 100 ms after the abort', async () => {
    const { bytes } = await makeLayoutPdf();
    const before = liveWorkers();
    // A worker stuck in synchronous work never reads the cancel flag.
    const stuck = new URL('data:text/javascript,for(;;){}');
    const ac = new AbortController();
    const run = analyzePdfInWorker(bytes, { signal: ac.signal, workerUrl: stuck });
    setTimeout(() => ac.abort(), 50);
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(liveWorkers()).toBe(before);
  });

  it('does not take a slow open followed by a slow first page for a stall', async () => {
    const { bytes } = await makeLayoutPdf();
    // A worker that takes 3 s to open the PDF (its deadline is the page timeout, here far longer in real use),
    // then 3 s for the first page: 6 s in all, past the 5.1 s watchdog of a 100 ms page timeout, yet never
    // silent for longer than one open or one page.
    const script = `
      import { parentPort } from 'node:worker_threads';
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      await sleep(3000);
      parentPort.postMessage({ type: 'opened', pages: 1 });
      await sleep(3000);
      parentPort.postMessage({ type: 'page', result: { page: 1, pages: 1, zones: [], warnings: [], ms: 3000 } });
      parentPort.once('message', () => {
        parentPort.postMessage({ type: 'done', summary: { pages: 1, zones: 0, skippedPages: [], warnings: [] } });
        parentPort.close();
      });`;
    const slow = new URL(`data:text/javascript,${encodeURIComponent(script)}`);
    const pages: number[] = [];
    const summary = await analyzePdfInWorker(bytes, {
      workerUrl: slow,
      pageTimeoutMs: 100,
      onPage: (r) => void pages.push(r.page),
    });
    expect(summary).toMatchObject({ pages: 1 });
    expect(pages).toEqual([1]);
  }, 20_000);

  it('takes an infinite page timeout as none, for the pages and for its stall watchdog', async () => {
    const pdf = await makeLayoutPdf();
    const summary = await analyzePdfInWorker(pdf.bytes, { pageTimeoutMs: Number.POSITIVE_INFINITY });
    expect(summary).toMatchObject({ pages: 4, zones: pdf.zones.length, skippedPages: [] });
  });

  it('fails with worker_failed when the worker crashes', async () => {
    const { bytes } = await makeLayoutPdf();
    const crash = new URL('data:text/javascript,throw new Error("boom")');
    await expect(analyzePdfInWorker(bytes, { workerUrl: crash })).rejects.toMatchObject({
      name: 'PipelineError',
      code: 'worker_failed',
      recoverable: true,
    });
  });

  it('rejects at once when the signal has already fired', async () => {
    const { bytes } = await makeLayoutPdf();
    await expect(analyzePdfInWorker(bytes, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'cancelled',
    });
  });

  it('reports bad input with the same codes as the in-thread analysis', async () => {
    const before = liveWorkers();
    await expect(analyzePdfInWorker(randomBytes(512))).rejects.toMatchObject({ code: 'not_pdf' });
    await expect(analyzePdfInWorker(encryptedPdf())).rejects.toMatchObject({
      name: 'PipelineError',
      code: 'encrypted_pdf',
      recoverable: false,
    });
    const pdf = await makeLayoutPdf();
    await expect(analyzePdfInWorker(pdf.bytes, { maxBytes: 10 })).rejects.toMatchObject({
      code: 'too_large',
    });
    const summary = await analyzePdfInWorker(await brokenPagePdf(3, 2));
    expect(summary.skippedPages).toEqual([2]);
    expect(liveWorkers()).toBe(before);
  });

  it('rejects with the error onPage throws, and stops the worker', async () => {
    const { bytes } = await makeLargePdf(8);
    const before = liveWorkers();
    const boom = new Error('storage failed');
    await expect(
      analyzePdfInWorker(bytes, {
        onPage: (r) => {
          if (r.page === 2) throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(liveWorkers()).toBe(before);
  });
});

describe('inspectPdfInWorker', () => {
  it('counts the pages in a worker, with the same errors as inspectPdf, and leaves no worker', async () => {
    const before = liveWorkers();
    const { bytes } = await makeLargePdf(5);
    await expect(inspectPdfInWorker(bytes)).resolves.toEqual({ pages: 5 });
    await expect(inspectPdfInWorker(randomBytes(512))).rejects.toMatchObject({ code: 'not_pdf' });
    await expect(inspectPdfInWorker(encryptedPdf())).rejects.toMatchObject({ code: 'encrypted_pdf' });
    await expect(inspectPdfInWorker(await zeroPagePdf())).rejects.toMatchObject({ code: 'empty_pdf' });
    await expect(inspectPdfInWorker(bytes, { maxBytes: 10 })).rejects.toMatchObject({ code: 'too_large' });
    expect(liveWorkers()).toBe(before);
  });

  it('stops at once on an abort while a large damaged PDF is being opened', async () => {
    // A PDF header, then 16 MiB without structure: opening it scans the whole file (seconds).
    const junk = new Uint8Array(16 * 1024 * 1024).fill(0x41);
    junk.set(new TextEncoder().encode('%PDF-1.7\n'));
    const before = liveWorkers();
    const ac = new AbortController();
    const run = inspectPdfInWorker(junk, { signal: ac.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t0 = performance.now();
    ac.abort();
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(liveWorkers()).toBe(before);
  });
});
