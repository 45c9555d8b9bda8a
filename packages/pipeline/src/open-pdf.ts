import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { withDeadline } from './deadline.js';
import { PipelineError } from './pipeline-error.js';

/** The largest PDF accepted by default: 50 MiB. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
/** How long opening a PDF or analyzing one page may take before it is given up. */
export const DEFAULT_PAGE_TIMEOUT_MS = 30_000;

export type OpenOptions = { maxBytes?: number; signal?: AbortSignal; timeoutMs?: number };

/** The PDF header may follow up to 1024 bytes of junk (as readers allow). */
const HEADER_WINDOW = 1024;
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

export function hasPdfHeader(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length - PDF_MAGIC.length, HEADER_WINDOW);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < PDF_MAGIC.length; j++) if (bytes[i + j] !== PDF_MAGIC[j]) continue outer;
    return true;
  }
  return false;
}

type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/**
 * The predefined CMaps pdfjs ships (a directory, with the trailing separator pdfjs wants). Without them a font
 * that is not embedded and encoded with one (`UniJIS-UCS2-H`, `UniGB-UCS2-H`, `90ms-RKSJ-H`…, common in
 * Japanese, Chinese and Korean PDFs) gives no text at all.
 */
let cMapDir: string | null | undefined;
function cMapUrl(): string | undefined {
  if (cMapDir === undefined) {
    try {
      cMapDir =
        join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps') + sep;
    } catch {
      cMapDir = null; // pdfjs not installed as a package (bundled): without CMaps, as before
    }
  }
  return cMapDir ?? undefined;
}
let pdfjsLoaded: Promise<Pdfjs> | undefined;

/**
 * Built-ins that pdfjs's legacy build (its bundled core-js) replaces *globally* even where Node has them:
 * `JSON.stringify`/`JSON.parse` (for `JSON.rawJSON`), `Array.prototype.push`, Set methods... The replacements
 * are JavaScript, several times slower, and would slow every message the whole process encodes once a PDF was
 * opened. Whatever existed before the import is put back; only what was missing (e.g. `Promise.withResolvers`
 * on Node 20) keeps its polyfill.
 */
const GUARDED: object[] = [
  globalThis,
  JSON,
  Object,
  Array,
  Array.prototype,
  Promise,
  Map.prototype,
  Set.prototype,
  Math,
  Number,
  String.prototype,
  ArrayBuffer.prototype,
  Uint8Array,
  Uint8Array.prototype,
];

async function importKeepingBuiltins<T>(load: () => Promise<T>): Promise<T> {
  const saved = GUARDED.map((target) => {
    const own = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (d) own.set(key, d);
    }
    return { target, own };
  });
  try {
    return await load();
  } finally {
    for (const { target, own } of saved) {
      for (const [key, before] of own) {
        const now = Object.getOwnPropertyDescriptor(target, key);
        if (now && 'value' in before && !Object.is(now.value, before.value)) {
          Object.defineProperty(target, key, before);
        }
      }
    }
  }
}

/** pdfjs, loaded once, with its log limited to errors. The legacy build is the one meant for Node. */
export function loadPdfjs(): Promise<Pdfjs> {
  // In Node, pdfjs runs its parser in this thread (a "fake worker"). Its module is loaded here, under the same
  // guard, and handed over as `globalThis.pdfjsWorker` (which pdfjs looks for), so pdfjs does not import it
  // later by itself, unguarded.
  pdfjsLoaded ??= importKeepingBuiltins(async () => {
    const [pdfjs, worker] = await Promise.all([
      import('pdfjs-dist/legacy/build/pdf.mjs'),
      import('pdfjs-dist/legacy/build/pdf.worker.mjs'),
    ]);
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    return pdfjs;
  });
  return pdfjsLoaded;
}

/** Checks the size and header, then parses the PDF. Every failure is a `PipelineError` with its code. */
export async function openPdf(bytes: Uint8Array, opts: OpenOptions = {}): Promise<PDFDocumentProxy> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new PipelineError('not_pdf', 'expected the PDF as a Uint8Array');
  if (bytes.length > maxBytes) {
    throw new PipelineError('too_large', `the file is ${bytes.length} bytes, the limit is ${maxBytes}`);
  }
  if (bytes.length === 0 || !hasPdfHeader(bytes)) {
    throw new PipelineError('not_pdf', 'the file is not a PDF (no %PDF- header)');
  }
  const pdfjs = await loadPdfjs();
  let task: ReturnType<Pdfjs['getDocument']>;
  try {
    task = pdfjs.getDocument({
      // pdfjs may take ownership of the buffer it is given, and refuses a Buffer: hand it a plain copy.
      data: new Uint8Array(bytes),
      // Text extraction needs neither fonts in the page nor the standard font files nor eval'd glyph code, but
      // it does need the predefined CMaps (which codes are which characters).
      disableFontFace: true,
      useSystemFonts: false,
      isEvalSupported: false,
      useWorkerFetch: false,
      cMapUrl: cMapUrl(),
      cMapPacked: true,
      disableAutoFetch: true,
      disableStream: true,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
    });
  } catch (e) {
    throw toPipelineError(e);
  }
  // With no `onPassword` handler, an encrypted PDF rejects with a PasswordException (no waiting).
  let doc: PDFDocumentProxy;
  try {
    doc = await withDeadline(
      task.promise,
      opts.timeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS,
      opts.signal,
      () => new PipelineError('corrupt_pdf', 'the PDF took too long to open'),
    );
  } catch (e) {
    task.destroy().catch(() => {});
    throw toPipelineError(e);
  }
  if (doc.numPages < 1) {
    await doc.destroy().catch(() => {});
    throw new PipelineError('empty_pdf', 'the PDF has no pages');
  }
  return doc;
}

/** Maps what pdfjs throws while opening a PDF to a `PipelineError`. */
export function toPipelineError(e: unknown): PipelineError {
  if (e instanceof PipelineError) return e;
  const name = (e as { name?: unknown } | null)?.name;
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'PasswordException' || /password/i.test(message)) {
    return new PipelineError('encrypted_pdf', 'the PDF is encrypted and needs a password', { cause: e });
  }
  if (/no pages|page count/i.test(message)) {
    return new PipelineError('empty_pdf', 'the PDF has no pages', { cause: e });
  }
  return new PipelineError('corrupt_pdf', `the PDF cannot be parsed: ${message}`, { cause: e });
}
