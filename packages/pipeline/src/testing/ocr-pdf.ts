import {
  PDFDocument,
  type PDFFont,
  type PDFPage,
  StandardFonts,
  setCharacterSqueeze,
  setTextRenderingMode,
  TextRenderingMode,
} from 'pdf-lib';
import { makePng } from './make-pdf.js';
import { writePdf } from './raw-pdf.js';

/**
 * One page (612 × 792, PDF units with the origin at the bottom left, as pdf-lib draws) with visible text, invisible
 * text (render mode 3, as OCR software lays its text over a scan) and pictures standing in for scans.
 */
export class OcrPage {
  private constructor(
    private readonly pdf: PDFDocument,
    private readonly page: PDFPage,
    private readonly font: PDFFont,
  ) {}

  static async create(): Promise<OcrPage> {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    return new OcrPage(pdf, pdf.addPage([612, 792]), font);
  }

  /** The width of `text` at `size`. */
  width(text: string, size: number): number {
    return this.font.widthOfTextAtSize(text, size);
  }

  /**
   * Visible text, each word drawn on its own, `gap` (times the size) apart: as justified text often is, its spaces
   * wider than pdfjs joins into one run (0.6).
   */
  words(text: string, x: number, y: number, size: number, gap = 0.7): number {
    let at = x;
    for (const word of text.split(' ')) {
      this.page.drawText(word, { x: at, y, size, font: this.font });
      at += this.width(word, size) + gap * size;
    }
    return at - gap * size - x;
  }

  /** Visible text in one run. */
  line(text: string, x: number, y: number, size: number): void {
    this.page.drawText(text, { x, y, size, font: this.font });
  }

  /** Invisible text in one run, squeezed or stretched (`Tz`) to `width` as OCR software fits a line it read. */
  invisibleLine(text: string, x: number, y: number, size: number, width?: number): void {
    const squeeze = width === undefined ? 100 : (100 * width) / this.width(text, size);
    this.page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible), setCharacterSqueeze(squeeze));
    this.page.drawText(text, { x, y, size, font: this.font });
    this.page.pushOperators(setTextRenderingMode(TextRenderingMode.Fill), setCharacterSqueeze(100));
  }

  /** A picture (a scan) over the box from (x, y) up. */
  async picture(x: number, y: number, width: number, height: number): Promise<void> {
    const image = await this.pdf.embedPng(makePng(16, 12));
    this.page.drawImage(image, { x, y, width, height });
  }

  save(): Promise<Uint8Array> {
    return this.pdf.save();
  }
}

/**
 * A page of `lines` of visible Helvetica (11 pt, each word drawn on its own, 0.7 em apart) under an OCR layer as
 * Tesseract writes one: `read` (the lines as OCR read them, word for word; `lines` by default) invisible (3 Tr) in a
 * glyphless CID font (Identity-H, two-byte codes, every glyph half an em wide, a ToUnicode map), in one text object,
 * each word moved to with a relative Td and stretched with Tz to the width of the word under it.
 */
export async function glyphlessOcrPdf(lines: string[], read = lines): Promise<Uint8Array> {
  const helvetica = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  const hex = (s: string) => [...s].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  const chars = [...new Set(read.join('').replace(/ /g, ''))];
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /OCR def /CMapType 2 def',
    '1 begincodespacerange <0000> <FFFF> endcodespacerange',
    `${chars.length} beginbfchar`,
    ...chars.map((c) => `<${hex(c)}> <${hex(c)}>`),
    'endbfchar endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  let visible = '';
  let ocr = 'BT 3 Tr /F2 10 Tf';
  let [px, py] = [0, 0];
  for (const [i, line] of lines.entries()) {
    const y = 700 - i * 14;
    const ocrWords = read[i].split(' ');
    let x = 72;
    for (const [k, word] of line.split(' ').entries()) {
      const width = helvetica.widthOfTextAtSize(word, 11);
      const seen = ocrWords[k];
      visible += `BT /F1 11 Tf ${x.toFixed(2)} ${y} Td (${word}) Tj ET\n`;
      ocr += ` ${(x - px).toFixed(2)} ${y - py} Td ${((100 * width) / (seen.length * 5)).toFixed(2)} Tz [<${hex(seen)}>] TJ`;
      [px, py] = [x, y];
      x += width + 7.7;
    }
  }
  const content = `${visible}q ${ocr} ET Q`;
  return writePdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
      '<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 9 0 R >>',
      '<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont /CIDToGIDMap /Identity /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 500 /W [0 [500]] >>',
      '<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 500 1000] /ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>',
      `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`,
    ],
    '/Root 1 0 R',
  );
}
