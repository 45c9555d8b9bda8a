import type { ZoneDocument } from '@syncline/doc';
import { analyzePdf, type PageResult } from '@syncline/pipeline';
import type { DocSnapshot, JobInfo } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTurnedPdf } from '../../packages/pipeline/src/testing/make-pdf.js';
import { Cleanup } from './helpers.js';
import { makeTextPdf, startJobServer } from './jobs-fixtures.js';

/** The zones the analysis finds in `bytes`, page by page, in its reading order. */
async function analysisOf(bytes: Uint8Array) {
  const pages: PageResult[] = [];
  await analyzePdf(bytes, { onPage: (r) => void pages.push(r) });
  return pages;
}

describe('processing jobs and the zone limit, through a real server', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('a PDF with more zones than a document holds: the pages that fit, a clear error, the warning in the result', async () => {
    const bytes = await makeTextPdf(6);
    const pages = await analysisOf(bytes);
    const perPage = pages.map((p) => p.zones.length);
    // Room for pages 1 and 2 and part of page 3.
    const maxZones = perPage[0] + perPage[1] + Math.ceil(perPage[2] / 2);
    const s = await startJobServer(cleanup, { documents: { maxZones } });
    const owner = s.watcher('olga');
    const { documentId, jobId } = await s.uploadOk('olga', bytes, 'long.pdf');
    const room = `doc:${documentId}`;
    await owner.client.join(room, { since: 0 });
    const e = await owner.waitEvent<{ jobId: string; code: string; error: string; recoverable: boolean }>(
      'processing_error',
      room,
      (d) => d.jobId === jobId,
    );
    expect(e).toMatchObject({ code: 'zone_limit', recoverable: true });
    expect(e.error).toContain(`page 3 has ${perPage[2]} zones`);
    expect(e.error).toContain(`of at most ${maxZones}`);
    const { job } = await owner.client.request<{ job: JobInfo }>('job.get', { documentId });
    expect(job).toMatchObject({ state: 'failed', page: 2, attempts: 1, error: { code: 'zone_limit' } });
    expect((job.result as { warnings: string[] }).warnings.at(-1)).toMatch(/^page 3: not added: page 3 has/);
    // Pages 1 and 2, whole; nothing of page 3.
    const open = await owner.client.request<DocSnapshot>('doc.open', { documentId });
    const zones = Object.values((open.snapshot as ZoneDocument).zones);
    expect(zones.map((z) => z.id).sort()).toEqual(
      pages
        .slice(0, 2)
        .flatMap((p) => p.zones.map((z) => z.id))
        .sort(),
    );
    expect((open.snapshot as ZoneDocument).meta.processing).toMatchObject({
      status: 'failed',
      pagesDone: 2,
      error: { code: 'zone_limit' },
    });
    // An export of what is there works.
    const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
      documentId,
      format: 'json',
    });
    await owner.waitEvent('export_completed', room, (d) => d.exportId === exportId);
  });

  it("exports a turned page in the analysis' reading order", async () => {
    const bytes = (await makeTurnedPdf()).bytes;
    const analysis = (await analysisOf(bytes)).flatMap((p) => p.zones);
    const s = await startJobServer(cleanup);
    const owner = s.watcher('olga');
    const { documentId, jobId } = await s.uploadOk('olga', bytes, 'turned.pdf');
    const room = `doc:${documentId}`;
    await owner.client.join(room, { since: 0 });
    await owner.waitEvent('processing_completed', room, (d) => d.jobId === jobId);
    const download = async (format: string) => {
      const { exportId } = await owner.client.request<{ exportId: string }>('export.start', {
        documentId,
        format,
      });
      const done = await owner.waitEvent<{ downloadUrl: string; exportId: string }>(
        'export_completed',
        room,
        (d) => d.exportId === exportId,
      );
      return (await s.get('olga', done.downloadUrl)).text();
    };
    const json = JSON.parse(await download('json')) as { zones: { id: string; order?: number }[] };
    expect(json.zones.map((z) => [z.id, z.order])).toEqual(analysis.map((z) => [z.id, z.order]));
    const rag = (await download('rag'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { zoneIds: string[]; page: number; section: string | null });
    expect(rag.flatMap((c) => c.zoneIds)).toEqual(analysis.map((z) => z.id));
    expect(rag.filter((c) => c.page === 2).every((c) => c.section === 'A turned page')).toBe(true);
    const md = await download('markdown');
    const at = analysis.map((z) => md.indexOf(z.text));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});
