/** What tells whether a document has a PDF: the documents list's entry, and the document as far as it is known. */
export interface PdfClues {
  /** Its entry in the user's documents list (`GET /api/documents`), if it has one. */
  summary?: { status: string };
  /**
   * It is one of the blank documents of mine this browser remembers (blank-documents.ts): one made here offline, not
   * on the server yet, or one the server's list does not have yet. Blank: it has no PDF.
   */
  blank?: boolean;
  /** Its content is known: open on the server, or shown from this browser's copy. */
  known: boolean;
  /** Its `meta` (as far as it is known). */
  meta: Readonly<Record<string, unknown>>;
  /** It cannot be opened now: offline, reconnecting, or failed. */
  unreachable: boolean;
}

/**
 * Whether a document has a PDF to fetch (`GET /api/documents/:id/file`), or `undefined` while that cannot be told.
 * The documents list says so (`status: "blank"` has none); otherwise the document does once its content is known: an
 * upload sets `meta.processing` before anyone can open it (PROTOCOL.md §13.12), a blank document never has it. A blank
 * document this browser remembers has none either, from the start: offline (one made here offline is not on the
 * server) it is not taken for a PDF that cannot be loaded. Any other document that cannot be opened now is taken to
 * have one: the PDF is asked for, and may come from this browser's copy (a blank document's 404 then says it has none).
 */
export function hasPdf({ summary, blank, known, meta, unreachable }: PdfClues): boolean | undefined {
  if (summary) return summary.status !== 'blank';
  if (known) return meta.processing !== undefined;
  if (blank) return false;
  return unreachable ? true : undefined;
}
