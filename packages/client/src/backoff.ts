import { type Clock, type TimerHandle, type Timers, timerDelay } from './environment.js';

export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. */
  initialMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Tries before giving up (the connection goes `failed` until `reconnect()`). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, maxAttempts: 10 };

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, min(maxMs, initialMs * 2^tries))`.
 * Jitter spreads the reconnects of many clients dropped at once (a server restart) over the window
 * instead of having them all knock at the same instants.
 */
export function backoffDelay(tries: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(tries, 30));
  return Math.floor(random() * ceiling);
}

/**
 * The one timer behind reconnection, after Phoenix's `timer.js`: `scheduleTimeout()` arms the next try,
 * `reset()` forgets past tries once a connection succeeds.
 *
 * @example
 * const retry = new RetryTimer(() => connect(), { ...DEFAULT_BACKOFF, random: Math.random, timers, clock });
 * socket.onclose = () => { if (retry.scheduleTimeout() === undefined) giveUp(); };
 * onWelcome(() => retry.reset());
 */
export class RetryTimer {
  /** Tries started since the last `reset()`. */
  tries = 0;
  private handle: TimerHandle | undefined;

  constructor(
    private readonly callback: () => void,
    private readonly options: BackoffOptions & { random: () => number; timers: Timers; clock: Clock },
  ) {}

  /**
   * Arms the next try after a jittered delay (at least `minDelayMs`, e.g. a server's hint).
   * Returns when it will run, or `undefined` when `maxAttempts` tries were already made.
   */
  scheduleTimeout(minDelayMs = 0): number | undefined {
    this.cancel();
    if (this.tries >= this.options.maxAttempts) return undefined;
    // Capped: the hint is the server's (`restart:<ms>`), the bounds the app's; a longer timer would fire at once.
    const delay = timerDelay(
      Math.max(minDelayMs, backoffDelay(this.tries, this.options, this.options.random)),
    );
    this.handle = this.options.timers.setTimeout(() => this.runNow(), delay);
    return this.options.clock.now() + delay;
  }

  /** Runs the pending try at once (the page became visible, the network came back). */
  runNow(): void {
    this.cancel();
    this.tries++;
    this.callback();
  }

  get pending(): boolean {
    return this.handle !== undefined;
  }

  /** Cancels the pending try, keeping the count. */
  cancel(): void {
    if (this.handle === undefined) return;
    this.options.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** Cancels the pending try and forgets past ones. */
  reset(): void {
    this.cancel();
    this.tries = 0;
  }
}
