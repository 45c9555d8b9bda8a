import type { Zone, ZoneDocument } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { analyzePdf, documentOrder, exportDocument, type PageResult, readingOrder } from './index.js';
import { makeTurnedPdf } from './testing/make-pdf.js';

const zone = (id: string, page: number, x: number, y: number, order?: number): Zone => ({
  id,
  page,
  bbox: { x, y, w: 100, h: 20 },
  type: 'paragraph',
  label: 'Paragraph',
  confidence: 0.8,
  text: id,
  updatedBy: 'u',
  updatedAt: 0,
  ...(order === undefined ? {} : { order }),
});

const ids = (zones: Zone[]) => zones.map((z) => z.id);

describe('documentOrder', () => {
  it('without orders (documents stored before zones kept theirs) is readingOrder', () => {
    const zones = [zone('c', 1, 300, 10), zone('b', 1, 10, 200), zone('a', 1, 10, 10), zone('p2', 2, 0, 0)];
    expect(ids(documentOrder(zones))).toEqual(ids(readingOrder(zones)));
  });

  it("follows the analysis' order within each page, pages in order", () => {
    // A turned page: the analysis read right to left; the boxes alone read left to right.
    const zones = [
      zone('p2-left', 2, 10, 10, 3),
      zone('p2-right', 2, 400, 10, 1),
      zone('p2-mid', 2, 200, 10, 2),
      zone('p1-a', 1, 10, 10, 1),
    ];
    expect(ids(readingOrder(zones))).toEqual(['p1-a', 'p2-left', 'p2-mid', 'p2-right']);
    expect(ids(documentOrder(zones))).toEqual(['p1-a', 'p2-right', 'p2-mid', 'p2-left']);
  });

  it('keeps a zone people drew right after the zone it follows on the page, and one before them all first', () => {
    const zones = [
      zone('third', 1, 10, 10, 3),
      zone('mine', 1, 110, 10), // drawn right of `third`: read after it
      zone('second', 1, 300, 10, 2),
      zone('first', 1, 500, 10, 1),
      zone('lead', 1, 10, 0, undefined), // above everything: stays first
    ];
    expect(ids(readingOrder(zones))).toEqual(['lead', 'third', 'mine', 'second', 'first']);
    expect(ids(documentOrder(zones))).toEqual(['lead', 'first', 'second', 'third', 'mine']);
  });

  it('on an upright page (analysis order = box order) changes nothing, whatever people added', () => {
    const zones = [
      zone('a', 1, 10, 10, 1),
      zone('b', 1, 10, 50, 2),
      zone('drawn', 1, 10, 90),
      zone('c', 1, 10, 130, 3),
    ];
    expect(ids(documentOrder(zones))).toEqual(ids(readingOrder(zones)));
  });

  it('ignores an order that is not a number', () => {
    const zones = [zone('b', 1, 10, 50), { ...zone('a', 1, 10, 10), order: 'x' as unknown as number }];
    expect(ids(documentOrder(zones))).toEqual(['a', 'b']);
  });
});

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
