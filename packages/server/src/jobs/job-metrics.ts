import { JOB_STATES } from '@syncline/protocol';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobService } from './job-service.js';

/** Job metrics: jobs by state (read from the store at scrape time), pages analyzed, jobs running here. */
export function registerJobMetrics(register: Registry, jobs: JobService): void {
  new Gauge({
    name: 'syncline_jobs',
    help: 'Jobs in the job store, by state',
    labelNames: ['state'],
    registers: [register],
    async collect() {
      try {
        const counts = await jobs.store.countByState();
        for (const state of JOB_STATES) this.set({ state }, counts[state]);
      } catch {
        // A closed or unreachable store: leave the last values.
      }
    },
  });
  new Gauge({
    name: 'syncline_jobs_active',
    help: 'Jobs running on this node',
    registers: [register],
    collect() {
      this.set(jobs.runner.activeCount);
    },
  });
  new Counter({
    name: 'syncline_pages_processed_total',
    help: 'PDF pages analyzed',
    registers: [register],
    collect() {
      this.reset();
      this.inc(jobs.pagesProcessed);
    },
  });
}
