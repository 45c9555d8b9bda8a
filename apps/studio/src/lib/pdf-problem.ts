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

/** The processing job's error code for a PDF it cannot read without its password (`useWebSocketProgress`'s `errorCode`). */
export const ENCRYPTED_PDF = 'encrypted_pdf';

/**
 * What the processing panel says of a job that failed for the PDF's password when the PDF's note does not say it
 * already: pdf.js here opened it (a PDF with only an owner's password, which restricts printing or copying, not
 * reading), or the PDF is not shown for another reason (offline, say).
 */
export const LOCKED_PDF_PROCESSING_NOTE =
  'The PDF is protected by a password, so processing cannot read it: upload a copy without the password to work on it.';

/**
 * How a processing failure is said, from its cause (`errorCode`, null while unknown) and the PDF's note: `said` when
 * the note says it already (a password, as pdf.js found: its failure would only repeat it); otherwise `message`, the
 * words to show for it (null: the job's own error message). A failure of another cause than the password is shown
 * even beside the password note: it is not the same thing. Without a code (a server that sends none), pdf.js's error is
 * all there is to go by, as before.
 */
export function processingFailure(
  errorCode: string | null,
  pdfNote: string | null,
): { said: boolean; message: string | null } {
  const locked = pdfNote === LOCKED_PDF_NOTE;
  if (errorCode === null) return { said: locked, message: null };
  if (errorCode !== ENCRYPTED_PDF) return { said: false, message: null };
  return { said: locked, message: locked ? null : LOCKED_PDF_PROCESSING_NOTE };
}

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
