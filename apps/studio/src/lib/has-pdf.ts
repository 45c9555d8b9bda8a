/** What tells whether a document has a PDF: the documents list's entry, and the document as far as it is known. */
export interface PdfClues {
  /** Its entry in the user's documents list (`GET /api/documents`), if it has one. */
  summary?: { status: string };
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
 * upload sets `meta.processing` before anyone can open it (PROTOCOL.md §13.12), a blank document never has it. A
 * document that cannot be opened now is taken to have one: the PDF is asked for, and may come from this browser's
 * copy (a blank document's 404 then says it has none).
 */
export function hasPdf({ summary, known, meta, unreachable }: PdfClues): boolean | undefined {
  if (summary) return summary.status !== 'blank';
  if (known) return meta.processing !== undefined;
  return unreachable ? true : undefined;
}
