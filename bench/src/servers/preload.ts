/**
 * Loaded into every server process with `node --expose-gc --import <this>` (ours and Syncline's CLI alike):
 * - on SIGUSR2: runs a full GC (when `--expose-gc` is on) and prints one JSON line with the memory usage,
 *   which the harness reads for the heap numbers of the idle workload;
 * - exits when the harness is gone (orphaned), so no server outlives a crashed run.
 * It prints `{"bench":"preload"}` first; the harness sends SIGUSR2 only after seeing it (the default
 * action of SIGUSR2 is to terminate).
 */
const gc = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const line = {
    bench: 'mem',
    gc: gc !== undefined,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();

process.stdout.write(`${JSON.stringify({ bench: 'preload', pid: process.pid })}\n`);
