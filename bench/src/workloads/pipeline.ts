import type { Options } from '../options.js';
import { knob, num, rowOf, type Workload } from './workload.js';

export interface PipelineParams {
  pages: number;
  watchers: number;
  runs: number;
}

/**
 * The processing pipeline under observation: a generated `pages`-page PDF uploaded and processed with
 * nobody watching and with `watchers` clients in the document's room (interleaved, `runs` each, after a
 * warm-up run; medians). `pages_per_s` is the server's own measure (job start to finish); the overhead of
 * streaming progress and zones to watchers is the relative loss of pages/s; progress events per client
 * per second are counted at the watchers.
 */
export const pipeline: Workload<PipelineParams> = {
  name: 'pipeline',
  systems: ['syncline'],
  connectConcurrency: 8,
  params: (o: Options) => ({
    pages: knob(o, 'pages', 100, 20),
    watchers: knob(o, 'clients', 5, 5),
    runs: knob(o, 'runs', 15, 1),
  }),
  job: (p) => ({
    kind: 'pipeline',
    pages: p.pages,
    watchers: p.watchers,
    runs: p.runs,
    timeoutMs: 120_000 + p.pages * 2000,
  }),
  timeoutMs: (p) => 60_000 + (2 * p.runs + 1) * (120_000 + p.pages * 2000),
  columns: [
    { title: 'pages', key: 'pages' },
    { title: 'pages/s none', key: 'pages_per_s_unwatched', digits: 1 },
    { title: 'pages/s watched', key: 'pages_per_s_watched', digits: 1 },
    { title: 'overhead %', key: 'overhead_pct', digits: 2 },
    { title: 'progress/client/s max', key: 'progress_events_per_client_per_s', digits: 2 },
    { title: 'job ms', key: 'job_ms_median' },
    { title: 'srv CPU ms/page none', key: 'server_cpu_ms_per_page_unwatched', digits: 2 },
    { title: 'srv CPU ms/page watched', key: 'server_cpu_ms_per_page_watched', digits: 2 },
    { title: 'srv CPU%', key: 'server_cpu_pct' },
  ],
  compare(rows) {
    const row = rowOf(rows, 'syncline');
    const overhead = num(row, 'overhead_pct');
    const rate = num(row, 'progress_events_per_client_per_s');
    return {
      ratios: {
        watched_vs_unwatched_pages_per_s:
          row && num(row, 'pages_per_s_unwatched')
            ? Math.round(
                ((num(row, 'pages_per_s_watched') ?? 0) / (num(row, 'pages_per_s_unwatched') ?? 1)) * 100,
              ) / 100
            : null,
      },
      targets: {
        overhead_le_2pct: {
          goal: 'pages/s with 5 clients watching within 2% of nobody watching',
          value: overhead ?? null,
          pass: overhead === undefined ? null : overhead <= 2,
        },
        progress_le_10_per_s: {
          goal: 'at most 10 progress events per client per second',
          value: rate ?? null,
          pass: rate === undefined ? null : rate <= 10,
        },
      },
    };
  },
};
