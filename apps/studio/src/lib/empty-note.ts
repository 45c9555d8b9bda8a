import type { ProcessingStatus } from '@syncline/react';

/**
 * What the text pane says while a document has no zone: they may yet come from processing (a PDF queued or being
 * processed, or not known yet), or not (a blank document; processing done, stopped or failed).
 */
export function emptyNote(blank: boolean, status: ProcessingStatus): string | undefined {
  const draw = 'draw one on a page with “Draw zone”.';
  if (blank) return `No zones yet: ${draw}`;
  if (status === 'completed') return `Processing found no zones in this PDF: ${draw}`;
  if (status === 'cancelled' || status === 'failed') return `No zones: ${draw}`;
  return undefined; // they come as pages are processed
}
