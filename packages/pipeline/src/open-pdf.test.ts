import { describe, expect, it } from 'vitest';
import { loadPdfjs } from './open-pdf.js';

describe('loadPdfjs', () => {
  it('leaves the process’s own built-ins in place (pdfjs’s legacy build would replace them with slower ones)', async () => {
    const natives = {
      stringify: JSON.stringify,
      parse: JSON.parse,
      push: Array.prototype.push,
    };
    const pdfjs = await loadPdfjs();
    expect(typeof pdfjs.getDocument).toBe('function');
    expect(JSON.stringify).toBe(natives.stringify);
    expect(JSON.parse).toBe(natives.parse);
    expect(Array.prototype.push).toBe(natives.push);
    // What Node lacks and pdfjs needs stays polyfilled.
    expect(typeof (Promise as { withResolvers?: unknown }).withResolvers).toBe('function');
    expect(
      (globalThis as { pdfjsWorker?: { WorkerMessageHandler?: unknown } }).pdfjsWorker?.WorkerMessageHandler,
    ).toBeDefined();
  });
});
