import { ApiError } from './api.js';

/**
 * Why a document's PDF is not shown, as a note for the user, and whether asking again once the connection is back
 * may help (`unreachable`: no answer, or the server down or failing). The browser's own words ("Failed to fetch")
 * mean nothing to a user: they are never shown.
 */
export function pdfProblem(error: unknown): { note: string; unreachable: boolean } {
  if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) {
    return {
      note: 'The PDF could not be loaded (the server cannot be reached): showing blank pages. It will load when the connection is back.',
      unreachable: true,
    };
  }
  if (error.status === 403) {
    return {
      note: 'The PDF could not be loaded (you do not have access to its file): showing blank pages.',
      unreachable: false,
    };
  }
  return { note: `The PDF could not be loaded (${error.message}): showing blank pages.`, unreachable: false };
}

/** The note for a file the server gave but pdf.js cannot read (damaged, or not a PDF): asking again will not help. */
export const UNREADABLE_PDF_NOTE =
  'The PDF cannot be displayed (the file is damaged or not a PDF): showing blank pages.';

/**
 * The note for a PDF protected by a password: neither pdf.js here nor processing can read it (processing fails, and its
 * failure says no more than this note, see `ProcessingPanel`'s `failureSaid`).
 */
export const LOCKED_PDF_NOTE =
  'The PDF is protected by a password: it can neither be displayed nor processed, so its pages are blank. Upload a copy without the password to work on it.';

/**
 * The note for a file the server gave that pdf.js could not open (`error`, what it threw): one protected by a password
 * says so (pdf.js's `PasswordException`), not that the file is damaged.
 */
export function unreadablePdfNote(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'PasswordException' ? LOCKED_PDF_NOTE : UNREADABLE_PDF_NOTE;
}

/** The wait before asking again for a PDF the server could not give, after `tries` such failures (0.5 s, 1 s, … 30 s). */
export function pdfRetryDelay(tries: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, tries - 1));
}
