import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyzePage, type PageOptions } from './analyze-page.js';
import { loadPdfjs } from './open-pdf.js';

/**
 * A document whose one page answers each pdfjs call after `stepMs` (of fake time), its annotations at once (or they
 * fail to be read).
 */
function slowDoc(stepMs: number, annotations: 'none' | 'broken' = 'none') {
  const later = <T>(v: T) => new Promise<T>((resolve) => setTimeout(() => resolve(v), stepMs));
  const page = {
    getViewport: () => ({
      width: 612,
      height: 792,
      convertToViewportPoint: (x: number, y: number) => [x, 792 - y],
    }),
    getTextContent: () =>
      later({
        items: [{ str: 'Hello', transform: [11, 0, 0, 11, 72, 700], width: 30, fontName: 'f' }],
        styles: {},
      }),
    getOperatorList: () => later({ fnArray: [], argsArray: [] }),
    getAnnotations: () =>
      annotations === 'none' ? Promise.resolve([]) : Promise.reject(new Error('Bad annotation dictionary')),
    cleanup: () => true,
  };
  return { numPages: 1, getPage: () => later(page) } as unknown as PDFDocumentProxy;
}

const opts = (timeoutMs: number): PageOptions => ({
  check: () => {},
  timeoutMs,
  figures: true,
  maxItems: 1000,
  maxZones: 100,
});

describe('analyzePage', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the whole page the page timeout, not each pdfjs call its own', async () => {
    await loadPdfjs();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // Three calls of 400 ms each: every one alone is within the 1 s timeout, the page (1.2 s) is not.
    const slow = analyzePage(slowDoc(400), 1, opts(1000));
    await vi.advanceTimersByTimeAsync(1300);
    const r = await slow;
    expect(r.skipped).toBe(true);
    expect(r.warnings).toEqual(['skipped: took longer than 1000 ms']);
    // Within the timeout as a whole, it is analyzed.
    const fast = analyzePage(slowDoc(300), 1, opts(1000));
    await vi.advanceTimersByTimeAsync(1000);
    const ok = await fast;
    expect(ok.skipped).toBeUndefined();
    expect(ok.zones.map((z) => z.text)).toEqual(['Hello']);
  });

  it('reads a page whose annotations cannot be read, with a warning', async () => {
    const r = await analyzePage(slowDoc(0, 'broken'), 1, opts(1000));
    expect(r.skipped).toBeUndefined();
    expect(r.zones.map((z) => z.text)).toEqual(['Hello']);
    expect(r.warnings).toEqual(['annotations cannot be parsed (Bad annotation dictionary)']);
  });
});
