import type { HarnessMessage, LoadgenMessage } from './ipc.js';
import { LOADGEN_MAIN, REPO_ROOT } from './paths.js';
import { LOADGEN_CORE, Managed } from './proc.js';

type Reply<T extends LoadgenMessage['type']> = Extract<LoadgenMessage, { type: T }>;

/** The load-generator child process (pinned to the load-generator core), seen from the harness. */
export class Generator {
  private readonly proc: Managed;
  private readonly inbox: LoadgenMessage[] = [];
  private wake: (() => void) | undefined;

  constructor(pin: boolean) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_OPTIONS;
    this.proc = new Managed({
      cmd: process.execPath,
      // BENCH_LOADGEN_NODE_ARGS: extra node flags for the generator, e.g. `--cpu-prof` to profile it.
      args: [...(process.env.BENCH_LOADGEN_NODE_ARGS?.split(' ').filter(Boolean) ?? []), LOADGEN_MAIN],
      env,
      cwd: REPO_ROOT,
      core: pin ? LOADGEN_CORE : undefined,
      ipc: true,
      label: 'loadgen',
    });
    this.proc.child.on('message', (m: LoadgenMessage) => {
      this.inbox.push(m);
      this.wake?.();
    });
    this.proc.child.on('exit', () => this.wake?.());
  }

  get pid(): number {
    return this.proc.pid;
  }

  send(m: HarnessMessage): void {
    this.proc.child.send(m);
  }

  /** The next message of `type`; rejects on an `error` message, on exit, or after `timeoutMs`. */
  async next<T extends LoadgenMessage['type']>(type: T, timeoutMs: number): Promise<Reply<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const err = this.inbox.find((m) => m.type === 'error');
      if (err && err.type === 'error') throw new Error(`load generator: ${err.message}`);
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Reply<T>;
      if (!this.proc.running) throw new Error(`load generator died: ${this.proc.describeExit()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`load generator: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Lets the generator exit by itself (it does after `result`), killing it if it does not within 3 s. */
  stop(): Promise<void> {
    return this.proc.exit(3000);
  }
}
