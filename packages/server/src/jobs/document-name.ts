/** The longest document name kept, in characters (an upload's file name is cut there; a blank one's is refused). */
export const MAX_DOCUMENT_NAME = 256;

const isLoneSurrogate = (c: string) => c.length === 1 && c >= '\ud800' && c <= '\udfff';

/**
 * The name without control characters (they would garble a list, a log line or a `Content-Disposition`) nor half
 * characters (a lone surrogate, which no document takes as text).
 */
export const printable = (name: string): string =>
  [...name]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && !isLoneSurrogate(c))
    .join('');

/** An upload's file name as the document's name: printable, cut at `MAX_DOCUMENT_NAME` characters, never in one. */
export const uploadName = (name: string): string =>
  [...printable(name)].slice(0, MAX_DOCUMENT_NAME).join('') || 'document.pdf';
