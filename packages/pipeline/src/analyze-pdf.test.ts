import type { BBox } from '@syncline/doc';
import { validateZone } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { analyzePdf, type ExtractedZone, type PageResult, PipelineError } from './index.js';
import { makeLayoutPdf, makeTwoColumnPdf } from './testing/make-pdf.js';

/** Page units a found box may be off by (font metrics round differently in pdf-lib and pdfjs). */
const TOLERANCE = 3;

const near = (a: BBox, b: BBox) =>
  Math.abs(a.x - b.x) <= TOLERANCE &&
  Math.abs(a.y - b.y) <= TOLERANCE &&
  Math.abs(a.w - b.w) <= TOLERANCE &&
  Math.abs(a.h - b.h) <= TOLERANCE;

async function analyze(bytes: Uint8Array, startPage?: number) {
  const pages: PageResult[] = [];
  const summary = await analyzePdf(bytes, { startPage, onPage: (r) => void pages.push(r) });
  return { summary, pages, zones: pages.flatMap((p) => p.zones) };
}

describe('analyzePdf', () => {
  it('finds the headings, paragraphs, lists, table, figure and caption of a known layout, in reading order', async () => {
    const pdf = await makeLayoutPdf();
    const { summary, zones } = await analyze(pdf.bytes);
    expect(summary).toEqual({ pages: 4, zones: pdf.zones.length, skippedPages: [], warnings: [] });
    expect(zones.map((z) => [z.page, z.type])).toEqual(pdf.zones.map((z) => [z.page, z.type]));
    zones.forEach((z, i) => {
      const want = pdf.zones[i];
      expect(z.text, z.id).toBe(want.text);
      expect(
        near(z.bbox, want.bbox),
        `${z.id}: ${JSON.stringify(z.bbox)} vs ${JSON.stringify(want.bbox)}`,
      ).toBe(true);
    });
  });

  it('reads two text columns one after the other, not as a table', async () => {
    const pdf = await makeTwoColumnPdf();
    const { zones } = await analyze(pdf.bytes);
    expect(zones.map((z) => z.type)).toEqual(pdf.zones.map((z) => z.type));
    zones.forEach((z, i) => {
      expect(z.text, z.id).toBe(pdf.zones[i].text);
      expect(near(z.bbox, pdf.zones[i].bbox), z.id).toBe(true);
    });
  });

  it('gives zones deterministic ids by page and order, and valid zone fields', async () => {
    const pdf = await makeLayoutPdf();
    const a = await analyze(pdf.bytes);
    const b = await analyze(pdf.bytes);
    expect(b.zones).toEqual(a.zones);
    for (const page of a.pages) {
      page.zones.forEach((z, i) => {
        expect(z.order).toBe(i + 1);
        expect(z.id).toBe(`p${page.page}-z${String(i + 1).padStart(3, '0')}`);
        expect(z.page).toBe(page.page);
      });
      expect(page.pages).toBe(4);
      expect(page.warnings).toEqual([]);
    }
    for (const z of a.zones) {
      expect(validateZone({ ...z, updatedBy: 'u', updatedAt: 0 }, z.id)).toEqual([]);
    }
  });

  it('is surer of clear evidence: big headings and multi-item lists score high', async () => {
    const pdf = await makeLayoutPdf();
    const { zones } = await analyze(pdf.bytes);
    const byType = (t: ExtractedZone['type']) => zones.filter((z) => z.type === t);
    for (const h of byType('heading')) expect(h.confidence).toBeGreaterThanOrEqual(0.8);
    for (const l of byType('list')) expect(l.confidence).toBeGreaterThanOrEqual(0.85);
    for (const z of zones) {
      expect(z.confidence).toBeGreaterThan(0);
      expect(z.confidence).toBeLessThanOrEqual(1);
    }
    expect(byType('heading').map((h) => h.label)).toEqual([
      'Heading 1',
      'Heading 2',
      'Heading 1',
      'Heading 2',
      'Heading 1',
      'Heading 1',
    ]);
    expect(byType('list').map((l) => l.label)).toEqual(['Bulleted list', 'Numbered list']);
  });

  it('resumes from startPage with the same zones as a full run', async () => {
    const pdf = await makeLayoutPdf();
    const full = await analyze(pdf.bytes);
    const resumed = await analyze(pdf.bytes, 3);
    expect(resumed.pages.map((p) => p.page)).toEqual([3, 4]);
    expect(resumed.zones).toEqual(full.zones.filter((z) => z.page >= 3));
    const none = await analyze(pdf.bytes, 5);
    expect(none.summary).toEqual({ pages: 4, zones: 0, skippedPages: [], warnings: [] });
  });

  it('stops with cancelled when the signal fires between pages, leaving the caller bytes intact', async () => {
    const pdf = await makeLayoutPdf();
    const copy = pdf.bytes.slice();
    const ac = new AbortController();
    const seen: number[] = [];
    const run = analyzePdf(pdf.bytes, {
      signal: ac.signal,
      onPage: (r) => {
        seen.push(r.page);
        if (r.page === 2) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'PipelineError', code: 'cancelled', recoverable: true });
    await expect(run).rejects.toBeInstanceOf(PipelineError);
    expect(seen).toEqual([1, 2]);
    expect(pdf.bytes).toEqual(copy);
  });

  it('accepts a Node Buffer', async () => {
    const pdf = await makeLayoutPdf();
    const { summary } = await analyze(Buffer.from(pdf.bytes));
    expect(summary.zones).toBe(pdf.zones.length);
  });
});
