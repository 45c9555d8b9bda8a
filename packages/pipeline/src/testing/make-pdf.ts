import { deflateSync } from 'node:zlib';
import type { BBox, ZoneType } from '@syncline/doc';
import { degrees, PDFDocument, type PDFFont, type PDFImage, type PDFPage, StandardFonts } from 'pdf-lib';

/** A zone the generated PDF is known to contain, in reading order. */
export type ExpectedZone = { page: number; type: ZoneType; text: string; bbox: BBox };
export type GeneratedPdf = { bytes: Uint8Array; pages: number; zones: ExpectedZone[] };

const PAGE_W = 612;
const PAGE_H = 792;
const LEFT = 72;
/** Helvetica's ascent and descent (what pdfjs reports for the standard font), per unit of font size. */
const ASCENT = 0.718;
const DESCENT = 0.207;

const WORDS = (
  'layout analysis groups text items into lines and lines into blocks so that every block becomes ' +
  'a zone with a box a type and a confidence reviewers then edit these zones together while the ' +
  'pipeline streams pages as soon as they are ready'
).split(' ');

/** Deterministic filler text: `n` words starting at `seed`. */
export function words(seed: number, n: number): string {
  return Array.from({ length: n }, (_, i) => WORDS[(seed * 7 + i * 3) % WORDS.length]).join(' ');
}

/** Writes lines of text, top to bottom, and records what was drawn (boxes in top-left page units). */
class Writer {
  y = PAGE_H - 72;
  readonly zones: ExpectedZone[] = [];

  constructor(
    readonly page: PDFPage,
    readonly pageNumber: number,
    readonly fonts: { regular: PDFFont; bold: PDFFont },
  ) {}

  /** Draws lines at `x` (each at its own x offset if given) and returns their box. */
  lines(lines: { text: string; x?: number }[], size: number, leading: number, font: PDFFont): BBox {
    let x0 = Number.POSITIVE_INFINITY;
    let x1 = Number.NEGATIVE_INFINITY;
    const top = PAGE_H - this.y - ASCENT * size;
    let bottom = top;
    for (const l of lines) {
      const x = l.x ?? LEFT;
      this.page.drawText(l.text, { x, y: this.y, size, font });
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x + font.widthOfTextAtSize(l.text, size));
      bottom = PAGE_H - this.y + DESCENT * size;
      this.y -= leading;
    }
    return { x: x0, y: top, w: x1 - x0, h: bottom - top };
  }

  heading(text: string, size: number): void {
    const bbox = this.lines([{ text }], size, size * 1.3, this.fonts.bold);
    this.zones.push({ page: this.pageNumber, type: 'heading', text, bbox });
    this.y -= 10;
  }

  paragraph(lines: string[]): void {
    const bbox = this.lines(
      lines.map((text) => ({ text })),
      11,
      14,
      this.fonts.regular,
    );
    this.zones.push({ page: this.pageNumber, type: 'paragraph', text: lines.join(' '), bbox });
    this.y -= 14;
  }

  list(items: string[], marker: (i: number) => string): void {
    const texts = items.map((t, i) => `${marker(i)} ${t}`);
    const bbox = this.lines(
      texts.map((text) => ({ text, x: LEFT + 18 })),
      11,
      16,
      this.fonts.regular,
    );
    this.zones.push({ page: this.pageNumber, type: 'list', text: texts.join('\n'), bbox });
    this.y -= 14;
  }

  table(rows: [string, string][], secondColumnX: number): void {
    const size = 11;
    const top = PAGE_H - this.y - ASCENT * size;
    let bottom = top;
    let right = 0;
    for (const [a, b] of rows) {
      this.page.drawText(a, { x: LEFT, y: this.y, size, font: this.fonts.regular });
      this.page.drawText(b, { x: secondColumnX, y: this.y, size, font: this.fonts.regular });
      right = Math.max(right, secondColumnX + this.fonts.regular.widthOfTextAtSize(b, size));
      bottom = PAGE_H - this.y + DESCENT * size;
      this.y -= 18;
    }
    const text = rows.map(([a, b]) => `${a} | ${b}`).join('\n');
    this.zones.push({
      page: this.pageNumber,
      type: 'table',
      text,
      bbox: { x: LEFT, y: top, w: right - LEFT, h: bottom - top },
    });
    this.y -= 14;
  }

  figure(image: PDFImage, w: number, h: number, caption: string): void {
    const topY = this.y + 10;
    this.page.drawImage(image, { x: LEFT, y: topY - h, width: w, height: h });
    this.zones.push({
      page: this.pageNumber,
      type: 'figure',
      text: '',
      bbox: { x: LEFT, y: PAGE_H - topY, w, h },
    });
    this.y = topY - h - 16;
    const bbox = this.lines([{ text: caption }], 9, 12, this.fonts.regular);
    this.zones.push({ page: this.pageNumber, type: 'caption', text: caption, bbox });
    this.y -= 14;
  }
}

/** A small opaque PNG (`w`×`h` pixels, a gradient), made by hand: pdf-lib embeds PNGs but cannot draw them. */
export function makePng(w: number, h: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 255) / w;
      raw[o + 1] = (y * 255) / h;
      raw[o + 2] = 128;
    }
  }
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

type PageKind = 'text' | 'lists' | 'table' | 'figure';

async function build(kinds: PageKind[]): Promise<GeneratedPdf> {
  const pdf = await PDFDocument.create();
  const fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
  };
  const image = await pdf.embedPng(makePng(16, 12));
  const zones: ExpectedZone[] = [];
  kinds.forEach((kind, i) => {
    const n = i + 1;
    const w = new Writer(pdf.addPage([PAGE_W, PAGE_H]), n, fonts);
    w.heading(`Section ${n}: ${words(n, 3)}`, 20);
    w.paragraph([words(n, 11), words(n + 1, 11), words(n + 2, 7)]);
    if (kind === 'text' || kind === 'lists') {
      w.heading(`Details ${n}`, 15);
      w.paragraph([words(n + 3, 12), words(n + 4, 12), words(n + 5, 12), words(n + 6, 5)]);
    }
    if (kind === 'lists') {
      w.list([words(n + 7, 4), words(n + 8, 5), words(n + 9, 3)], () => '•');
      w.list([words(n + 10, 4), words(n + 11, 6), words(n + 12, 3)], (k) => `${k + 1}.`);
    }
    if (kind === 'table') {
      const rows: [string, string][] = [['Metric', 'Value']];
      for (let r = 1; r <= 5; r++)
        rows.push([`${WORDS[(n + r * 5) % WORDS.length]} rate`, String((n * 37 + r * 11) % 997)]);
      w.table(rows, 320);
      w.paragraph([words(n + 13, 10), words(n + 14, 6)]);
    }
    if (kind === 'figure') {
      w.figure(image, 240, 140, `Figure ${n}: ${words(n + 15, 4)}`);
      w.paragraph([words(n + 16, 12), words(n + 17, 8)]);
    }
    zones.push(...w.zones);
  });
  return { bytes: await pdf.save(), pages: kinds.length, zones };
}

/**
 * A four-page PDF with a known layout: headings (bigger, bold), paragraphs of several lines, a bullet list
 * and a numbered list, a two-column table, and a figure (an image) with its caption below. `zones` is what
 * the analysis should find, in reading order.
 */
export function makeLayoutPdf(): Promise<GeneratedPdf> {
  return build(['text', 'lists', 'table', 'figure']);
}

/** A PDF of `pages` pages cycling through the four page layouts (the benchmark input). */
export function makeLargePdf(pages: number): Promise<GeneratedPdf> {
  const kinds: PageKind[] = ['lists', 'table', 'figure', 'text'];
  return build(Array.from({ length: pages }, (_, i) => kinds[i % kinds.length]));
}

/** Words of filler text filled greedily into lines at most `width` wide. */
function fill(font: PDFFont, size: number, width: number, seed: number, lines: number): string[] {
  const out: string[] = [];
  let k = 0;
  for (let l = 0; l < lines; l++) {
    let line = '';
    for (;;) {
      const word = WORDS[(seed * 5 + k * 3) % WORDS.length];
      const next = line === '' ? word : `${line} ${word}`;
      if (line !== '' && font.widthOfTextAtSize(next, size) > width) break;
      line = next;
      k++;
    }
    out.push(line);
  }
  return out;
}

/**
 * One page: a full-width heading over two text columns of two paragraphs each. Read column by column, the
 * expected zones are the heading, the left column's paragraphs, then the right column's.
 */
export async function makeTwoColumnPdf(): Promise<GeneratedPdf> {
  const pdf = await PDFDocument.create();
  const fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
  };
  const w = new Writer(pdf.addPage([PAGE_W, PAGE_H]), 1, fonts);
  w.heading('Two columns of running text', 20);
  const top = w.y;
  const columns: ExpectedZone[] = [];
  for (const [c, x] of [LEFT, 320].entries()) {
    w.y = top;
    for (let p = 0; p < 2; p++) {
      const lines = fill(fonts.regular, 11, 220, c * 10 + p * 3 + 1, 4);
      const bbox = w.lines(
        lines.map((text) => ({ text, x })),
        11,
        14,
        fonts.regular,
      );
      columns.push({ page: 1, type: 'paragraph', text: lines.join(' '), bbox });
      w.y -= 14;
    }
  }
  return { bytes: await pdf.save(), pages: 1, zones: [...w.zones, ...columns] };
}

/**
 * Two pages of a heading over two paragraphs; the second page is turned by `/Rotate 90` (a landscape page in a
 * portrait document), so on the page as shown its heading is the rightmost zone and its paragraphs stand left of it:
 * read by where the boxes sit, that page comes out backwards. The expected zones are in reading order (their boxes
 * are those of the unturned page).
 */
export async function makeTurnedPdf(): Promise<GeneratedPdf> {
  const pdf = await PDFDocument.create();
  const fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
  };
  const zones: ExpectedZone[] = [];
  for (const page of [1, 2]) {
    const p = pdf.addPage([PAGE_W, PAGE_H]);
    if (page === 2) p.setRotation(degrees(90));
    const w = new Writer(p, page, fonts);
    w.heading(page === 1 ? 'An upright page' : 'A turned page', 20);
    for (let n = 0; n < 2; n++) {
      const lines = fill(fonts.regular, 11, 440, page * 10 + n + 1, 3);
      const bbox = w.lines(
        lines.map((text) => ({ text, x: LEFT })),
        11,
        14,
        fonts.regular,
      );
      zones.push(...w.zones.splice(0), { page, type: 'paragraph', text: lines.join(' '), bbox });
      w.y -= 30;
    }
  }
  return { bytes: await pdf.save(), pages: 2, zones };
}
