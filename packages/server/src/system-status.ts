import { performance } from 'node:perf_hooks';
import { SYSTEM_ROOM } from '@syncline/protocol';
import type { Hub } from './core/hub.js';

export type SystemStatus = 'healthy' | 'degraded' | 'maintenance' | 'shutting_down';

/**
 * Publishes `system_status {status, load, connections}` to the `system` room on an interval and at once
 * when the status changes. `load` is the event loop's utilization over the last interval (0..1).
 */
export class SystemStatusPublisher {
  private timer: unknown = null;
  private last: SystemStatus | null = null;
  private elu = performance.eventLoopUtilization();
  maintenance: { enabled: boolean; message?: string } = { enabled: false };
  /** Set when a graceful shutdown begins. */
  shuttingDown = false;

  constructor(
    private readonly hub: Hub,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs > 0 && this.timer === null) {
      this.timer = this.hub.clock.setInterval(() => this.publish(), this.intervalMs);
    }
  }

  stop(): void {
    if (this.timer !== null) this.hub.clock.clearInterval(this.timer);
    this.timer = null;
  }

  status(load: number): SystemStatus {
    if (this.shuttingDown || this.hub.isStopping) return 'shutting_down';
    if (this.maintenance.enabled) return 'maintenance';
    return load > 0.9 ? 'degraded' : 'healthy';
  }

  /** Publishes now; called by the interval and whenever something that changes the status happens. */
  publish(): void {
    const now = performance.eventLoopUtilization();
    const load = Math.round(performance.eventLoopUtilization(now, this.elu).utilization * 1000) / 1000;
    this.elu = now;
    const status = this.status(load);
    this.last = status;
    void this.hub
      .publish(SYSTEM_ROOM, 'system_status', { status, load, connections: this.hub.connections.size })
      .catch(() => {});
  }

  /** Publishes only if the status differs from the last one published. */
  publishIfChanged(): void {
    const now = performance.eventLoopUtilization();
    if (this.status(performance.eventLoopUtilization(now, this.elu).utilization) !== this.last)
      this.publish();
  }
}
