/**
 * Why a PDF could not be processed. Each code has one meaning:
 * - `not_pdf`: the bytes do not start with a PDF header (`%PDF-`).
 * - `corrupt_pdf`: a PDF header, but the file cannot be parsed (truncated, broken cross-reference table).
 * - `encrypted_pdf`: the PDF needs a password.
 * - `empty_pdf`: the PDF has no pages.
 * - `too_large`: the file is bigger than `maxBytes`.
 * - `cancelled`: the caller's `AbortSignal` fired.
 * - `worker_failed`: the analysis worker thread died (out of memory, crashed); running again may help.
 */
export type PipelineErrorCode =
  | 'not_pdf'
  | 'corrupt_pdf'
  | 'encrypted_pdf'
  | 'empty_pdf'
  | 'too_large'
  | 'cancelled'
  | 'worker_failed';

/** Whether running the same input again may succeed (bad input never does). */
const RECOVERABLE: Record<PipelineErrorCode, boolean> = {
  not_pdf: false,
  corrupt_pdf: false,
  encrypted_pdf: false,
  empty_pdf: false,
  too_large: false,
  cancelled: true,
  worker_failed: true,
};

export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly code: PipelineErrorCode;
  readonly recoverable: boolean;

  constructor(code: PipelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.recoverable = RECOVERABLE[code];
  }
}

export function isPipelineError(x: unknown): x is PipelineError {
  return x instanceof PipelineError;
}

export function cancelledError(): PipelineError {
  return new PipelineError('cancelled', 'cancelled');
}

/** Throws `cancelled` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
