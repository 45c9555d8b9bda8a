import { PDFDocument, PDFName, PDFRawStream, StandardFonts } from 'pdf-lib';
import { makeLayoutPdf } from './make-pdf.js';
import { writePdf } from './raw-pdf.js';

/** `n` pseudo-random bytes (deterministic for a seed), never starting with a PDF header. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    // xorshift32
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  if (n > 0) out[0] = 0x00;
  return out;
}

/** A PDF cut off after `fraction` of its bytes: the header is there, the objects and xref are not. */
export async function truncatedPdf(fraction = 0.05): Promise<Uint8Array> {
  const { bytes } = await makeLayoutPdf();
  return bytes.slice(0, Math.max(16, Math.floor(bytes.length * fraction)));
}

/**
 * A one-page PDF encrypted with the Standard security handler (V1, R2, RC4 40-bit) whose /O and /U values do
 * not match the empty user password, so a reader must ask for a password. pdf-lib cannot encrypt, hence
 * the hand-written file.
 */
export function encryptedPdf(): Uint8Array {
  const hex32 = (seed: number) =>
    Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 17) & 0xff).toString(16).padStart(2, '0')).join(
      '',
    );
  const content = 'BT /F1 12 Tf 72 720 Td (secret) Tj ET';
  return writePdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
      `<< /Filter /Standard /V 1 /R 2 /O <${hex32(3)}> /U <${hex32(7)}> /P -44 >>`,
    ],
    '/Root 1 0 R /Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]',
  );
}

/** A well-formed PDF whose page tree has no pages. */
export async function zeroPagePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  // pdf-lib adds a blank page to a document without one unless told not to.
  return pdf.save({ addDefaultPage: false });
}

/**
 * A `pages`-page PDF whose page `broken` (1-based) has a content stream that cannot be read: the
 * cross-reference table points at its object, but the object there is damaged (its `obj` keyword is
 * overwritten). pdfjs fails that page and reads the others.
 */
export async function brokenPagePdf(pages = 3, broken = 2): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = pdf.addPage([612, 792]);
    page.drawText(`Page ${i} heading`, { x: 72, y: 720, size: 20, font });
    page.drawText(`Body text of page ${i}, which is fine.`, { x: 72, y: 680, size: 11, font });
  }
  const content = new TextEncoder().encode('BT /F1 12 Tf 72 720 Td (never read) Tj ET');
  const ref = pdf.context.register(PDFRawStream.of(pdf.context.obj({}), content));
  pdf.getPage(broken - 1).node.set(PDFName.of('Contents'), ref);
  const bytes = Buffer.from(await pdf.save({ useObjectStreams: false }));
  const header = `\n${ref.objectNumber} 0 obj`;
  const at = bytes.indexOf(header);
  if (at < 0) throw new Error('content stream object not found');
  bytes.write(`\n${ref.objectNumber} 0 xxx`, at, 'latin1');
  return new Uint8Array(bytes);
}
