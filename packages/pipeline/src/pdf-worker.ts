/**
 * The analysis worker's entry point (run by `analyzePdfInWorker` in a `worker_threads` Worker). It posts
 * each page as it is done, but not more than one page ahead of the parent's acknowledgements.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runAnalysis } from './analyze-pdf.js';
import { cancelledError, PipelineError } from './pipeline-error.js';
import type { ParentMessage, WorkerInput, WorkerMessage } from './worker-messages.js';

// pdf.js decodes compressed image streams with the global DecompressionStream when there is one (zlib in this
// thread). Node aborts the whole process ("close before init", node_zlib.cc) when a worker is terminated while
// such a stream is being set up and the half-made handle is collected later, and a cancel terminates this
// worker if it does not stop within 100 ms (it happened once in CI). Without the global, pdf.js decodes those
// streams with its own inflate, in JavaScript, with the same result.
Reflect.deleteProperty(globalThis, 'DecompressionStream');

const input = workerData as WorkerInput;
const port = parentPort!;
const flag = new Int32Array(input.cancel);
const aborter = new AbortController();
let ackWaiter: (() => void) | null = null;
let acked = true;

port.on('message', (m: ParentMessage) => {
  if (m.type === 'cancel') aborter.abort();
  else acked = true;
  ackWaiter?.();
});

const check = () => {
  if (Atomics.load(flag, 0) !== 0) throw cancelledError();
};
const post = (m: WorkerMessage) => port.postMessage(m);

async function main(): Promise<void> {
  try {
    const summary = await runAnalysis(
      input.bytes,
      {
        signal: aborter.signal,
        startPage: input.startPage,
        maxBytes: input.maxBytes,
        pageTimeoutMs: input.pageTimeoutMs,
        figures: input.figures,
        maxItemsPerPage: input.maxItemsPerPage,
        maxZonesPerPage: input.maxZonesPerPage,
        onPage: async (result) => {
          // Backpressure: the previous page must have been handled before this one is sent.
          while (!acked && !aborter.signal.aborted) {
            await new Promise<void>((resolve) => (ackWaiter = resolve));
            ackWaiter = null;
          }
          check();
          acked = false;
          post({ type: 'page', result });
        },
      },
      { check, opened: (pages) => post({ type: 'opened', pages }) },
    );
    while (!acked && !aborter.signal.aborted) {
      await new Promise<void>((resolve) => (ackWaiter = resolve));
      ackWaiter = null;
    }
    check();
    post({ type: 'done', summary });
  } catch (e) {
    const code = e instanceof PipelineError ? e.code : null;
    post({ type: 'error', code, message: e instanceof Error ? e.message : String(e) });
  } finally {
    port.close();
  }
}

void main();
