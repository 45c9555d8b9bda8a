import { performance } from 'node:perf_hooks';
import { Generator } from './generator.js';
import type { ClientKind, Metrics } from './ipc.js';
import type { Options } from './options.js';
import { canPin, LOADGEN_CORE, readCoreBusyMs, readCpuMs, SERVER_CORE } from './proc.js';
import { type ServerSnapshot, type SystemSpec, startServer } from './systems.js';
import type { Row, Workload } from './workloads/workload.js';

/**
 * One run of one workload against one system: start its server, start the load generator, let it
 * connect (`ready`), take the harness-side measurements, `go`, collect the result, stop both processes.
 */
export async function runSystem<P extends object>(
  w: Workload<P>,
  params: P,
  system: SystemSpec,
  o: Options,
  jwtSecret: string,
): Promise<Row> {
  const missing = system.unavailable();
  if (missing) return { system: system.name, skipped: missing };
  const client: ClientKind =
    system.client === 'socket.io' && o.sioClient === 'official' ? 'socket.io-client' : system.client;
  const server = await startServer(system, { jwtSecret, storage: o.storage }, o.pin);
  let gen: Generator | undefined;
  try {
    const timeout = w.timeoutMs(params);
    const before = (await w.beforeLoad?.(server, params)) ?? {};
    gen = new Generator(o.pin);
    gen.send({
      type: 'job',
      job: {
        client,
        port: server.port,
        ports: server.ports,
        deflate: system.deflate,
        jwtSecret,
        connectConcurrency: o.knobs.concurrency ?? w.connectConcurrency,
        work: w.job(params, o),
      },
    });
    const ready = await gen.next('ready', timeout);
    const mid = (await w.afterReady?.(server, params, before, ready.info)) ?? {};
    const s0 = server.snapshot();
    const g0 = readCpuMs(gen.pid).total;
    const c0 = readCoreBusyMs();
    const t0 = performance.now();
    gen.send({ type: 'go' });
    const { metrics } = await gen.next('result', timeout);
    if (!server.proc.running) throw new Error(`server died during the run: ${server.proc.describeExit()}`);
    const s1 = server.snapshot();
    const wallMs = performance.now() - t0;
    const genMs = readCpuMs(gen.pid).total - g0;
    const post = (await w.afterRun?.(server, params, metrics)) ?? {};
    const stats = serverStats(s0, s1, wallMs, metrics);
    const others =
      o.pin && canPin() ? otherLoad(c0, readCoreBusyMs(), s1.cpu_ms - s0.cpu_ms, genMs, wallMs) : {};
    const row: Row = {
      system: system.name,
      client,
      ...ready.info,
      ...before,
      ...mid,
      ...metrics,
      ...stats,
      ...others,
      ...post,
      ...megabytes(before, mid),
    };
    return { ...row, ...w.derive?.(row) };
  } finally {
    await gen?.stop();
    await server.stop();
  }
}

/** Server CPU and bytes written during the measured phase (between `go` and the result). */
function serverStats(s0: ServerSnapshot, s1: ServerSnapshot, wallMs: number, m: Metrics): Metrics {
  const cpuMs = s1.cpu_ms - s0.cpu_ms;
  const wchar = s1.wchar - s0.wchar;
  const deliveries = typeof m.deliveries === 'number' ? m.deliveries : 0;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    server_cpu_ms: Math.round(cpuMs),
    server_cpu_pct: Math.round((100 * cpuMs) / wallMs),
    server_cpu_sys_pct: cpuMs > 0 ? Math.round((100 * (s1.cpu_sys_ms - s0.cpu_sys_ms)) / cpuMs) : null,
    server_cpu_us_per_delivery: deliveries ? round2((cpuMs * 1000) / deliveries) : null,
    server_wchar_bytes: Number.isFinite(wchar) ? wchar : null,
    server_wchar_mb: Number.isFinite(wchar) ? round2(wchar / 1e6) : null,
  };
}

/**
 * CPU that other processes took on the server's and the generator's cores during the run, in % of the
 * run's wall time: the busy time of each core minus what our process pinned there used. Anything above
 * ~10 % means the run competed with something else on a shared machine.
 */
function otherLoad(c0: number[], c1: number[], serverMs: number, genMs: number, wallMs: number): Metrics {
  const pct = (core: number, ours: number) =>
    c0[core] === undefined || c1[core] === undefined
      ? null
      : Math.max(0, Math.round((100 * (c1[core] - c0[core] - ours)) / wallMs));
  const server = pct(SERVER_CORE, serverMs);
  const gen = pct(LOADGEN_CORE, genMs);
  return {
    other_load_server_core_pct: server,
    other_load_loadgen_core_pct: gen,
    other_load: `${server ?? '-'}/${gen ?? '-'}`,
  };
}

function megabytes(...parts: Metrics[]): Metrics {
  const out: Metrics = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (k.endsWith('_kb') && typeof v === 'number')
        out[`${k.slice(0, -3)}_mb`] = Math.round(v / 102.4) / 10;
    }
  }
  return out;
}
