/** The longest document name kept, in characters (an upload's file name is cut there; a blank one's is refused). */
export const MAX_DOCUMENT_NAME = 256;

/** The name without control characters (they would garble a list, a log line or a `Content-Disposition`). */
export const printable = (name: string): string =>
  [...name].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('');
