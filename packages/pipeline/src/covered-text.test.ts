import { describe, expect, it } from 'vitest';
import { anyCovered, unionLength, withoutCoveredInvisible } from './covered-text.js';
import { glyphRun } from './testing/glyph-run.js';
import type { Glyphs } from './text-items.js';

const run = glyphRun;
const hidden = (g: Glyphs): Glyphs => ({ ...g, invisible: true });
/** Visible words of `text`, `gap` units apart, from `x`. */
const words = (text: string, x: number, base: number, gap = 8): Glyphs[] => {
  let at = x;
  return text.split(' ').map((w) => {
    const g = run(w, at, base);
    at += g.w + gap;
    return g;
  });
};
const noop = () => {};
const texts = (items: Glyphs[]) => withoutCoveredInvisible(items, noop).map((g) => g.str);

describe('withoutCoveredInvisible', () => {
  it('drops an invisible line over visible words, whatever its text and however tall its font', () => {
    const visible = words('Scanned pages carry text', 72, 100);
    const end = visible[3].x + visible[3].w;
    // An OCR line over them, its font twice as tall and sitting higher (a line-high OCR font), its text misread.
    const ocr = { ...hidden(run('Scanned paqes carry  text', 72.5, 100.5)), w: end - 72.5, y: 80, h: 22 };
    expect(texts([...visible, ocr])).toEqual(['Scanned', 'pages', 'carry', 'text']);
    // In whichever order they are drawn; and invisible words over one visible line go too.
    expect(texts([ocr, ...visible])).toEqual(['Scanned', 'pages', 'carry', 'text']);
    const line = run('Scanned pages carry text', 72, 130);
    expect(texts([line, ...words('Scanned pages carry text', 72.3, 130.2, 6).map(hidden)])).toEqual([
      'Scanned pages carry text',
    ]);
  });

  it('keeps invisible text with no visible text over it, or with visible text over half of it or less', () => {
    const scan = [hidden(run('Only an OCR layer here', 72, 100)), hidden(run('and here', 72, 114))];
    expect(texts(scan)).toEqual(['Only an OCR layer here', 'and here']);
    // Visible text elsewhere, on the lines above and below (touching), or beside it.
    const items = [
      run('Visible above', 72, 88),
      hidden(run('Invisible line', 72, 100)),
      run('Visible below', 72, 112),
      run('Beside', 200, 100),
    ];
    expect(texts(items)).toEqual(['Visible above', 'Invisible line', 'Visible below', 'Beside']);
    // A short visible word under the start of a long OCR line: most of the line shows nothing.
    const long = [run('Short', 72, 100), hidden(run('Short text that OCR read past it', 72, 100))];
    expect(texts(long)).toEqual(['Short', 'Short text that OCR read past it']);
  });

  it('counts visible runs drawn over each other (a fake bold) once', () => {
    // Two passes over the same third of the invisible line: a third is covered, not two thirds.
    const items = [
      run('Bold', 72, 100),
      run('Bold', 72.4, 100),
      hidden(run('Bold and more text', 72, 100, 12, 72)),
    ];
    expect(texts(items)).toEqual(['Bold', 'Bold', 'Bold and more text']);
  });

  it('never drops visible text, even under invisible text', () => {
    const items = [hidden(run('An OCR line', 72, 100)), run('An', 72, 100), run('OCR line', 90, 100)];
    expect(texts(items)).toEqual(['An', 'OCR line']);
    expect(texts([run('Visible', 72, 100), hidden(run('Vis', 72, 100, 12, 20))])).toEqual(['Visible']);
  });

  it('judges every line of a large page, and leaves a pile of runs at one spot as it is', () => {
    // 3 000 lines of 12 visible words, an OCR line over each: all of the OCR lines go.
    const page = Array.from({ length: 3000 }, (_, l) => {
      const line = words(
        'one two three four five six seven eight nine ten eleven twelve',
        50,
        50 + l * 14,
        6,
      );
      const end = line[11].x + line[11].w;
      return [...line, hidden(run('ocr', 50.3, 50.2 + l * 14, 12, end - 50.3))];
    }).flat();
    const kept = withoutCoveredInvisible(page, noop);
    expect(kept).toHaveLength(36_000);
    expect(kept.some((g) => g.invisible)).toBe(false);
    // 20 000 invisible and 20 000 visible runs at one spot: no text is drawn like that, and more than a few hundred
    // runs over one are not measured, so the pile is left as it is.
    const pile = Array.from({ length: 40_000 }, (_, i) => {
      const g = run(`r${i}`, 72 + (i % 3) * 0.1, 100, 12, 0.5);
      return i % 2 === 0 ? hidden(g) : g;
    });
    expect(withoutCoveredInvisible(pile, noop)).toHaveLength(40_000);
  });
});

describe('anyCovered', () => {
  it('tells whether a run lies mostly under others', () => {
    expect(anyCovered([run('Hello', 72, 100), run('world', 110, 100), run('Below', 72, 114)], noop)).toBe(
      false,
    );
    expect(anyCovered([run('Hello world', 72, 100), run('Hello', 72.5, 100.4)], noop)).toBe(true);
    expect(anyCovered([run('Alone', 72, 100)], noop)).toBe(false);
  });
});

describe('unionLength', () => {
  it('measures overlapping spans once', () => {
    expect(
      unionLength([
        [0, 10],
        [5, 12],
        [20, 25],
        [21, 22],
      ]),
    ).toBe(17);
    expect(unionLength([])).toBe(0);
  });
});
