import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService, POSTGRES_URL, REDIS_URL } from '../../test/services.js';

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

function runCli(
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      env: { ...process.env, ...env, BENCH_RUN_ID: runId },
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

/**
 * The collaboration workloads, tiny (3 clients, 1 s): every system's clients open the shared text, every
 * op reaches every other replica, the replicas end equal, and the cursor clients receive each other's
 * cursors. Throughput runs ShareDB and Syncline only, to keep the smoke test short.
 */
describe('npm run bench -- collab-latency cursors / collab-throughput (tiny)', () => {
  const out = mkdtempSync(join(tmpdir(), 'syncline-bench-smoke-collab-'));
  const tiny = ['--quick', '--duration', '1', '--warmup', '0.25', '--clients', '3', '--out', out];
  const docs: Record<string, Doc> = {};
  let output = '';
  const codes: (number | null)[] = [];

  beforeAll(async () => {
    if (!existsSync(RUN)) throw new Error(`${RUN} missing: run \`npm run build\` first`);
    for (const args of [
      ['collab-latency', 'cursors', ...tiny],
      ['collab-throughput', '--systems', 'sharedb,sharedb-json1,ot-relay,syncline', ...tiny],
    ]) {
      const r = await runCli(args, 50_000);
      codes.push(r.code);
      output += r.output;
    }
    for (const w of ['collab-latency', 'collab-throughput', 'cursors'])
      docs[w] = JSON.parse(readFileSync(join(out, `${w}.json`), 'utf8')) as Doc;
  }, 110_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  const row = (workload: string, system: string): Row => {
    const r = docs[workload].results.find((x) => x.system === system);
    if (!r) throw new Error(`no ${workload} row for ${system}`);
    expect(r.error, `${workload} ${system}: ${String(r.error)}\n${output}`).toBeUndefined();
    expect(r.skipped).toBeUndefined();
    return r;
  };

  const expectConverged = (workload: string, system: string) => {
    const r = row(workload, system);
    expect(r.converged, `${workload} ${system}`).toBe(true);
    expect(r.lost).toBe(0);
    expect(r.unexpected).toBe(0);
    expect(r.deliveries).toBe(r.expected);
    expect(r.deliveries as number).toBeGreaterThan(0);
    expect(r.p99_ms as number).toBeGreaterThanOrEqual(r.p50_ms as number);
    expect(r.ops_per_s as number).toBeGreaterThan(0);
    return r;
  };

  it('exits 0 and writes one document per workload', () => {
    expect(codes, output).toEqual([0, 0]);
    expect(docs['collab-latency'].results.map((r) => r.system)).toEqual([
      'sharedb',
      'hocuspocus',
      'syncline',
    ]);
    expect(docs['collab-throughput'].results.map((r) => r.system)).toEqual([
      'sharedb',
      'sharedb-json1',
      'ot-relay',
      'syncline',
    ]);
    expect(docs.cursors.results.map((r) => r.system)).toEqual(['socket.io', 'syncline']);
    expect(docs['collab-latency']).toHaveProperty('targets.syncline_p99_le_best_peer');
  });

  it('collab-latency: every op reaches every other replica and the replicas converge', () => {
    for (const s of ['sharedb', 'hocuspocus', 'syncline']) expectConverged('collab-latency', s);
  });

  it('collab-throughput: ops acknowledged, per server CPU second, replicas converged', () => {
    for (const s of ['sharedb', 'sharedb-json1', 'ot-relay', 'syncline']) {
      const r = expectConverged('collab-throughput', s);
      expect(r.acked).toBe(r.ops);
      expect(r.ops_per_server_cpu_s as number).toBeGreaterThan(0);
    }
  });

  it('cursors: clients receive each other’s cursors, with frames and latency measured', () => {
    for (const s of ['socket.io', 'syncline']) {
      const r = row('cursors', s);
      expect(r.frames_per_client_per_s as number).toBeGreaterThan(0);
      expect(r.cursors_per_client_per_s as number).toBeGreaterThan(0);
      expect(r.p99_ms as number).toBeGreaterThanOrEqual(r.p50_ms as number);
      expect(r.server_cpu_pct).toEqual(expect.any(Number));
    }
  });

  it('leaves no server or load-generator process running', () => {
    expect(leftovers()).toEqual([]);
  });
});

/**
 * `cluster-fanout`, tiny, on the local PostgreSQL and Redis: Syncline and Socket.IO (Redis adapter) on 3 nodes
 * each deliver every event to every subscriber exactly once, Redis traffic is counted, and each run's Redis keys
 * and PostgreSQL schema are gone afterwards.
 */
const services = (await needService('postgres')) && (await needService('redis'));

describe.runIf(services)('npm run bench -- cluster-fanout --quick (3 nodes)', () => {
  const out = mkdtempSync(join(tmpdir(), 'syncline-bench-smoke-cluster-'));
  let doc: Doc;
  let output = '';
  let code: number | null = null;

  beforeAll(async () => {
    if (!existsSync(RUN)) throw new Error(`${RUN} missing: run \`npm run build\` first`);
    const args = ['cluster-fanout', '--quick', '--systems', 'syncline-pg-3,socket.io-redis-3', '--out', out];
    ({ code, output } = await runCli(args, 40_000, {
      BENCH_REDIS_URL: REDIS_URL,
      BENCH_DATABASE_URL: POSTGRES_URL,
    }));
    doc = JSON.parse(readFileSync(join(out, 'cluster-fanout.json'), 'utf8')) as Doc;
  }, 45_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('delivers every event to every subscriber exactly once on 3 nodes, and counts Redis traffic', () => {
    expect(code, output).toBe(0);
    expect(doc.results.map((r) => r.system)).toEqual(['syncline-pg-3', 'socket.io-redis-3']);
    for (const r of doc.results) {
      expect(r.error, `${r.system}: ${String(r.error)}\n${output}`).toBeUndefined();
      expect(r.nodes).toBe(3);
      expect(r.deliveries).toBe(doc.params.subscribers * doc.params.events);
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
      // The count is net of the rate seen over a quiet second before the run. Test files run two at a time on one
      // Redis: one that published in that second (a cluster test) inflates the rate, and the run's count comes out
      // low. So it is checked when nobody else published then.
      expect(r.redis_idle_publish_per_s).toEqual(expect.any(Number));
      if ((r.redis_idle_publish_per_s as number) === 0) {
        expect(r.redis_publish as number).toBeGreaterThanOrEqual(doc.params.events);
      }
      expect(r.redis_receivers_per_publish).toBe(3);
      expect(r.node_cpu_ms).toHaveLength(3);
    }
  });

  it('removes each run’s Redis keys and PostgreSQL schema, and leaves no process running', async () => {
    const redis = new Redis(REDIS_URL);
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    try {
      await db.connect();
      for (const r of doc.results) {
        const prefix = String(r.redis_prefix);
        expect(prefix).toMatch(/^bench-[0-9a-f]+:$/);
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          keys.push(...found);
          cursor = next;
        } while (cursor !== '0');
        expect(keys).toEqual([]);
        const schema = `bench_${prefix.slice(6, -1)}`;
        const found = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        expect(found.rowCount).toBe(0);
      }
    } finally {
      redis.disconnect();
      await db.end();
    }
    expect(leftovers()).toEqual([]);
  });
});
