// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { afterEach, describe, expect, it } from 'vitest';
import { PdfCanvas } from './PdfCanvas.js';

describe('PdfCanvas', () => {
  afterEach(cleanup);

  it('is an image named after the PDF page it shows, drawn or not', () => {
    // Far from the visible part of the pane: nothing is drawn (pdf.js is not asked for the page).
    const pdf = { numPages: 12 } as PDFDocumentProxy;
    render(<PdfCanvas pdf={pdf} pageIndex={2} zoom={1} nearness="far" />);
    const image = screen.getByRole('img', { name: 'PDF page 3 of 12' });
    expect(image.tagName).toBe('CANVAS');
  });
});
