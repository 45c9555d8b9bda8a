import type { Zone } from '@syncline/doc';
import type { ExportProgress } from './export-progress.js';
import { listMarker } from './list-marker.js';

/**
 * Markdown in reading order: a comment marks each page; `Heading 1` zones become `#`, other headings `##`;
 * list lines become `- item` (numbered items keep their number: `1. item`); table rows are text lines;
 * captions are italic; figures a placeholder. Paragraph text that would read as Markdown syntax is escaped, and
 * zone text never reaches a renderer as HTML (`escapeHtml`).
 */
export async function toMarkdown(zones: Zone[], progress: ExportProgress): Promise<string> {
  const parts: string[] = [];
  let page = -1;
  for (let i = 0; i < zones.length; i++) {
    await progress.step(i);
    const z = zones[i];
    if (z.page !== page) {
      page = z.page;
      parts.push(`<!-- page ${page} -->`);
    }
    // A lone `\r` (or `\r\n`) ends a line for Markdown as `\n` does: left in, the next line's start would escape none
    // of the escaping below (a `# heading`, or a code fence that takes in the rest of the export).
    const text = escapeLinks(escapeHtml(z.text.replace(/\r\n?/g, '\n').trim()));
    if (text === '' && z.type !== 'figure') continue;
    switch (z.type) {
      case 'heading':
        // A closing run of `#` would be dropped from the heading ("Issue #" would read "Issue").
        parts.push(
          `${/^heading 1$/i.test(z.label) ? '#' : '##'} ${oneLine(text).replace(/(^|\s)(#+)$/, '$1\\$2')}`,
        );
        break;
      case 'list':
        // A blank line between items (an edited list) is no empty `- ` item.
        parts.push(
          text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map(listLine)
            .join('\n'),
        );
        break;
      case 'table':
        parts.push(
          text
            .split('\n')
            .map((l) => `${escapeLine(l.trim())}  `)
            .join('\n')
            .trimEnd(),
        );
        break;
      case 'caption':
        parts.push(`*${inEmphasis(text)}*`);
        break;
      case 'figure':
        parts.push(text === '' ? '*[Figure]*' : `*[Figure: ${inEmphasis(text)}]*`);
        break;
      default:
        parts.push(escapeLine(text.replace(/\n+/g, ' ')));
    }
  }
  return parts.length ? `${parts.join('\n\n')}\n` : '';
}

/**
 * Most Markdown renderers pass inline HTML through, so a PDF's `<script>` or `<img onerror=…>` would be HTML to
 * whoever renders the export. `<` becomes `&lt;` where it could open a tag, comment, declaration or autolink (before a
 * letter, `/`, `!` or `?`), `&` becomes `&amp;` where it would start an entity (`&copy;`, `&#60;`); elsewhere (`a < b`,
 * `AT&T`, `->`) they stay as they are, readable as plain text. `>` never opens HTML (at a line's start it is escaped as
 * a quote by `escapeLine`).
 */
function escapeHtml(s: string): string {
  return s.replace(/<(?=[A-Za-z/!?])|&(?=#\d+;|#[xX][\da-fA-F]+;|[A-Za-z][A-Za-z\d]*;)/g, (c) =>
    c === '<' ? '&lt;' : '&amp;',
  );
}

/**
 * Zone text never makes a link or an image either (a PDF's `[click](javascript:…)` would be a live link to whoever
 * renders the export, `![](https://…)` an image fetched from anywhere): `]` is escaped where a link's destination
 * would follow it (`](`; backslashes before it doubled, so that they do not undo that), and `escapeLine` escapes a line that would define a link (`[x]: url`), without which `[x]`
 * links nowhere.
 */
const escapeLinks = (s: string): string =>
  s.replace(/(\\*)\](?=\()/g, (_, backslashes: string) => `${backslashes}${backslashes}\\]`);

const oneLine = (s: string): string => s.replace(/\s+/g, ' ');

/**
 * Text between `*` and `*` (captions): on one line, its `*` escaped, and so are the backslashes before one and at the
 * end, which would otherwise escape that `*` or the closing one (`C:\temp\` would read `*C:\temp*`).
 */
const inEmphasis = (s: string): string =>
  oneLine(s)
    .replace(/\\+(?=\*|$)/g, (run) => run + run)
    .replace(/\*/g, '\\*');

function listLine(line: string): string {
  const t = line.trim();
  const m = listMarker(t);
  if (!m) return `- ${escapeLine(t)}`;
  const num = /^\(?(\d{1,3})[.)]\)?$/.exec(m.marker);
  if (m.kind === 'number' && num) return `${num[1]}. ${escapeLine(m.rest)}`;
  return m.kind === 'number' ? `- ${m.marker} ${m.rest}` : `- ${escapeLine(m.rest)}`;
}

/**
 * Escapes what would start a heading, quote, list, rule or code fence at the beginning of a line, a line that
 * would underline the line above it into a heading (`===`, `--`: a table's rows are consecutive lines), and one that
 * would define a link (`[x]: url`). The
 * backslash goes before the punctuation (`1990\. A year`): before a digit it would be shown as it is.
 */
function escapeLine(s: string): string {
  const ordered = /^(\d+)([.)])(\s|$)/.exec(s);
  if (ordered) return `${ordered[1]}\\${s.slice(ordered[1].length)}`;
  // A whole line of one of `-*_` (spaces between them too: `_ _ _`) is a rule, of `=` or `-` an underline; text after
  // them (`***bold***`, `---x`) is neither, and left as it is.
  if (/^(?:([-*_])(?:[ \t]*\1){2,}|=+|-+)[ \t]*$/.test(s) || /^\[[^\]]*\]:/.test(s)) return `\\${s}`;
  return s.replace(/^(#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|`{3,}|~{3,})/, '\\$1');
}
