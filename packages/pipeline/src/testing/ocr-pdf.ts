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
