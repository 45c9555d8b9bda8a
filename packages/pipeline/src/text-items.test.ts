import { describe, expect, it } from 'vitest';
import { glyphRun } from './testing/glyph-run.js';
import { cleanText, type Glyphs, withoutRepeats } from './text-items.js';

const run = glyphRun;
const texts = (items: Glyphs[]) => withoutRepeats(items, () => {}).map((g) => `${g.str}@${g.x}`);

describe('cleanText', () => {
  it('drops control characters and composes accents apart from their letters (NFC), as a user types them', () => {
    expect(cleanText('cafe\u0301 \u0000de\u0301ja\u0300\u0007')).toBe('café déjà');
    expect(cleanText('cafe\u0301')).toHaveLength(4);
    // Hangul drawn as jamo becomes its syllable; text already composed is left as it is.
    expect(cleanText('\u1112\u1161\u11ab')).toBe('한');
    expect(cleanText('Noël ﬁ 日本')).toBe('Noël ﬁ 日本');
  });
});

describe('withoutRepeats', () => {
  it('drops a run drawn again over itself: a fake bold, a smaller invisible OCR copy far right on a page', () => {
    expect(
      texts([
        run('Hello world', 72, 100),
        run('Hello world', 72.4, 100),
        run('Hello world', 72.8, 100.3),
        // The page's largest type sets its grid: a copy at another size must still be found next to its original.
        run('Title', 72, 40, 36),
        run('Scanned words', 599, 200, 12),
        run('Scanned words', 599.5, 200.4, 11.5),
      ]),
    ).toEqual(['Hello world@72', 'Title@72', 'Scanned words@599']);
  });

  it('keeps glyphs drawn one by one, a dot leader, the same word elsewhere, and other text at the same place', () => {
    const items = [
      // `all` as three runs: the second `l` starts a third of an em after the first.
      run('a', 72, 100, 12, 6.67),
      run('l', 78.67, 100, 12, 2.66),
      run('l', 81.33, 100, 12, 2.66),
      ...Array.from({ length: 5 }, (_, i) => run('.', 120 + i * 3.34, 100, 12, 3.34)),
      run('word', 72, 130),
      run('word', 72, 160),
      run('word', 110, 130),
      run('other', 72, 190),
      run('text', 72, 190),
    ];
    expect(withoutRepeats(items, () => {})).toEqual(items);
  });
});
