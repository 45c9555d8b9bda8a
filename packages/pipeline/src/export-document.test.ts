import type { Zone, ZoneDocument } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { analyzePdf, exportDocument, type PageResult, RAG_CHUNK_CHARS, readingOrder } from './index.js';
import { makeLayoutPdf } from './testing/make-pdf.js';

async function analyzedDocument(): Promise<ZoneDocument> {
  const pdf = await makeLayoutPdf();
  const pages: PageResult[] = [];
  await analyzePdf(pdf.bytes, { onPage: (r) => void pages.push(r) });
  const zones: ZoneDocument['zones'] = {};
  // Insert in reverse, so the exports must order the zones themselves.
  for (const z of pages.flatMap((p) => p.zones).reverse()) {
    const { order: _order, ...rest } = z;
    zones[z.id] = { ...rest, updatedBy: 'system:pipeline', updatedAt: 1 };
  }
  return { meta: {}, zones };
}

const zone = (id: string, page: number, y: number, x = 72, w = 200): Zone => ({
  id,
  page,
  bbox: { x, y, w, h: 20 },
  type: 'paragraph',
  label: 'Paragraph',
  confidence: 0.8,
  text: id,
  updatedBy: 'u',
  updatedAt: 0,
});

describe('exportDocument', () => {
  it('rag: one JSON line per chunk with every field, merging small zones of one section and page', async () => {
    const doc = await analyzedDocument();
    const progress: number[] = [];
    const out = await exportDocument(doc, 'rag', {
      documentId: 'doc-1',
      onProgress: (p) => progress.push(p),
    });
    expect(out.contentType).toBe('application/x-ndjson');
    expect(out.fileExtension).toBe('jsonl');
    const lines = out.body.trimEnd().split('\n');
    expect(lines).toHaveLength(out.chunks!);
    const chunks = lines.map((l) => JSON.parse(l));
    for (const c of chunks) {
      expect(Object.keys(c).sort()).toEqual(
        ['bbox', 'chunkId', 'confidence', 'documentId', 'page', 'section', 'text', 'type', 'zoneIds'].sort(),
      );
      expect(c.documentId).toBe('doc-1');
      expect(c.text.length).toBeGreaterThan(0);
      expect(c.chunkId).toMatch(/^[0-9a-f]{24}$/);
      // Chunks never cross a page, and every zone in one comes from that page.
      for (const id of c.zoneIds) expect(doc.zones[id].page).toBe(c.page);
    }
    // Every zone with text is in exactly one chunk, in reading order; figures (no text) are left out.
    const ordered = readingOrder(Object.values(doc.zones)).filter((z) => z.text !== '');
    expect(chunks.flatMap((c) => c.zoneIds)).toEqual(ordered.map((z) => z.id));
    // A heading starts its chunk, and the chunk is filed under it.
    const p1 = chunks.filter((c) => c.page === 1);
    expect(p1.map((c) => c.section)).toEqual(['Section 1: and blocks every', 'Details 1']);
    expect(p1[0].zoneIds).toEqual(['p1-z001', 'p1-z002']);
    expect(new Set(chunks.map((c) => c.chunkId)).size).toBe(chunks.length);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('rag: unchanged chunks keep their ids when another chunk changes', async () => {
    const doc = await analyzedDocument();
    const before = (await exportDocument(doc, 'rag', { documentId: 'doc-1' })).body.trimEnd().split('\n');
    doc.zones['p3-z002'] = { ...doc.zones['p3-z002'], text: 'an edited paragraph' };
    const after = (await exportDocument(doc, 'rag', { documentId: 'doc-1' })).body.trimEnd().split('\n');
    const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).chunkId as string);
    const changed = ids(after).filter((id) => !ids(before).includes(id));
    expect(changed).toHaveLength(1);
    expect(JSON.parse(after[ids(after).indexOf(changed[0])]).zoneIds).toContain('p3-z002');
    const other = (await exportDocument(doc, 'rag', { documentId: 'doc-2' })).body.trimEnd().split('\n');
    expect(ids(other).filter((id) => ids(after).includes(id))).toEqual([]);
  });

  it('markdown: reading order, headings by level, lists as items, tables as lines, captions', async () => {
    const doc = await analyzedDocument();
    const out = await exportDocument(doc, 'markdown', { documentId: 'doc-1' });
    expect(out.contentType).toBe('text/markdown; charset=utf-8');
    expect(out.fileExtension).toBe('md');
    const md = out.body;
    const at = (s: string) => {
      const i = md.indexOf(s);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('<!-- page 1 -->')).toBeLessThan(at('# Section 1: and blocks every'));
    expect(at('# Section 1:')).toBeLessThan(at('## Details 1'));
    expect(at('## Details 1')).toBeLessThan(at('<!-- page 2 -->'));
    expect(md).toContain('\n- box and reviewers these\n- then zones the pages as\n');
    expect(md).toContain('\n1. are analysis items and\n2. into lines so block zone box\n');
    expect(md).toContain('Metric | Value  \n');
    expect(md).toMatch(/\*\[Figure\]\*\n\n\*Figure 4: items and blocks every\*/);
    expect(at('<!-- page 3 -->')).toBeLessThan(at('<!-- page 4 -->'));
  });

  it('json: the document id and the zones in reading order', async () => {
    const doc = await analyzedDocument();
    const out = await exportDocument(doc, 'json', { documentId: 'doc-1' });
    expect(out.contentType).toBe('application/json');
    expect(out.fileExtension).toBe('json');
    const parsed = JSON.parse(out.body);
    expect(parsed.documentId).toBe('doc-1');
    expect(parsed.zones).toEqual(readingOrder(Object.values(doc.zones)));
    expect(parsed.zones[0].id).toBe('p1-z001');
  });

  it('stops with cancelled when aborted', async () => {
    const doc = await analyzedDocument();
    const ac = new AbortController();
    ac.abort();
    await expect(exportDocument(doc, 'rag', { documentId: 'd', signal: ac.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
    const big: ZoneDocument = { meta: {}, zones: {} };
    for (let i = 0; i < 3000; i++) big.zones[`z${i}`] = zone(`z${i}`, 1 + (i % 50), i);
    const ac2 = new AbortController();
    const run = exportDocument(big, 'markdown', {
      documentId: 'd',
      signal: ac2.signal,
      onProgress: (p) => {
        if (p >= 0.2) ac2.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('exports an empty document', async () => {
    const empty: ZoneDocument = { meta: {}, zones: {} };
    expect((await exportDocument(empty, 'rag', { documentId: 'd' })).chunks).toBe(0);
    expect((await exportDocument(empty, 'markdown', { documentId: 'd' })).body).toBe('');
    expect(JSON.parse((await exportDocument(empty, 'json', { documentId: 'd' })).body)).toEqual({
      documentId: 'd',
      zones: [],
    });
  });

  it('markdown: escapes zone text that would read as Markdown syntax, without showing stray backslashes', async () => {
    const zones: Zone[] = [
      { ...zone('year', 1, 10), text: '1990. A good year for the company' },
      { ...zone('fence', 1, 40), text: '```js is how the snippet starts' },
      { ...zone('quote', 1, 70), text: '> not a quote' },
      { ...zone('hash', 1, 100), type: 'heading', label: 'Heading 2', text: 'Issue #' },
      {
        ...zone('list', 1, 130),
        type: 'list',
        label: 'Bulleted list',
        text: '• # not a heading\n• 1. not nested',
      },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      '1990\\. A good year for the company',
      '\\```js is how the snippet starts',
      '\\> not a quote',
      '## Issue \\#',
      '- \\# not a heading\n- 1\\. not nested\n',
    ]);
  });

  it('markdown: escapes a line that would be a rule or underline the line above into a heading, and only such', async () => {
    const zones: Zone[] = [
      { ...zone('total', 1, 10), type: 'table', label: 'Table', text: 'Total | 12\n=====' },
      { ...zone('dash', 1, 40), type: 'table', label: 'Table', text: 'Row | 3\n--' },
      { ...zone('rule', 1, 70), text: '_ _ _' },
      { ...zone('stars', 1, 100), text: '* * *' },
      { ...zone('bold', 1, 130), text: '***bold*** and more' },
      { ...zone('dashes', 1, 160), text: '---x is not a rule' },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      'Total | 12  \n\\=====',
      'Row | 3  \n\\--',
      '\\_ _ _',
      '\\* * *',
      '***bold*** and more',
      '---x is not a rule\n',
    ]);
  });

  it('markdown: zone text makes no link nor image (a javascript: link, a remote image, a link definition)', async () => {
    const zones: Zone[] = [
      { ...zone('link', 1, 10), text: 'Click [here](javascript:alert(1)) now' },
      { ...zone('img', 1, 40), text: '![pixel](https://tracker.example/p.png)' },
      { ...zone('def', 1, 70), text: '[ref]: javascript:alert(2)' },
      { ...zone('use', 1, 100), text: 'see [ref] and [a \\](b) and [c]\\\\](d)' },
      { ...zone('items', 1, 130), type: 'list', label: 'Bulleted list', text: '• [x](y)\n• [ref]: z' },
      { ...zone('cap', 1, 160), type: 'caption', label: 'Caption', text: 'Figure [1](javascript:x)' },
      { ...zone('plain', 1, 190), text: 'Array [1, 2] (of two) and f(x)[0]' },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      'Click [here\\](javascript:alert(1)) now',
      '![pixel\\](https://tracker.example/p.png)',
      '\\[ref]: javascript:alert(2)',
      'see [ref] and [a \\\\\\](b) and [c]\\\\\\\\\\](d)',
      '- [x\\](y)\n- \\[ref]: z',
      '*Figure [1\\](javascript:x)*',
      'Array [1, 2] (of two) and f(x)[0]\n',
    ]);
  });

  it('markdown: a backslash in a caption does not escape the asterisks around it', async () => {
    const zones: Zone[] = [
      { ...zone('path', 1, 10), type: 'caption', label: 'Caption', text: 'Figure 1: files in C:\\temp\\' },
      { ...zone('star', 1, 40), type: 'caption', label: 'Caption', text: 'a\\*b and \\\\' },
      { ...zone('fig', 1, 70), type: 'figure', label: 'Figure', text: 'D:\\' },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    // A run of backslashes before an asterisk is doubled (each pair reads as one backslash), so the asterisk stays.
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      '*Figure 1: files in C:\\temp\\\\*',
      '*a\\\\\\*b and \\\\\\\\*',
      '*[Figure: D:\\\\]*\n',
    ]);
  });

  it('markdown: a carriage return ends a line as a line feed does, the line after it is escaped too, and a blank line in a list is no item', async () => {
    const zones: Zone[] = [
      { ...zone('head', 1, 10), text: 'first line\r# not a heading' },
      { ...zone('fence', 1, 40), text: 'a paragraph\r\n```' },
      { ...zone('after', 1, 70), text: 'the text after it' },
      {
        ...zone('items', 1, 100),
        type: 'list',
        label: 'Bulleted list',
        text: '• one\r• two\r\n\n  \n• three\n',
      },
      { ...zone('rows', 1, 130), type: 'table', label: 'Table', text: 'A | 1\r> B | 2' },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    expect(md).not.toContain('\r');
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      'first line # not a heading',
      'a paragraph ```',
      'the text after it',
      '- one\n- two\n- three',
      'A | 1  \n\\> B | 2\n',
    ]);
  });

  it('markdown: zone text never reaches a renderer as HTML, and reads as it was where it cannot', async () => {
    const zones: Zone[] = [
      { ...zone('script', 1, 10), text: 'Hello <script>alert(1)</script> world' },
      { ...zone('img', 1, 40), text: '<img src=x onerror="alert(1)">' },
      { ...zone('comment', 1, 70), text: 'a <!-- b --> c <!DOCTYPE x> <?php ?> <https://example.com>' },
      { ...zone('entity', 1, 100), text: 'Copyright &copy; 2024, &#60;b&#x3e; and &amp; as typed' },
      { ...zone('plain', 1, 130), text: 'AT&T: a < b, 1 <2, x -> y & z; a<b' },
      { ...zone('head', 1, 160), type: 'heading', label: 'Heading 1', text: '<b>Bold</b> title' },
      {
        ...zone('items', 1, 190),
        type: 'list',
        label: 'Bulleted list',
        text: '• <em>one</em>\n1. <i>two</i>',
      },
      { ...zone('rows', 1, 220), type: 'table', label: 'Table', text: '<td>cell</td> | &nbsp;' },
      { ...zone('cap', 1, 250), type: 'caption', label: 'Caption', text: 'Figure <svg onload=x>' },
      { ...zone('fig', 1, 280), type: 'figure', label: 'Figure', text: '<iframe src=y>' },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const md = (await exportDocument(doc, 'markdown', { documentId: 'd' })).body;
    expect(md.split('\n\n')).toEqual([
      '<!-- page 1 -->',
      'Hello &lt;script>alert(1)&lt;/script> world',
      '&lt;img src=x onerror="alert(1)">',
      'a &lt;!-- b --> c &lt;!DOCTYPE x> &lt;?php ?> &lt;https://example.com>',
      'Copyright &amp;copy; 2024, &amp;#60;b&amp;#x3e; and &amp;amp; as typed',
      'AT&T: a < b, 1 <2, x -> y & z; a&lt;b',
      '# &lt;b>Bold&lt;/b> title',
      '- &lt;em>one&lt;/em>\n1. &lt;i>two&lt;/i>',
      '&lt;td>cell&lt;/td> | &amp;nbsp;',
      '*Figure &lt;svg onload=x>*',
      '*[Figure: &lt;iframe src=y>]*\n',
    ]);
    // The page markers are the only HTML left (comments, which renderers show as nothing).
    expect(md.match(/<[A-Za-z/!?][^>]*>/g)).toEqual(['<!-- page 1 -->']);
  });

  it('rag: text without spaces is split between words (Thai, Chinese), and never inside a flag, an emoji or an accented letter', async () => {
    const thai = `ก${'ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรคระหว่างคำ'.repeat(40)}`;
    const chinese = `中${'中华人民共和国是一个位于东亚的国家'.repeat(100)}`;
    const flags = `a${'🇺🇸'.repeat(400)}`;
    const family = `ab${'👨‍👩‍👧'.repeat(150)}`;
    const accents = `a${'e\u0301'.repeat(700)}`;
    const texts = { thai, chinese, flags, family, accents };
    const zones = Object.entries(texts).map(([id, text], i) => ({ ...zone(id, i + 1, 10), text }));
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const chunks = (await exportDocument(doc, 'rag', { documentId: 'd' })).body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { zoneIds: string[]; text: string });
    const boundaries = (text: string, granularity: 'word' | 'grapheme') =>
      new Set([...new Intl.Segmenter(undefined, { granularity }).segment(text)].map((s) => s.index));
    for (const [id, text] of Object.entries(texts)) {
      const pieces = chunks.filter((c) => c.zoneIds[0] === id).map((c) => c.text);
      expect(pieces.length, id).toBeGreaterThan(1);
      expect(pieces.join(''), id).toBe(text);
      for (const p of pieces) expect(p.length, id).toBeLessThanOrEqual(RAG_CHUNK_CHARS);
      // Each cut is where a word ends (where the text has words), and always between two characters as shown.
      const words = boundaries(text, 'word');
      const graphemes = boundaries(text, 'grapheme');
      let at = 0;
      for (const p of pieces.slice(0, -1)) {
        at += p.length;
        expect(graphemes.has(at), `${id} cut at ${at}`).toBe(true);
        if (id === 'thai' || id === 'chinese') expect(words.has(at), `${id} cut at ${at}`).toBe(true);
      }
    }
  });

  it('rag: no chunk is longer than RAG_CHUNK_CHARS; a longer zone is split between words, never inside a character', async () => {
    const sentence = (i: number) => `Sentence ${i} of a long paragraph says something. `;
    const long = Array.from({ length: 60 }, (_, i) => sentence(i))
      .join('')
      .trim();
    const astral = '𠀀𠀁𠀂'.repeat(500); // 1500 characters of 2 UTF-16 units each, no spaces (CJK Extension B)
    const zones: Zone[] = [
      { ...zone('a', 1, 10), text: 'a'.repeat(499) },
      { ...zone('b', 1, 40), text: 'b'.repeat(500) },
      { ...zone('long', 2, 10), text: long },
      { ...zone('astral', 3, 10), text: astral },
      { ...zone('same', 4, 10), text: 'the same words '.repeat(200).trim() },
    ];
    const doc: ZoneDocument = { meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) };
    const out = await exportDocument(doc, 'rag', { documentId: 'd' });
    const chunks = out.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(RAG_CHUNK_CHARS);
    const of = (id: string) => chunks.filter((c) => c.zoneIds.includes(id));
    expect(of('a')).toHaveLength(1);
    expect(of('a')[0].zoneIds).toEqual(['a']);
    // The long paragraph: several chunks, each cut between sentences' words, that read as the whole again.
    const parts = of('long');
    expect(parts.length).toBe(Math.ceil(long.length / RAG_CHUNK_CHARS));
    for (const c of parts) {
      expect(c.zoneIds).toEqual(['long']);
      expect(c.bbox).toEqual(doc.zones.long.bbox);
      expect(long.split(' ')).toEqual(expect.arrayContaining(c.text.split(' ')));
    }
    expect(parts.map((c) => c.text).join(' ')).toBe(long);
    // Without spaces it is cut anywhere, but never between the two halves of a surrogate pair.
    const cjk = of('astral').map((c) => c.text as string);
    expect(cjk.join('')).toBe(astral);
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const t of cjk) expect(t).not.toMatch(lone);
    // Repeated text in one zone still gives every chunk its own id.
    expect(new Set(chunks.map((c) => c.chunkId)).size).toBe(chunks.length);
  });
});
