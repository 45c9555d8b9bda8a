import { describe, expect, it } from 'vitest';
import { analyzePdf, inspectPdf, type PageResult } from './index.js';
import { brokenPagePdf, encryptedPdf, randomBytes, truncatedPdf, zeroPagePdf } from './testing/bad-pdfs.js';
import { makeLayoutPdf } from './testing/make-pdf.js';

const fails = (code: string) => ({ name: 'PipelineError', code, recoverable: false });

describe('bad input', () => {
  it('rejects bytes that are not a PDF with not_pdf', async () => {
    await expect(inspectPdf(randomBytes(4096))).rejects.toMatchObject(fails('not_pdf'));
    await expect(analyzePdf(randomBytes(4096, 7))).rejects.toMatchObject(fails('not_pdf'));
    await expect(analyzePdf(new Uint8Array(0))).rejects.toMatchObject(fails('not_pdf'));
    await expect(analyzePdf(new TextEncoder().encode('hello, not a pdf'))).rejects.toMatchObject(
      fails('not_pdf'),
    );
  });

  it('rejects a truncated PDF with corrupt_pdf', async () => {
    await expect(inspectPdf(await truncatedPdf(0.05))).rejects.toMatchObject(fails('corrupt_pdf'));
    await expect(analyzePdf(await truncatedPdf(0.5))).rejects.toMatchObject(fails('corrupt_pdf'));
  });

  it('rejects an encrypted PDF with encrypted_pdf instead of waiting for a password', async () => {
    await expect(inspectPdf(encryptedPdf())).rejects.toMatchObject(fails('encrypted_pdf'));
    await expect(analyzePdf(encryptedPdf())).rejects.toMatchObject(fails('encrypted_pdf'));
  });

  it('rejects a PDF without pages with empty_pdf', async () => {
    await expect(inspectPdf(await zeroPagePdf())).rejects.toMatchObject(fails('empty_pdf'));
    await expect(analyzePdf(await zeroPagePdf())).rejects.toMatchObject(fails('empty_pdf'));
  });

  it('rejects a file over maxBytes with too_large before parsing it', async () => {
    const { bytes } = await makeLayoutPdf();
    await expect(analyzePdf(bytes, { maxBytes: bytes.length - 1 })).rejects.toMatchObject(fails('too_large'));
    await expect(inspectPdf(bytes, { maxBytes: 100 })).rejects.toMatchObject(fails('too_large'));
    await expect(inspectPdf(bytes, { maxBytes: bytes.length })).resolves.toEqual({ pages: 4 });
  });

  it('skips a page whose content cannot be read, with a warning, and analyzes the others', async () => {
    const pages: PageResult[] = [];
    const summary = await analyzePdf(await brokenPagePdf(3, 2), { onPage: (r) => void pages.push(r) });
    expect(summary.pages).toBe(3);
    expect(summary.skippedPages).toEqual([2]);
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/^page 2: skipped: cannot be parsed/);
    expect(pages.map((p) => [p.page, p.zones.length > 0, p.skipped ?? false])).toEqual([
      [1, true, false],
      [2, false, true],
      [3, true, false],
    ]);
    expect(pages[1].warnings[0]).toMatch(/^skipped: /);
    expect(pages[2].zones.map((z) => z.text)).toEqual([
      'Page 3 heading',
      'Body text of page 3, which is fine.',
    ]);
  });
});
