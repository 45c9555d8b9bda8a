import { DEFAULT_RESULTS_DIR } from './paths.js';
import { SYSTEM_NAMES, type SystemName } from './systems.js';

export const WORKLOAD_NAMES = [
  'fanout',
  'latency',
  'idle',
  'collab-latency',
  'collab-throughput',
  'cursors',
  'pipeline',
  'cluster-fanout',
] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** Numeric knobs that override a workload's defaults. */
export const KNOBS = [
  'subscribers',
  'events',
  'window',
  'rate',
  'duration',
  'warmup',
  'conns',
  'rooms',
  'settle',
  'concurrency',
  'clients',
  'pages',
  'runs',
] as const;
export type Knob = (typeof KNOBS)[number];

export interface Options {
  workloads: WorkloadName[];
  /** Scaled-down counts for a smoke test (`--quick` or BENCH_QUICK=1). */
  quick: boolean;
  /** Systems to run; undefined = each workload's default list. */
  systems?: SystemName[];
  /** Runs per system; rows hold medians (counters summed) when > 1, systems interleaved A/B/A/B. */
  repeat: number;
  /** Pin the server and the load generator to different cores with taskset. */
  pin: boolean;
  outDir: string;
  /** Socket.IO load-generator client: the raw-protocol client, or the real socket.io-client. */
  sioClient: 'raw' | 'official';
  /** How subscribers decode events: scanned (JSON.parse on a sample) or all parsed. */
  decode: 'scan' | 'parse';
  /** Syncline's storage backend. */
  storage: 'sqlite' | 'memory';
  knobs: Partial<Record<Knob, number>>;
}

export const USAGE = `usage: npm run bench -- [workload...] [options]
workloads: ${WORKLOAD_NAMES.join(', ')} (default: all)
options:
  --quick                  scaled-down counts (also BENCH_QUICK=1)
  --systems a,b            among ${SYSTEM_NAMES.join(', ')}
  --repeat N               runs per system, interleaved; rows report medians
  --no-pin                 do not pin server / load generator to cores 0 / 1
  --out DIR                results directory (default bench/results)
  --sio-client raw|official  Socket.IO load-generator client (default raw)
  --storage sqlite|memory  Syncline storage (default sqlite)
  --decode scan|parse      subscribers scan events (JSON.parse on 1 in 25) or all JSON.parse (default scan)
  --${KNOBS.join(' N, --')} N   override a workload parameter
                           (duration, warmup, settle in seconds)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  const o: Options = {
    workloads: [],
    quick: env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true',
    repeat: 1,
    pin: true,
    outDir: DEFAULT_RESULTS_DIR,
    sioClient: 'raw',
    storage: 'sqlite',
    decode: 'scan',
    knobs: {},
  };
  const args = [...argv];
  const value = (flag: string): string => {
    const v = args.shift();
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  while (args.length) {
    let a = args.shift()!;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      args.unshift(a.slice(eq + 1));
      a = a.slice(0, eq);
    }
    if (a === '--quick') o.quick = true;
    else if (a === '--no-pin') o.pin = false;
    else if (a === '--out') o.outDir = value(a);
    else if (a === '--repeat') o.repeat = positive(a, value(a));
    else if (a === '--systems') o.systems = value(a).split(',').map(systemName);
    else if (a === '--sio-client') o.sioClient = oneOf(a, value(a), ['raw', 'official'] as const);
    else if (a === '--decode') o.decode = oneOf(a, value(a), ['scan', 'parse'] as const);
    else if (a === '--storage') o.storage = oneOf(a, value(a), ['sqlite', 'memory'] as const);
    else if (a.startsWith('--') && (KNOBS as readonly string[]).includes(a.slice(2))) {
      o.knobs[a.slice(2) as Knob] = positive(a, value(a));
    } else if ((WORKLOAD_NAMES as readonly string[]).includes(a)) o.workloads.push(a as WorkloadName);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOAD_NAMES];
  return o;
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: not a non-negative number: ${v}`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${flag}: one of ${allowed.join(', ')}`);
  return v as T;
}

function systemName(v: string): SystemName {
  return oneOf('--systems', v.trim(), SYSTEM_NAMES);
}
