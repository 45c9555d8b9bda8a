import { describe, expect, it } from 'vitest';
import type { Hub } from '../core/hub.js';
import { Stats } from '../core/stats.js';
import { createMetrics } from './metrics.js';

const fakeHub = (stats: Stats) =>
  ({
    stats,
    connections: new Set(),
    pending: new Set(),
    sessions: new Map(),
    rooms: new Map(),
  }) as unknown as Hub;

describe('createMetrics', () => {
  it('exports the resync reasons clients send as a bounded set of series', async () => {
    const stats = new Stats();
    // What `doc.open {reason}` counts: the client's string, up to 32 characters, one new one per request if it likes.
    stats.bump(stats.docResyncs, 'checksum', 2);
    for (let i = 0; i < 500; i++) stats.bump(stats.docResyncs, `x${i}-${'a'.repeat(20)}`);
    const text = await createMetrics(fakeHub(stats)).metrics();
    const series = text.split('\n').filter((l) => l.startsWith('syncline_doc_resyncs_total{'));
    expect(series).toEqual([
      'syncline_doc_resyncs_total{reason="checksum"} 2',
      'syncline_doc_resyncs_total{reason="other"} 500',
    ]);
  });
});
