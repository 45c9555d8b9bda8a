import { describe, expect, it } from 'vitest';
import { isGenericLabel, ZONE_EXCERPT_MAX, zoneExcerpt, zoneName } from './zone-name.js';

const revenue = 'Revenue grew by 12% in the third quarter, driven by exports.';

describe('zoneExcerpt', () => {
  it('gives a short text whole, with its whitespace made single spaces, and no ellipsis', () => {
    expect(zoneExcerpt('Results')).toBe('Results');
    expect(zoneExcerpt('  Net\n income \t rose ')).toBe('Net income rose');
    expect(zoneExcerpt('x'.repeat(ZONE_EXCERPT_MAX))).toBe('x'.repeat(ZONE_EXCERPT_MAX));
    expect(zoneExcerpt('')).toBe('');
    expect(zoneExcerpt(' \n ')).toBe('');
  });

  it('cuts a long text after a whole word, with an ellipsis, at most 24 characters in all', () => {
    expect(zoneExcerpt(revenue)).toBe('Revenue grew by 12% in…');
    // The word before the cut ends exactly where the room does: kept whole.
    expect(zoneExcerpt('abcdefghij klmnopqrstuv wxyz')).toBe('abcdefghij klmnopqrstuv…');
    // Punctuation left at the cut goes.
    expect(zoneExcerpt('Sales, costs, and margins, all of them')).toBe('Sales, costs, and…');
    for (const text of [revenue, 'a '.repeat(40), 'word '.repeat(30), `${'é'.repeat(30)} end`]) {
      const e = zoneExcerpt(text);
      expect([...e].length).toBeLessThanOrEqual(ZONE_EXCERPT_MAX);
      expect(e.endsWith('…')).toBe(true);
      // Never more than the text: what is quoted is where the text starts.
      expect(text.replace(/\s+/g, ' ').startsWith(e.slice(0, -1))).toBe(true);
    }
  });

  it('reads no further into a long text than it needs', () => {
    expect(zoneExcerpt(`  Total\n\n\n${' '.repeat(100)}revenue ${'x'.repeat(1_000_000)}`)).toBe(
      'Total revenue…',
    );
  });

  it('cuts a first word longer than the room inside it, and never splits a character', () => {
    expect(zoneExcerpt('Donaudampfschifffahrtsgesellschaft')).toBe('Donaudampfschifffahrtsg…');
    const emoji = '😀'.repeat(30);
    expect(zoneExcerpt(emoji)).toBe(`${'😀'.repeat(ZONE_EXCERPT_MAX - 1)}…`);
  });

  it('is its own excerpt (a notice carries one, and the reader cuts it again)', () => {
    for (const text of [revenue, 'Donaudampfschifffahrtsgesellschaft', 'short']) {
      expect(zoneExcerpt(zoneExcerpt(text))).toBe(zoneExcerpt(text));
    }
  });
});

describe('isGenericLabel', () => {
  it('is true for labels that say no more than a type (as the pipeline writes them), and no label', () => {
    for (const label of [
      'Paragraph',
      'Heading 2',
      'Table 3×4',
      'Numbered list',
      'Bulleted list',
      'figure',
      '',
    ]) {
      expect(isGenericLabel(label)).toBe(true);
    }
  });

  it('is false for a label with a word of its own', () => {
    for (const label of ['Intro', 'Revenue table', 'Heading: Results', 'Table 3 – Costs']) {
      expect(isGenericLabel(label)).toBe(false);
    }
  });
});

describe('zoneName', () => {
  it('names a zone whose label says no more than its type by type, page and first words', () => {
    expect(zoneName({ label: 'Paragraph', type: 'paragraph', page: 3, text: revenue })).toBe(
      'the paragraph on page 3 (“Revenue grew by 12% in…”)',
    );
    expect(zoneName({ label: 'Heading 2', type: 'heading', page: 1, text: 'Results' })).toBe(
      'the heading on page 1 (“Results”)',
    );
    expect(zoneName({ label: '', type: 'figure', page: 2, text: '' })).toBe('the figure on page 2');
    expect(zoneName({ type: 'other', page: 4, text: 'Footnote' })).toBe('the zone on page 4 (“Footnote”)');
  });

  it('names a zone by a distinctive label, with its type and page', () => {
    expect(zoneName({ label: 'Executive summary', type: 'paragraph', page: 3, text: revenue })).toBe(
      'the paragraph “Executive summary” on page 3',
    );
    expect(zoneName({ label: '  Intro ', type: 'other', page: 1 })).toBe('the zone “Intro” on page 1');
    // An old notice carried only the label.
    expect(zoneName({ label: 'Intro' })).toBe('the zone “Intro”');
    expect(zoneName({ label: 'Paragraph' })).toBe('the zone “Paragraph”');
    // A long label is quoted in part.
    expect(zoneName({ label: `Intro ${'very '.repeat(60)}long`, type: 'heading', page: 1 })).toMatch(
      /^the heading “Intro very( very)*…” on page 1$/,
    );
  });

  it('numbers pages from 1 (page 0 is the first page) and leaves out what it does not know', () => {
    expect(zoneName({ type: 'table', page: 0 })).toBe('the table on page 1');
    expect(zoneName({ type: 'list', text: 'Apples, pears' })).toBe('the list (“Apples, pears”)');
    expect(zoneName({ type: 'list', page: -1 })).toBe('the list');
    expect(zoneName({ type: 'diagram', page: 5 })).toBe('the zone on page 5');
    expect(zoneName({})).toBeUndefined();
    expect(zoneName({ label: '', text: '  ' })).toBeUndefined();
    expect(zoneName(undefined)).toBeUndefined();
  });
});
