import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';

// The worker is a static file of the build (copied from pdfjs-dist), loaded as a module worker.
GlobalWorkerOptions.workerSrc = '/pdf.worker.min.mjs';

/** The PDF's page sizes in points, with the document to render pages from. */
export interface LoadedPdf {
  pdf: PDFDocumentProxy;
  sizes: { width: number; height: number }[];
}

export async function loadPdf(data: ArrayBuffer): Promise<LoadedPdf> {
  const pdf = await getDocument({
    data: new Uint8Array(data),
    standardFontDataUrl: '/pdfjs/standard_fonts/',
    isEvalSupported: false,
  }).promise;
  const sizes: LoadedPdf['sizes'] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const { width, height } = (await pdf.getPage(i)).getViewport({ scale: 1 });
    sizes.push({ width, height });
  }
  return { pdf, sizes };
}
