import { throwIfAborted } from './pipeline-error.js';

/** Zones handled between yields to the event loop (so a long export can be aborted and does not stall). */
const YIELD_EVERY = 500;

/**
 * Walks `n` steps of an export: checks the signal at each, reports progress (at most once per percent, and
 * 1 at the end), and yields to the event loop every few hundred steps.
 */
export class ExportProgress {
  private reported = -1;

  constructor(
    private readonly n: number,
    private readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((p: number) => void) | undefined,
  ) {}

  async step(i: number): Promise<void> {
    throwIfAborted(this.signal);
    if (i > 0 && i % YIELD_EVERY === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(this.signal);
    }
    const pct = this.n === 0 ? 100 : Math.floor((i / this.n) * 100);
    if (pct > this.reported && pct < 100) {
      this.reported = pct;
      this.onProgress?.(pct / 100);
    }
  }

  done(): void {
    throwIfAborted(this.signal);
    this.onProgress?.(1);
  }
}
