/**
 * pdfjs's text of a letter-spaced run (tracked capitals, `S U M M A R Y`): it puts a space in every gap between glyphs
 * wider than a tenth of the font size, so a run whose letters are set apart comes out with a space between each two,
 * and a space the run did have (between its words) no longer tells. Such text is every letter apart, three or more.
 */
export function spacedOut(str: string): boolean {
  return /^\S( \S){2,}$/u.test(str);
}

/** A glyph as placed on the page: its text, its origin and where its advance ends, and whether a space came first. */
export type PlacedGlyph = {
  text: string;
  x: number;
  y: number;
  ex: number;
  ey: number;
  spaceBefore: boolean;
};

/** A gap this much (times the font size) wider than the run's usual gap between letters is a space between words. */
const WORD_GAP = 0.2;

/**
 * The text of a spaced-out run (`str`, pdfjs's) rebuilt from its glyphs (`glyphs`, from its first on, in the order
 * drawn; `em`, its font size on the page): its letters joined, with a space where the page drew a space glyph or left a
 * gap wider than its usual gap between letters (the median) by `WORD_GAP`. Undefined when the glyphs' letters are not
 * the run's (a ligature pdfjs expanded, glyphs it did not read as this run): pdfjs's text is then kept.
 */
export function respace(
  str: string,
  em: number,
  glyphs: (i: number) => PlacedGlyph | undefined,
): string | undefined {
  const letters = str.replace(/ /g, '');
  const run: PlacedGlyph[] = [];
  let count = 0;
  while (count < letters.length) {
    const g = glyphs(run.length);
    if (g === undefined) return undefined;
    run.push(g);
    count += [...g.text].length;
  }
  const gaps = run.slice(1).map((g, i) => {
    const p = run[i];
    const along = Math.hypot(p.ex - p.x, p.ey - p.y);
    // The gap along the writing direction (from where the glyph before ends to where this one starts).
    return along > 0
      ? ((g.x - p.ex) * (p.ex - p.x) + (g.y - p.ey) * (p.ey - p.y)) / along
      : Math.hypot(g.x - p.ex, g.y - p.ey);
  });
  const usual = [...gaps].sort((a, b) => a - b)[gaps.length >> 1] ?? 0;
  let text = run[0].text;
  for (let i = 1; i < run.length; i++) {
    if (run[i].spaceBefore || gaps[i - 1] > usual + WORD_GAP * em) text += ' ';
    text += run[i].text;
  }
  const same = (a: string) => a.replace(/\s/g, '').normalize('NFKC');
  return same(text) === same(letters) ? text : undefined;
}
