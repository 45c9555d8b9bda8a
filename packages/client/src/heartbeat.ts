import { type Clock, type TimerHandle, type Timers, timerDelay } from './environment.js';

export interface HeartbeatOptions {
  timers: Timers;
  clock: Clock;
  /** Sends an app-level `ping {ts}`. */
  sendPing(ts: number): void;
  /** No frame at all for `intervalMs + timeoutMs`: the socket is dead. */
  onTimeout(): void;
  onRtt?(rttMs: number): void;
}

/**
 * App-level heartbeat on one socket.
 *
 * NOTE: browsers neither expose WebSocket protocol pings nor notice a half-open TCP connection (a laptop
 * that slept, a NAT that forgot us) until they try to write and time out minutes later. So we watch for
 * *any* incoming frame: the server pings every `intervalMs`, and we ping too (which also measures RTT).
 * Silence for `intervalMs + timeoutMs` means the socket is dead, whatever its `readyState` says.
 */
export class Heartbeat {
  /** Last measured round-trip time in ms. */
  rtt: number | undefined;
  private handle: TimerHandle | undefined;
  private intervalMs = 0;
  private timeoutMs = 0;
  private lastReceivedAt = 0;
  private lastPingAt = 0;

  constructor(private readonly options: HeartbeatOptions) {}

  start(intervalMs: number, timeoutMs: number): void {
    this.stop();
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.lastReceivedAt = this.lastPingAt = this.options.clock.now();
    this.schedule();
  }

  /** Any frame arrived: the socket is alive. Cheap, called for every frame. */
  received(): void {
    this.lastReceivedAt = this.options.clock.now();
  }

  /** A `pong` answering one of our pings. */
  pong(ts: unknown): void {
    if (typeof ts !== 'number') return;
    this.rtt = Math.max(0, this.options.clock.now() - ts);
    this.options.onRtt?.(this.rtt);
  }

  /** Pings now, e.g. when a page comes back to the foreground after its timers were throttled. */
  pingNow(): void {
    if (this.handle === undefined) return;
    this.ping();
  }

  stop(): void {
    if (this.handle !== undefined) this.options.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private ping(): void {
    this.lastPingAt = this.options.clock.now();
    this.options.sendPing(this.lastPingAt);
  }

  // One timer, armed for whichever comes first: the next ping or the deadline.
  private schedule(): void {
    const deadline = this.lastReceivedAt + this.intervalMs + this.timeoutMs;
    const nextPing = this.lastPingAt + this.intervalMs;
    const delay = Math.max(0, Math.min(deadline, nextPing) - this.options.clock.now());
    this.handle = this.options.timers.setTimeout(() => this.tick(), timerDelay(delay)); // server-given intervals
  }

  private tick(): void {
    this.handle = undefined;
    const now = this.options.clock.now();
    if (now >= this.lastReceivedAt + this.intervalMs + this.timeoutMs) {
      this.options.onTimeout();
      return;
    }
    if (now >= this.lastPingAt + this.intervalMs) this.ping();
    this.schedule();
  }
}
