import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import {
  LOCKED_PDF_NOTE,
  LOCKED_PDF_PROCESSING_NOTE,
  pdfProblem,
  pdfRetryDelay,
  processingFailure,
  UNREADABLE_PDF_NOTE,
  unreadablePdfNote,
} from './pdf-problem.js';

describe('pdfProblem', () => {
  it('says the server cannot be reached, not the browser’s "Failed to fetch", and that it will load later', () => {
    const p = pdfProblem(new TypeError('Failed to fetch'));
    expect(p.unreachable).toBe(true);
    expect(p.note).not.toContain('Failed to fetch');
    expect(p.note).toBe(
      'The PDF could not be loaded (the server cannot be reached): showing blank pages. It will load when the connection is back.',
    );
    expect(pdfProblem(new ApiError(502, '502', 'the server answered 502')).unreachable).toBe(true);
  });

  it('takes a refusal as the server’s word: no retry', () => {
    const p = pdfProblem(new ApiError(403, 'forbidden', 'no access'));
    expect(p.unreachable).toBe(false);
    expect(p.note).toContain('you do not have access');
  });
});

describe('unreadablePdfNote', () => {
  it('says that a PDF protected by a password is, not that it is damaged', () => {
    // As pdf.js rejects `getDocument` for a PDF that needs a password (its `PasswordException`).
    const error = Object.assign(new Error('No password given'), { name: 'PasswordException', code: 1 });
    expect(unreadablePdfNote(error)).toBe(LOCKED_PDF_NOTE);
    expect(LOCKED_PDF_NOTE).not.toContain('damaged');
  });

  it('says that any other file pdf.js cannot open is damaged or not a PDF', () => {
    const error = Object.assign(new Error('Invalid PDF structure.'), { name: 'InvalidPDFException' });
    expect(unreadablePdfNote(error)).toBe(UNREADABLE_PDF_NOTE);
    expect(unreadablePdfNote('nonsense')).toBe(UNREADABLE_PDF_NOTE);
  });
});

describe('pdfRetryDelay', () => {
  it('backs off from half a second to at most 30 s', () => {
    expect([1, 2, 3].map(pdfRetryDelay)).toEqual([500, 1000, 2000]);
    expect(pdfRetryDelay(20)).toBe(30_000);
  });
});

describe('processingFailure', () => {
  it('is said by the PDF’s note when both pdf.js and processing found the password', () => {
    expect(processingFailure('encrypted_pdf', LOCKED_PDF_NOTE)).toEqual({ said: true, message: null });
  });

  it('says the password in its own words when pdf.js opened the PDF (only an owner’s password), or it is not shown', () => {
    expect(processingFailure('encrypted_pdf', null)).toEqual({
      said: false,
      message: LOCKED_PDF_PROCESSING_NOTE,
    });
    expect(processingFailure('encrypted_pdf', UNREADABLE_PDF_NOTE)).toEqual({
      said: false,
      message: LOCKED_PDF_PROCESSING_NOTE,
    });
  });

  it('shows a failure of another cause, even beside the password note', () => {
    expect(processingFailure('worker_failed', LOCKED_PDF_NOTE)).toEqual({ said: false, message: null });
    expect(processingFailure('corrupt_pdf', null)).toEqual({ said: false, message: null });
  });

  it('goes by pdf.js’s error alone while the job’s code is not known', () => {
    expect(processingFailure(null, LOCKED_PDF_NOTE)).toEqual({ said: true, message: null });
    expect(processingFailure(null, null)).toEqual({ said: false, message: null });
  });
});
