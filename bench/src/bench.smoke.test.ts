import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Runs the real benchmark CLI (`bench/dist/run.js fanout --quick`, so `npm run build` first) against every
 * system and checks what it wrote. Syncline's rows are checked once its server is built; until then they
 * must say `skipped`.
 */
const RUN = fileURLToPath(new URL('../dist/run.js', import.meta.url));
const SYNCLINE_CLI =
  process.env.BENCH_SYNCLINE_CLI ??
  fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const hasSyncline = existsSync(SYNCLINE_CLI);
const runId = randomUUID();

interface Row {
  system: string;
  [metric: string]: unknown;
}
interface Doc {
  workload: string;
  params: Record<string, number>;
  results: Row[];
}

/** Processes still carrying this run's marker in their environment (servers and load generator inherit it). */
function leftovers(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(`BENCH_RUN_ID=${runId}`))
        pids.push(Number(d));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      env: { ...process.env, BENCH_RUN_ID: runId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`bench did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- fanout --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'syncline-bench-smoke-'));
  let doc: Doc;
  let output = '';
  let code: number | null = null;

  beforeAll(async () => {
    if (!existsSync(RUN)) throw new Error(`${RUN} missing: run \`npm run build\` first`);
    ({ code, output } = await runCli(['fanout', '--quick', '--out', out], 55_000));
    doc = JSON.parse(readFileSync(join(out, 'fanout.json'), 'utf8')) as Doc;
  }, 60_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  const row = (system: string): Row => {
    const r = doc.results.find((x) => x.system === system);
    if (!r) throw new Error(`no row for ${system}`);
    return r;
  };

  const expectCleanDelivery = (system: string) => {
    const r = row(system);
    expect(r.error, `${system}: ${String(r.error)}\n${output}`).toBeUndefined();
    expect(r.skipped).toBeUndefined();
    expect(r.deliveries).toBe(doc.params.subscribers * doc.params.events);
    expect(r.lost).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.malformed).toBe(0);
    expect(r.unexpected).toBe(0);
    for (const k of ['deliveries_per_s', 'p50_ms', 'p99_ms']) expect(r[k], k).toEqual(expect.any(Number));
    expect(r.deliveries_per_s as number).toBeGreaterThan(0);
    expect(r.p99_ms as number).toBeGreaterThanOrEqual(r.p50_ms as number);
  };

  it('exits 0 and writes {workload, results} with one row per system', () => {
    expect(code, output).toBe(0);
    expect(doc.workload).toBe('fanout');
    expect(doc.results.map((r) => r.system)).toEqual(['ws', 'socket.io', 'syncline', 'syncline-deflate']);
    expect(doc).toHaveProperty('ratios');
    expect(doc).toHaveProperty('env');
    expect(output).toContain('deliveries/s');
  });

  it('the bare ws relay delivers every event to every subscriber exactly once', () => {
    expectCleanDelivery('ws');
  });

  it('Socket.IO delivers every event to every subscriber exactly once', () => {
    expectCleanDelivery('socket.io');
  });

  // `npm test` builds first, so the server's CLI is there; a missing build is a failure, not a skip.
  it('Syncline delivers every event exactly once, with and without deflate', () => {
    expect(hasSyncline, `${SYNCLINE_CLI} is missing: run npm run build`).toBe(true);
    expectCleanDelivery('syncline');
    expectCleanDelivery('syncline-deflate');
    expect(typeof doc.results.find((r) => r.system === 'syncline')?.rx_bytes).toBe('number');
  });

  it('leaves no server or load-generator process running', () => {
    expect(leftovers()).toEqual([]);
  });
});
