import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { describe, expect, it } from 'vitest';
import { drawnText, type FontMetrics } from './drawn-text.js';
import { loadPdfjs, openPdf } from './open-pdf.js';
import { writePdf } from './testing/raw-pdf.js';

/** A one-page PDF whose content is `content`, with Helvetica as `/F1` and a form XObject `/Fm1` drawing `form`. */
function pdfWithForm(content: string, form: string, formMatrix: string): Uint8Array {
  return writePdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
      `<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Matrix [${formMatrix}] /Resources << /Font << /F1 5 0 R >> >> /Length ${form.length} >>\nstream\n${form}\nendstream`,
    ],
    '/Root 1 0 R',
  );
}

/** The page's text items and how `drawnText` says the page draws them (`hidden` only when some are). */
async function read(bytes: Uint8Array) {
  const { AnnotationMode, OPS } = await loadPdfjs();
  const doc = await openPdf(bytes);
  try {
    const page = await doc.getPage(1);
    const content = await page.getTextContent();
    const list = await page.getOperatorList({ annotationMode: AnnotationMode.DISABLE });
    const fonts = page.commonObjs;
    const drawn = drawnText(
      content.items,
      list,
      OPS,
      (name) => (fonts.has(name) ? (fonts.get(name) as FontMetrics) : undefined),
      page.view,
      await doc.getOptionalContentConfig(),
      () => {},
    );
    const items = (content.items as TextItem[]).map((item, i) => ({
      str: item.str,
      invisible: drawn.invisible.has(i),
      ...(drawn.hidden.has(i) ? { hidden: true } : {}),
    }));
    return items.filter((item) => item.str.trim() !== '');
  } finally {
    await doc.destroy();
  }
}

describe('drawnText', () => {
  it('finds the text drawn in render mode 3 or 7 through the text state, transforms and form XObjects', async () => {
    // Visible text is capitalised, invisible text is not (the render mode, like the spacing and scaling, is part of
    // the graphics state: it outlives ET, not Q). Each invisible line comes after operators that move its glyphs:
    // were they placed otherwise than pdfjs places them, its items would match no glyph and count as visible.
    const content = [
      'BT /F1 12 Tf 72 740 Td (Shown first) Tj ET',
      // Character and word spacing, horizontal scaling.
      'q BT 3 Tr /F1 12 Tf 72 720 Td 2 Tc 3 Tw 80 Tz (hidden spaced words) Tj ET Q',
      'BT /F1 12 Tf 72 700 Td [(Shown) -250 (Kerned)] TJ ET',
      // TJ numbers (one before any glyph, with Tc), a gap wide enough to start an item of its own.
      'q BT 3 Tr /F1 12 Tf 1 Tc 72 680 Td [-120 (hidden) 300 (tj) -1800 (gap)] TJ ET Q',
      // The mode changes within one text object; T*, and the ' and " operators.
      'BT /F1 12 Tf 14 TL 72 660 Td (Shown Above) Tj T* 3 Tr (hidden next line) Tj 0 Tr T* (Shown Below) Tj ET',
      'q BT 7 Tr /F1 12 Tf 12 TL 72 600 Td (clip only) Tj (hidden apostrophe) \' 2 1 (hidden quote) " ET Q',
      // Text rise, a turned and scaled text matrix, a CTM in a saved state.
      'q BT 3 Tr /F1 10 Tf 5 Ts 72 540 Td (hidden risen) Tj ET Q',
      'q BT 3 Tr /F1 10 Tf 0.9 0.2 -0.2 0.9 300 540 Tm (hidden turned) Tj ET Q',
      'q 0.5 0 0 0.5 36 100 cm BT 3 Tr /F1 20 Tf 72 700 Td (hidden scaled) Tj ET Q',
      'BT /F1 12 Tf 300 500 Td (Shown After Restore) Tj ET',
      // A form XObject (its matrix moves it), then text starting off the page's left edge.
      'q 1 0 0 1 0 -20 cm /Fm1 Do Q',
      'q BT 3 Tr /F1 12 Tf 1 Tc -30 400 Td (hidden from off the page) Tj ET Q',
      'BT /F1 12 Tf 72 380 Td (Shown Last) Tj ET',
    ].join('\n');
    const form = [
      'q BT 3 Tr /F1 12 Tf 72 300 Td (hidden in a form) Tj ET Q',
      'BT /F1 12 Tf 72 280 Td (Shown In A Form) Tj ET',
    ].join('\n');
    const items = await read(pdfWithForm(content, form, '1 0 0 1 100 50'));
    expect(items.length).toBeGreaterThanOrEqual(17);
    for (const item of items)
      expect(item, item.str).toEqual({ ...item, invisible: item.str === item.str.toLowerCase() });
  });

  it("follows vertical writing (a CJK font's -V encoding) down its columns", async () => {
    const hex = (text: string) =>
      [...text].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
    // Columns from the right: visible, invisible with character spacing and a TJ number, visible again.
    const content = [
      `BT /F1 12 Tf 500 700 Td <${hex('見える縦書き')}> Tj ET`,
      `q BT 3 Tr 1 Tc /F1 12 Tf 480 700 Td [<${hex('みえない')}> -500 <${hex('もじ')}>] TJ ET Q`,
      `BT /F1 12 Tf 460 700 Td <${hex('最後の列')}> Tj ET`,
    ].join('\n');
    const bytes = writePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
        `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
        '<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /UniJIS-UCS2-V /DescendantFonts [6 0 R] >>',
        '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor 7 0 R /DW 1000 >>',
        '<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>',
      ],
      '/Root 1 0 R',
    );
    const items = await read(bytes);
    expect(items.map((i) => i.str).join('')).toBe('見える縦書きみえないもじ最後の列');
    for (const item of items)
      expect(item, item.str).toEqual({ ...item, invisible: 'みえないもじ'.includes(item.str) });
  });

  it('tells a visible word from invisible text starting at the same point by the order they are drawn in', async () => {
    const content = [
      'BT /F1 12 Tf 72 700 Td (Same) Tj ET',
      'q BT 3 Tr /F1 12 Tf 72 700 Td (same start, then more) Tj ET Q',
      'BT /F1 12 Tf 72 700 Td (Same Again) Tj ET',
      'q BT 3 Tr /F1 12 Tf 72 700 Td (same once more) Tj ET Q',
    ].join('\n');
    const items = await read(pdfWithForm(content, '', '1 0 0 1 0 0'));
    expect(items).toEqual([
      { str: 'Same', invisible: false },
      { str: 'same start, then more', invisible: true },
      { str: 'Same Again', invisible: false },
      { str: 'same once more', invisible: true },
    ]);
  });

  it('finds the text in layers (optional content) that the page as shown leaves out', async () => {
    // Layers: /On is shown, /Off is not; an OCMD shown when any of its groups is on; a form XObject in the hidden
    // layer. Marked content of other kinds (a /Span) inside a hidden layer is hidden with it.
    const content = [
      'BT /F1 12 Tf 72 700 Td (Shown Before) Tj ET',
      '/OC /On BDC BT /F1 12 Tf 72 680 Td (Shown In A Layer) Tj ET EMC',
      '/OC /Off BDC BT /F1 12 Tf 72 660 Td (hidden layer) Tj ET /Span << /MCID 0 >> BDC BT /F1 12 Tf 72 640 Td (hidden span) Tj ET EMC EMC',
      '/OC /Any BDC BT /F1 12 Tf 72 620 Td (Shown By Any) Tj ET EMC',
      'q /Fm1 Do Q',
      'BT /F1 12 Tf 72 580 Td (Shown After) Tj ET',
    ].join('\n');
    const form = 'BT /F1 12 Tf 72 600 Td (hidden form) Tj ET';
    const bytes = writePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [7 0 R 8 0 R] /D << /OFF [8 0 R] /Order [7 0 R 8 0 R] >> >> >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> /Properties << /On 7 0 R /Off 8 0 R /Any 9 0 R >> >> >>',
        `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        `<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /OC 8 0 R /Resources << /Font << /F1 5 0 R >> >> /Length ${form.length} >>\nstream\n${form}\nendstream`,
        '<< /Type /OCG /Name (On) >>',
        '<< /Type /OCG /Name (Off) >>',
        '<< /Type /OCMD /OCGs [7 0 R 8 0 R] /P /AnyOn >>',
      ],
      '/Root 1 0 R',
    );
    const items = await read(bytes);
    expect(items.map((i) => i.str)).toEqual([
      'Shown Before',
      'Shown In A Layer',
      'hidden layer',
      'hidden span',
      'Shown By Any',
      'hidden form',
      'Shown After',
    ]);
    for (const item of items) {
      const hidden = item.str === item.str.toLowerCase();
      expect(item, item.str).toEqual({ str: item.str, invisible: false, ...(hidden ? { hidden } : {}) });
    }
  });

  it('finds nothing on a page without invisible text', async () => {
    const items = await read(pdfWithForm('BT /F1 12 Tf 72 700 Td (Only Visible) Tj ET', '', '1 0 0 1 0 0'));
    expect(items).toEqual([{ str: 'Only Visible', invisible: false }]);
  });
});
