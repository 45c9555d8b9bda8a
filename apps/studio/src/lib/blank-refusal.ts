import { ApiError } from './api.js';

/** What Studio does when making a blank document failed: open the document after all, or tell the user why not. */
export type BlankRefusal = { open: string } | { problem: string };

/**
 * What follows a refused `createBlankDocument` of `name` (id `slug`, when the name has letters for one). A name taken
 * (409 `conflict`, reason `exists`) opens that document, as does a server without a catalogue (404) or none reachable:
 * the same name opens the same document. A deleted document's name (reason `deleted`) is never used again: the user
 * is told so and asked for another one, and the deleted document is not opened. Anything else is reported.
 */
export function blankRefusal(error: unknown, name: string, slug: string | undefined): BlankRefusal {
  if (error instanceof ApiError && error.code === 'conflict' && error.reason === 'deleted') {
    return {
      problem: `“${name}” was the name of a document that has been deleted, and a deleted document's name cannot be used again. Choose another name.`,
    };
  }
  const opensAnyway = !(error instanceof ApiError) || error.status === 404 || error.code === 'conflict';
  if (opensAnyway && slug) return { open: slug };
  return { problem: `Could not create the document: ${(error as Error).message}` };
}
