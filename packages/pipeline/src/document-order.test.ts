import type { Zone, ZoneDocument } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { analyzePdf, exportDocument, type PageResult, readingOrder } from './index.js';
import { makeTurnedPdf } from './testing/make-pdf.js';

describe('exports of a turned page', () => {
  async function analyzed() {
    const pages: PageResult[] = [];
    await analyzePdf((await makeTurnedPdf()).bytes, { onPage: (r) => void pages.push(r) });
    return pages.flatMap((p) => p.zones);
  }
  /** The document the server stores: each zone as the analysis made it, `order` kept; inserted in reverse. */
  const stored = (zones: Awaited<ReturnType<typeof analyzed>>, keepOrder = true): ZoneDocument => ({
    meta: {},
    zones: Object.fromEntries(
      [...zones].reverse().map((z) => {
        const { order, ...rest } = z;
        return [
          z.id,
          { ...rest, ...(keepOrder ? { order } : {}), updatedBy: 'system:pipeline', updatedAt: 1 },
        ];
      }),
    ),
  });

  it('follow the analysis order: Markdown, RAG (with its sections) and JSON', async () => {
    const zones = await analyzed();
    const analysis = zones.map((z) => z.text);
    expect(zones.filter((z) => z.page === 2).map((z) => z.type)).toEqual([
      'heading',
      'paragraph',
      'paragraph',
    ]);
    // By where their boxes sit, the turned page reads backwards (what the exports did before).
    expect(readingOrder(Object.values(stored(zones, false).zones)).map((z) => z.text)).not.toEqual(analysis);

    const doc = stored(zones);
    const json = JSON.parse((await exportDocument(doc, 'json', { documentId: 'd' })).body) as {
      zones: Zone[];
    };
    expect(json.zones.map((z) => z.text)).toEqual(analysis);

    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    const at = analysis.map((t) => md.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    const rag = (await exportDocument(doc, 'rag', { documentId: 'd' })).body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { zoneIds: string[]; section: string | null; page: number });
    expect(rag.flatMap((c) => c.zoneIds)).toEqual(zones.map((z) => z.id));
    // The turned page's paragraphs fall under its own heading, not the upright page's.
    expect(rag.filter((c) => c.page === 2).map((c) => c.section)).toEqual(
      rag.filter((c) => c.page === 2).map(() => 'A turned page'),
    );
  });
});
