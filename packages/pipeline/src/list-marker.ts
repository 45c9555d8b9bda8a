/** What starts a list item: a bullet, or a number / letter / roman numeral followed by `.` or `)`. */
export type ListMarker = { kind: 'bullet' | 'number'; marker: string; rest: string };

const BULLET = /^([•◦▪▫‣⁃○●■□➢►✓✔·])\s*(.*)$|^([-–—*+])\s+(.*)$/su;
const NUMBER = /^(\d{1,3}[.)]|\(\d{1,3}\)|[a-z][.)]|\([a-z]\)|[ivx]{1,5}[.)]|\([ivx]{1,5}\))\s+(.*)$/su;

/** The list marker a line starts with, or null. */
export function listMarker(text: string): ListMarker | null {
  const t = text.trimStart();
  const b = BULLET.exec(t);
  if (b) return { kind: 'bullet', marker: b[1] ?? b[3], rest: (b[2] ?? b[4]).trim() };
  const n = NUMBER.exec(t);
  if (n && n[2].trim() !== '') return { kind: 'number', marker: n[1], rest: n[2].trim() };
  return null;
}

/**
 * Whether `text` is nothing but a list marker (`•`, `1.`, `(iv)`): a list item's marker that the PDF draws a
 * hanging indent away from its text. Dashes and other ASCII bullets (`-`, `*`, `+`) count only when `dashes`:
 * alone in a table cell they usually mean "no value".
 */
export function isLoneMarker(text: string, dashes: boolean): boolean {
  const t = text.trim();
  const m = listMarker(`${t} x`);
  if (m?.rest !== 'x' || m.marker !== t) return false;
  return dashes || !/^[-–—*+]$/.test(t);
}
