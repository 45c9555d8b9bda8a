import type { BBox } from '@syncline/doc';
import { validateZone } from '@syncline/doc';
import { concatTransformationMatrix, degrees, PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { analyzePdf, type ExtractedZone, type PageResult, PipelineError } from './index.js';
import { makeLayoutPdf, makePng, makeTwoColumnPdf } from './testing/make-pdf.js';
import { glyphlessOcrPdf, OcrPage } from './testing/ocr-pdf.js';
import { cjkTextPdf, rawTextPdf, writePdf } from './testing/raw-pdf.js';

/** Page units a found box may be off by (font metrics round differently in pdf-lib and pdfjs). */
const TOLERANCE = 3;

const round = (x: number) => Math.round(x * 100) / 100;

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

  it('keeps every box inside the page: an image bleeding off its edges, a CropBox offset from the MediaBox', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const page = pdf.addPage([612, 792]);
    // The page shown is 540 × 720, its top-left corner at (36, 756) of the MediaBox.
    page.setCropBox(36, 36, 540, 720);
    // A full-bleed picture across the top of the MediaBox, over the CropBox's edges.
    page.drawImage(await pdf.embedPng(makePng(8, 8)), { x: 0, y: 500, width: 612, height: 292 });
    page.drawText('A line of text that runs off the right edge of the page', {
      x: 400,
      y: 400,
      size: 11,
      font,
    });
    page.drawText('Body text well inside the page.', { x: 72, y: 300, size: 11, font });
    const { zones } = await analyze(await pdf.save());
    const figure = zones.find((z) => z.type === 'figure');
    expect(figure?.bbox).toEqual({ x: 0, y: 0, w: 540, h: 256 });
    expect(zones.find((z) => z.text.startsWith('Body'))?.bbox).toMatchObject({ x: 36, y: 448.1 });
    for (const z of zones) {
      // Boxes keep two decimals.
      for (const v of Object.values(z.bbox)) expect(Math.round(v * 100) / 100, z.id).toBe(v);
      expect(z.bbox.x, z.id).toBeGreaterThanOrEqual(0);
      expect(z.bbox.y, z.id).toBeGreaterThanOrEqual(0);
      expect(z.bbox.x + z.bbox.w, z.id).toBeLessThanOrEqual(540);
      expect(z.bbox.y + z.bbox.h, z.id).toBeLessThanOrEqual(720);
    }
  });

  it('reads right-to-left text in its logical order when pdfjs reports its words as separate runs', async () => {
    const hebrew = { A: 'א', B: 'ב', C: 'ג', D: 'ד', E: 'ה', F: 'ו' };
    // Three words drawn left to right, each with a gap wider than a space (justified text): pdfjs makes each
    // word a run of its own. Read from the right, the line is "ו הד גבא".
    const bytes = rawTextPdf('BT /F1 12 Tf 200 700 Td (ABC) Tj 32 0 Td (DE) Tj 26 0 Td (F) Tj ET', hebrew);
    const { zones } = await analyze(bytes);
    expect(zones.map((z) => z.text)).toEqual(['ו הד גבא']);
  });

  it('reads text drawn twice over itself (a fake bold, an OCR layer over the same words) once', async () => {
    const bt = (x: number, y: number, text: string, size = 12, mode = 0) =>
      `BT ${mode} Tr /F1 ${size} Tf ${x} ${y} Td (${text}) Tj ET`;
    const content = [
      // A fake bold: the line again, 0.4 units to the right.
      bt(72, 700, 'Hello fake bold world'),
      bt(72.4, 700, 'Hello fake bold world'),
      // An invisible OCR layer (render mode 3), a little smaller and off, far right on the page.
      bt(380, 600, 'Scanned words here'),
      bt(380.5, 600.4, 'Scanned words here', 11.5, 3),
      // Glyphs drawn one by one, and a dot leader's dots: each next to the one before, never over it. (Visible again:
      // the render mode outlives ET.)
      'BT 0 Tr /F1 12 Tf 72 500 Td (a) Tj 6.672 0 Td (l) Tj 2.664 0 Td (l) Tj ET',
      `BT /F1 12 Tf 72 400 Td (Contents) Tj 50 0 Td ${Array(6).fill('(.) Tj 3.336 0 Td').join(' ')} (5) Tj ET`,
    ].join('\n');
    const { zones } = await analyze(rawTextPdf(content));
    // (The line on the right is a column of its own, read last.)
    expect(zones.map((z) => z.text)).toEqual([
      'Hello fake bold world',
      'all',
      'Contents ......5',
      'Scanned words here',
    ]);
  });

  it('reads a page once when an invisible OCR layer over its text is split otherwise than the visible text', async () => {
    const page = await OcrPage.create();
    page.line('Scanned and recognised', 72, 720, 18);
    // The visible paragraph, and the OCR layer over it: each line as one run, a little smaller and off, fitted to
    // the line's width, its text not quite the visible text (a doubled space, a misread letter, a hyphen missed).
    const lines = [
      'Visible words set one by one',
      'with spaces wider than usual,',
      'as justified text often is.',
    ];
    const ocr = [
      'Visible words set one by one',
      'with  spaces wider than usual,',
      'as justified text often 1s',
    ]; // (sic)
    for (const [i, text] of lines.entries()) {
      const y = 680 - i * 14;
      const width = page.words(text, 72, y, 11);
      page.invisibleLine(ocr[i], 72.6, y + 0.4, 10.5, width - 1);
    }
    // A line drawn in one run, its OCR copy word by word (as Tesseract writes each word with its own position).
    page.line('One run under many words.', 72, 620, 11);
    let x = 72.4;
    for (const word of ['One', 'run', 'under', 'many', 'words.']) {
      page.invisibleLine(word, x, 620.3, 11);
      x += page.width(`${word} `, 11);
    }
    const bytes = await page.save();
    const { zones } = await analyze(bytes);
    expect(zones.map((z) => [z.type, z.text])).toEqual([
      ['heading', 'Scanned and recognised'],
      ['paragraph', lines.join(' ')],
      ['paragraph', 'One run under many words.'],
    ]);
    // Without figures the operator list is read for this page too (its runs lie over each other).
    const pages: PageResult[] = [];
    await analyzePdf(bytes, { figures: false, onPage: (r) => void pages.push(r) });
    expect(pages[0].zones.map((z) => z.text)).toEqual(zones.map((z) => z.text));
  });

  it('reads a page once under a Tesseract-style OCR layer that misread some words (glyphless CID font, Tz)', async () => {
    const lines = ['Visible words set one by one', 'and read again by OCR software'];
    // Read as OCR reads a scan: a letter or two wrong (the words it reads right are exact repeats of the visible ones).
    const bytes = await glyphlessOcrPdf(lines, [
      'Visib1e words sct one by onc',
      'and rcad again hy OCR softwarc',
    ]);
    for (const figures of [true, false]) {
      const pages: PageResult[] = [];
      await analyzePdf(bytes, { figures, onPage: (r) => void pages.push(r) });
      expect(
        pages[0].zones.map((z) => z.text),
        `figures: ${figures}`,
      ).toEqual([lines.join(' ')]);
    }
  });

  it('reads an OCR layer over a scan, the only text of its page', async () => {
    const page = await OcrPage.create();
    await page.picture(36, 36, 540, 720);
    const lines = [
      'A scanned page has no text',
      'but the one its OCR layer',
      'lays invisibly over the scan.',
    ];
    for (const [i, text] of lines.entries()) page.invisibleLine(text, 72, 700 - i * 14, 11);
    // Word by word too, as Tesseract does.
    let x = 72;
    for (const word of ['Words', 'drawn', 'one', 'by', 'one.']) {
      page.invisibleLine(word, x, 600, 11);
      x += page.width(`${word} `, 11);
    }
    const { zones } = await analyze(await page.save());
    expect(zones.map((z) => [z.type, z.text])).toEqual([
      ['figure', ''],
      ['paragraph', lines.join(' ')],
      ['paragraph', 'Words drawn one by one.'],
    ]);
  });

  it('reads visible text and different invisible text elsewhere on the page, and half-covered OCR text', async () => {
    const page = await OcrPage.create();
    page.line('Visible text at the top of the page.', 72, 720, 11);
    // A scanned chart below it, its labels read by OCR.
    await page.picture(72, 400, 300, 200);
    page.invisibleLine('Invisible label of the chart', 90, 560, 11);
    // OCR text that runs on past a short visible line: most of it lies where nothing visible is.
    page.line('Short', 72, 300, 11);
    page.invisibleLine('Short text read by OCR past its end', 72, 300, 11);
    const { zones } = await analyze(await page.save());
    expect(zones.map((z) => z.text).filter((t) => t !== '')).toEqual([
      'Visible text at the top of the page.',
      'Invisible label of the chart',
      expect.stringMatching(/Short.*Short text read by OCR past its end/),
    ]);
  });

  it('leaves out the text and pictures of layers that the document does not show', async () => {
    // A layer switched off (a second language, a print-only note) with a picture in it, and one switched on.
    const content = [
      'BT /F1 12 Tf 72 700 Td (Text on the page.) Tj ET',
      '/OC /Off BDC BT /F1 12 Tf 72 650 Td (Text of a hidden layer.) Tj ET q 200 0 0 100 300 400 cm /Im1 Do Q EMC',
      '/OC /On BDC BT /F1 12 Tf 72 600 Td (Text of a shown layer.) Tj ET EMC',
    ].join('\n');
    const image = '\x40\xc0\xa0\x60';
    const bytes = writePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [6 0 R 7 0 R] /D << /OFF [6 0 R] >> >> >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 8 0 R >> /Properties << /Off 6 0 R /On 7 0 R >> >> >>',
        `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        '<< /Type /OCG /Name (Off) >>',
        '<< /Type /OCG /Name (On) >>',
        `<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${image.length} >>\nstream\n${image}\nendstream`,
      ],
      '/Root 1 0 R',
    );
    for (const figures of [true, false]) {
      const pages: PageResult[] = [];
      await analyzePdf(bytes, { figures, onPage: (r) => void pages.push(r) });
      expect(
        pages[0].zones.map((z) => [z.type, z.text]),
        `figures: ${figures}`,
      ).toEqual([
        ['paragraph', 'Text on the page.'],
        ['paragraph', 'Text of a shown layer.'],
      ]);
    }
  });

  it('reads letter-spaced text as its words, not with a space between every two letters', async () => {
    const content = [
      // Tracked capitals: by character spacing (a space glyph between the words), by TJ numbers (a wider one between
      // them), and tracked body text.
      'BT /F1 16 Tf 2.4 Tc 72 700 Td (EXECUTIVE SUMMARY) Tj ET',
      'BT 0 Tc /F1 16 Tf 72 660 Td [(A) -180 (N) -180 (N) -180 (U) -180 (A) -180 (L) -600 (R) -180 (E) -180 (P) -180 (O) -180 (R) -180 (T)] TJ ET',
      'BT /F1 11 Tf 1.3 Tc 72 620 Td (Tracked body text reads as words.) Tj ET',
      // Letters that are apart on the page (space glyphs between them) stay apart.
      'BT /F1 11 Tf 0 Tc 72 580 Td (Options a b c d) Tj ET',
    ].join('\n');
    for (const figures of [true, false]) {
      const pages: PageResult[] = [];
      await analyzePdf(rawTextPdf(content), { figures, onPage: (r) => void pages.push(r) });
      expect(
        pages[0].zones.map((z) => z.text),
        `figures: ${figures}`,
      ).toEqual([
        'EXECUTIVE SUMMARY',
        'ANNUAL REPORT',
        'Tracked body text reads as words.',
        'Options a b c d',
      ]);
    }
  });

  it('reads what filled-in form fields show, next to their labels', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const page = pdf.addPage([612, 792]);
    const form = pdf.getForm();
    page.drawText('Filled-in application', { x: 72, y: 740, size: 20, font });
    page.drawText('Name:', { x: 72, y: 700, size: 12, font });
    const name = form.createTextField('name');
    name.setText('Ada Lovelace');
    name.addToPage(page, { x: 160, y: 692, width: 200, height: 22, font });
    page.drawText('Country:', { x: 72, y: 660, size: 12, font });
    const country = form.createDropdown('country');
    country.addOptions(['France', 'United Kingdom']);
    country.select('United Kingdom');
    country.addToPage(page, { x: 160, y: 652, width: 200, height: 22, font });
    const secret = form.createTextField('pin');
    secret.setText('1234');
    secret.enablePassword();
    secret.addToPage(page, { x: 400, y: 692, width: 80, height: 22, font });
    page.drawText('Notes:', { x: 72, y: 560, size: 12, font });
    const notes = form.createTextField('notes');
    notes.enableMultiline();
    notes.setText('Prefers the analytical engine\nto the difference engine');
    notes.addToPage(page, { x: 72, y: 480, width: 300, height: 70, font });
    form.updateFieldAppearances(font);
    const { zones } = await analyze(await pdf.save());
    const text = zones.map((z) => z.text).join('\n');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('United Kingdom');
    expect(text).toContain('Prefers the analytical engine to the difference engine');
    expect(text).not.toContain('1234');
    // A value is read on its label's line, after it.
    expect(zones.some((z) => /Name:.*Ada Lovelace/s.test(z.text))).toBe(true);
  });

  it('reads a typewriter note (a free-text annotation) over the page, and not the text under a highlight twice', async () => {
    const note = 'BT /Helv 12 Tf 2 6 Td (Approved by the board) Tj ET';
    const content = 'BT /F1 12 Tf 72 700 Td (Minutes of the meeting.) Tj ET';
    const bytes = writePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R 8 0 R] >>',
        `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        '<< /Type /Annot /Subtype /FreeText /Rect [72 600 272 622] /Contents (Approved by the board) /DA (/Helv 12 Tf 0 g) /AP << /N 7 0 R >> >>',
        `<< /Type /XObject /Subtype /Form /BBox [0 0 200 22] /Resources << /Font << /Helv 5 0 R >> >> /Length ${note.length} >>\nstream\n${note}\nendstream`,
        '<< /Type /Annot /Subtype /Highlight /Rect [70 695 250 715] /QuadPoints [70 715 250 715 70 695 250 695] /C [1 1 0] >>',
      ],
      '/Root 1 0 R',
    );
    const { zones } = await analyze(bytes);
    expect(zones.map((z) => z.text)).toEqual(['Minutes of the meeting.', 'Approved by the board']);
  });

  it('leaves out control characters that a font’s broken ToUnicode map gives its glyphs', async () => {
    // A font mapping its codes to NUL, BEL, ESC and DEL (seen in PDFs from careless producers).
    const map = { A: '\u0000', B: '\u0007', C: '\u001b', D: '\u007f', E: '\u0085', H: 'H', i: 'i' };
    const { zones } = await analyze(
      rawTextPdf('BT /F1 12 Tf 72 700 Td (HAiBCDE) Tj 0 -14 Td (AB) Tj ET', map),
    );
    expect(zones.map((z) => z.text)).toEqual(['Hi']);
  });

  it('reads a page whose text is turned (by /Rotate or drawn sideways) in the text’s own direction', async () => {
    const lines = [
      'The first line of a paragraph runs on',
      'and its second line follows it here',
      'until the third line ends.',
    ];
    /**
     * A heading over a paragraph, drawn upright in user space (612 × 792), on a page turned by `rotate`; or,
     * `sideways`, drawn running up the page (a landscape table in a portrait document).
     */
    const page = async (rotate: number, sideways = false) => {
      const pdf = await PDFDocument.create();
      const font = await pdf.embedFont(StandardFonts.Helvetica);
      const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
      const p = pdf.addPage([612, 792]);
      p.setRotation(degrees(rotate));
      const top = sideways ? 560 : 720;
      if (sideways) p.pushOperators(concatTransformationMatrix(0, 1, -1, 0, 612, 0));
      p.drawText('A Heading', { x: 72, y: top, size: 20, font: bold });
      for (const [i, text] of lines.entries())
        p.drawText(text, { x: 72, y: top - 30 - i * 14, size: 11, font });
      return (await analyze(await pdf.save())).zones;
    };
    const upright = await page(0);
    expect(upright.map((z) => [z.type, z.text])).toEqual([
      ['heading', 'A Heading'],
      ['paragraph', lines.join(' ')],
    ]);
    // Where a box of the unturned page is on the page as shown (turned clockwise by `rotate`).
    const turn = (b: BBox, rotate: number): BBox =>
      rotate === 90
        ? { x: round(792 - b.y - b.h), y: b.x, w: b.h, h: b.w }
        : rotate === 180
          ? { x: round(612 - b.x - b.w), y: round(792 - b.y - b.h), w: b.w, h: b.h }
          : { x: b.y, y: round(612 - b.x - b.w), w: b.h, h: b.w };
    for (const rotate of [90, 180, 270]) {
      const zones = await page(rotate);
      expect(
        zones.map((z) => [z.type, z.text]),
        `/Rotate ${rotate}`,
      ).toEqual(upright.map((z) => [z.type, z.text]));
      zones.forEach((z, i) => {
        const want = turn(upright[i].bbox, rotate);
        expect(
          near(z.bbox, want),
          `/Rotate ${rotate} ${z.id}: ${JSON.stringify(z.bbox)} vs ${JSON.stringify(want)}`,
        ).toBe(true);
      });
    }
    const sideways = await page(0, true);
    expect(sideways.map((z) => [z.type, z.text])).toEqual(upright.map((z) => [z.type, z.text]));
    // Running up the page, the heading is the leftmost zone, the paragraph right of it, both upright boxes.
    expect(sideways[0].bbox.x + sideways[0].bbox.w).toBeLessThanOrEqual(sideways[1].bbox.x + 1);
    for (const z of sideways) expect(z.bbox.h).toBeGreaterThan(z.bbox.w);
  });

  it('reads CJK text in a font that is not embedded and uses a predefined CMap', async () => {
    const { zones } = await analyze(cjkTextPdf(['日本語のテキストです']));
    expect(zones.map((z) => z.text)).toEqual(['日本語のテキストです']);
  });

  it('reads vertical CJK text column by column, from the right, with the columns’ full height', async () => {
    // Two columns of 9 and 8 characters of 12 units, 20 units apart: x 494..506 and 474..486, from 700 down.
    const { zones } = await analyze(cjkTextPdf(['日本語の縦書きです', '二行目もあります'], true));
    expect(zones.map((z) => [z.type, z.text])).toEqual([
      ['paragraph', '日本語の縦書きです 二行目もあります'],
    ]);
    expect(near(zones[0].bbox, { x: 474, y: 792 - 700, w: 32, h: 108 }), JSON.stringify(zones[0].bbox)).toBe(
      true,
    );
  });
});
