import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

/**
 * Child processes of the harness: spawning (pinned to a core with `taskset` when possible), waiting for a
 * server's port, reading its RSS / CPU / I/O from /proc, and making sure none outlives the harness.
 */

/** Cores: the server gets one, the load generator the other, so they do not steal each other's CPU. */
export const SERVER_CORE = 0;
export const LOADGEN_CORE = 1;

let tasksetOk: boolean | undefined;

/** Whether `taskset` exists and there are at least two cores to pin to. */
export function canPin(): boolean {
  if (tasksetOk === undefined) {
    const r = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    tasksetOk = r.status === 0 && availableParallelism() >= 2;
  }
  return tasksetOk;
}

/** The command line for `cmd args`, prefixed with `taskset -c core` when pinning is on and possible. */
export function pinned(core: number | undefined, cmd: string, args: string[]): [string, string[]] {
  if (core === undefined || !canPin()) return [cmd, args];
  return ['taskset', ['-c', String(core), cmd, ...args]];
}

/** A port nobody listens on right now (the OS picks it); there is a small race until the server binds it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running when the harness exits, however it exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const c of live) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface ManagedOptions {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Core to pin to (`taskset -c`); undefined = not pinned. */
  core?: number;
  /** Open an IPC channel (for the load generator). */
  ipc?: boolean;
  /** Label used in error messages. */
  label: string;
}

/** A child process whose stdout is read line by line (JSON lines are handed to listeners). */
export class Managed {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly label: string;
  private readonly stderrTail: string[] = [];
  private readonly jsonListeners = new Set<(obj: Record<string, unknown>) => void>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(o: ManagedOptions) {
    installExitHook();
    this.label = o.label;
    const [cmd, args] = pinned(o.core, o.cmd, o.args);
    this.child = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: o.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`${o.label}: spawn failed`);
    this.pid = this.child.pid;
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this.child);
        resolve();
      });
    });
    this.child.on('error', (err) => {
      this.stderrTail.push(`[spawn] ${err.message}`);
    });
    const out = createInterface({ input: this.child.stdout! });
    out.on('line', (line) => {
      if (!line.startsWith('{')) {
        // e.g. what node's --trace-gc prints: shown in verbose mode
        if (process.env.BENCH_VERBOSE) process.stderr.write(`[${this.label}] ${line}\n`);
        return;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        return;
      }
      if (obj && typeof obj === 'object')
        for (const l of this.jsonListeners) l(obj as Record<string, unknown>);
    });
    const err = createInterface({ input: this.child.stderr! });
    err.on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 30) this.stderrTail.shift();
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${this.label}] ${line}\n`);
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Why the process is gone, with the end of its stderr, for error messages. */
  describeExit(): string {
    const e = this.exitInfo;
    const how = e ? `exited (code ${e.code}, signal ${e.signal})` : 'running';
    const tail = this.stderrTail.slice(-12).join('\n  ');
    return `${this.label} ${how}${tail ? `\n  ${tail}` : ''}`;
  }

  /** Subscribes to JSON lines on stdout; returns the disposer. */
  onJson(listener: (obj: Record<string, unknown>) => void): () => void {
    this.jsonListeners.add(listener);
    return () => this.jsonListeners.delete(listener);
  }

  /** Resolves with the first JSON line `pick` accepts; rejects on exit or timeout. */
  waitJson<T>(
    pick: (obj: Record<string, unknown>) => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        off();
        this.child.off('exit', onExit);
        fn();
      };
      const off = this.onJson((obj) => {
        const v = pick(obj);
        if (v !== undefined) done(() => resolve(v));
      });
      const onExit = () => done(() => reject(new Error(`${what}: ${this.describeExit()}`)));
      const timer = setTimeout(
        () => done(() => reject(new Error(`${what}: timeout after ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.child.once('exit', onExit);
      if (!this.running) onExit();
    });
  }

  /** Waits up to `ms` for the process to exit by itself, then stops it. */
  async exit(ms: number): Promise<void> {
    if (!this.running) return;
    await Promise.race([this.exited, sleep(ms)]);
    await this.stop();
  }

  /** SIGTERM, then SIGKILL if still alive after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Resolves once something accepts TCP connections on `port`. */
export async function waitForTcp(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error('process exited');
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- /proc readers ------------------------------------------------------------------------------

/** Resident set size of a process in KiB (`VmRSS` of /proc/<pid>/status). */
export function readRssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

let clkTck: number | undefined;

/** CPU time of a process in ms (/proc/<pid>/stat): user + system, and the system (kernel) part. */
export function readCpuMs(pid: number): { total: number; system: number } {
  if (clkTck === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clkTck = Number(r.stdout?.trim()) || 100;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { total: ((utime + stime) * 1000) / clkTck, system: (stime * 1000) / clkTck };
}

export interface IoCounters {
  /** Bytes passed to read()/recv() (sockets included). */
  rchar: number;
  /** Bytes passed to write()/writev() (sockets included): the server's outgoing wire bytes plus its logs. */
  wchar: number;
}

/** /proc/<pid>/io, or undefined where the kernel does not expose it. */
export function readIo(pid: number): IoCounters | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rchar: get('rchar'), wchar: get('wchar') };
  } catch {
    return undefined;
  }
}

/** Busy CPU time of each core in ms since boot (/proc/stat: everything but idle and iowait). */
export function readCoreBusyMs(): number[] {
  if (clkTck === undefined) readCpuMs(process.pid);
  const out: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    out[Number(m[1])] = (busy * 1000) / clkTck!;
  }
  return out;
}
