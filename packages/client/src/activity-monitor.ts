import type { PresenceStatus } from '@syncline/protocol';
import {
  type BrowserGlobals,
  type Clock,
  listen,
  type TimerHandle,
  type Timers,
  timerDelay,
} from './environment.js';

/** What counts as the user doing something on the page. */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

/**
 * A page hidden this long counts as idle. Not at once: a reload or a navigation away hides the page just before it
 * goes, and an `idle` sent then showed the user idle to everyone else for a moment (their presence outlives the
 * page by the server's grace period, so nothing at all should change).
 */
export const HIDDEN_IDLE_DELAY_MS = 1000;

export interface ActivityMonitorOptions {
  /** Idle after this long without input. */
  idleAfterMs: number;
  timers: Timers;
  clock: Clock;
}

/**
 * Tells whether the person at a browser page is there: `idle` while the page is hidden (another tab, a minimised
 * window, a locked screen; after `HIDDEN_IDLE_DELAY_MS`) or after `idleAfterMs` without input (pointer, keys, wheel, touch, focus), `active`
 * again at the next input or when the page shows. `onChange` hears each change. One timer at most, re-armed only
 * when it fires: a pointer move costs one clock read.
 */
export class ActivityMonitor {
  private status: PresenceStatus = 'active';
  private lastInput: number;
  private timer: TimerHandle | null = null;
  private hiddenTimer: TimerHandle | null = null;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly globals: BrowserGlobals,
    private readonly options: ActivityMonitorOptions,
    private readonly onChange: (status: PresenceStatus) => void,
  ) {
    this.lastInput = options.clock.now();
    for (const type of INPUT_EVENTS) this.stops.push(listen(globals, type, this.onInput));
    const doc = globals.document;
    if (doc) this.stops.push(listen(doc, 'visibilitychange', this.onVisibility));
    if (this.hidden()) this.set('idle');
    else this.arm(options.idleAfterMs);
  }

  get current(): PresenceStatus {
    return this.status;
  }

  dispose(): void {
    for (const stop of this.stops.splice(0)) stop();
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    this.clearHidden();
  }

  private readonly onInput = (): void => {
    this.lastInput = this.options.clock.now();
    if (this.status === 'idle' && !this.hidden()) this.set('active');
    if (this.timer === null) this.arm(this.options.idleAfterMs);
  };

  private readonly onVisibility = (): void => {
    if (this.hidden()) {
      if (this.hiddenTimer === null) {
        this.hiddenTimer = this.options.timers.setTimeout(() => {
          this.hiddenTimer = null;
          if (this.hidden()) this.set('idle');
        }, HIDDEN_IDLE_DELAY_MS);
      }
      return;
    }
    this.clearHidden();
    this.lastInput = this.options.clock.now(); // coming back to the page is activity
    this.set('active');
    if (this.timer === null) this.arm(this.options.idleAfterMs);
  };

  private arm(ms: number): void {
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      if (this.hidden()) return; // idle already; the page showing again re-arms
      const quiet = this.options.clock.now() - this.lastInput;
      if (quiet >= this.options.idleAfterMs) this.set('idle');
      else this.arm(this.options.idleAfterMs - quiet);
    }, timerDelay(ms)); // `idleAfterMs` is the app's: a longer timer would fire at once, and re-arm at once
  }

  private clearHidden(): void {
    if (this.hiddenTimer !== null) this.options.timers.clearTimeout(this.hiddenTimer);
    this.hiddenTimer = null;
  }

  private hidden(): boolean {
    return this.globals.document?.visibilityState === 'hidden';
  }

  private set(status: PresenceStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.onChange(status);
  }
}
