import { describe, expect, it } from 'vitest';
import { layoutPage } from './layout.js';
import { listMarker } from './list-marker.js';
import type { Glyphs } from './text-items.js';

/** A text run as pdfjs reports it, at baseline `base` (from the top); widths approximate Helvetica. */
const run = (str: string, x: number, base: number, size = 11, font = 'regular'): Glyphs => ({
  str,
  x,
  y: base - 0.718 * size,
  w: str.length * size * 0.5,
  h: 0.925 * size,
  base,
  size,
  font,
});

const body = (base: number, n = 3) =>
  Array.from({ length: n }, (_, i) =>
    run(`body text line ${i} of a paragraph that runs on`, 72, base + i * 14),
  );

const noop = () => {};

describe('layoutPage', () => {
  it('calls a lone numbered line in large type a heading, and numbered lines in body type a list', () => {
    const zones = layoutPage(
      [
        run('1. Introduction', 72, 80, 16, 'bold'),
        ...body(110),
        run('1. first item', 90, 170),
        run('2. second item', 90, 186),
      ],
      [],
      noop,
    );
    expect(zones.map((z) => [z.type, z.label, z.text])).toEqual([
      ['heading', 'Heading 2', '1. Introduction'],
      ['paragraph', 'Paragraph', expect.stringContaining('body text line 0')],
      ['list', 'Numbered list', '1. first item\n2. second item'],
    ]);
  });

  it('is unsure about text only slightly larger than the body, and about a lone line in another font', () => {
    const zones = layoutPage(
      [
        ...body(80, 4),
        run('Slightly larger text here', 72, 160, 12),
        run('Run-in title', 72, 200, 11, 'bold'),
        ...body(220),
      ],
      [],
      noop,
    );
    const slight = zones.find((z) => z.text === 'Slightly larger text here')!;
    expect([slight.type, slight.confidence]).toEqual(['paragraph', 0.6]);
    const runIn = zones.find((z) => z.text === 'Run-in title')!;
    expect([runIn.type, runIn.label, runIn.confidence]).toEqual(['heading', 'Heading 3', 0.5]);
  });

  it('finds a table by aligned short cells, with more confidence for more rows', () => {
    const rows = (n: number, base: number) =>
      Array.from({ length: n }, (_, i) => [
        run(`name ${i}`, 72, base + i * 16),
        run(String(i * 7), 300, base + i * 16),
      ]).flat();
    const small = layoutPage([...body(60), ...rows(2, 120)], [], noop).find((z) => z.type === 'table')!;
    const large = layoutPage([...body(60), ...rows(6, 120)], [], noop).find((z) => z.type === 'table')!;
    expect(small.text).toBe('name 0 | 0\nname 1 | 7');
    expect(large.label).toBe('Table 6×2');
    expect(large.confidence).toBeGreaterThan(small.confidence);
  });

  it('reads list items whose marker stands a hanging indent away from their text as a list, not a table', () => {
    // A hanging indent: the text 26 pt right of its marker, a gap wider than the one between a table's cells.
    const items = ['the first item of the list', 'a second item that is longer', 'third'];
    const list = (markers: string[], base: number) =>
      markers.flatMap((m, i) => [run(m, 90, base + i * 14), run(items[i], 116, base + i * 14)]);
    const zones = layoutPage(
      [...body(60), ...list(['•', '•', '•'], 120), ...list(['1.', '2.', '3.'], 180)],
      [],
      noop,
    );
    expect(zones.map((z) => [z.type, z.text])).toEqual([
      ['paragraph', expect.stringContaining('body text line 0')],
      ['list', '• the first item of the list\n• a second item that is longer\n• third'],
      ['list', '1. the first item of the list\n2. a second item that is longer\n3. third'],
    ]);
    // A dash in a table's cell (no value) is not a list marker.
    const table = layoutPage(
      [0, 1, 2].flatMap((i) => [
        run(`row ${i}`, 72, 300 + i * 16),
        run(i === 1 ? '-' : String(i * 7), 200, 300 + i * 16),
        run(String(i * 3), 230, 300 + i * 16),
      ]),
      [],
      noop,
    );
    expect(table.map((z) => [z.type, z.text])).toEqual([
      ['table', 'row 0 | 0 | 0\nrow 1 | - | 3\nrow 2 | 14 | 6'],
    ]);
  });

  it('keeps two justified columns apart when their gutter is narrower than a table cell gap', () => {
    // LaTeX's two-column article: 10 pt type, columns 10 pt apart, lines on the same baselines. A justified
    // line ends at its column's edge, so the gap between the columns on each row is just the gutter (1 em).
    const left = (i: number) => `left column line ${i} of running text`;
    const right = (i: number) => `right column line ${i} of more text`;
    const items = Array.from({ length: 6 }, (_, i) => [
      run(left(i), 200 - left(i).length * 5, 100 + i * 12, 10),
      run(right(i), 210, 100 + i * 12, 10),
    ]).flat();
    const zones = layoutPage(items, [], noop);
    expect(zones.map((z) => [z.type, z.text])).toEqual([
      ['paragraph', Array.from({ length: 6 }, (_, i) => left(i)).join(' ')],
      ['paragraph', Array.from({ length: 6 }, (_, i) => right(i)).join(' ')],
    ]);
    // Words of one line that pdfjs happens to report apart (a wide justified space) stay one line.
    const words = layoutPage(
      [0, 1, 2].flatMap((i) => [
        run('some words', 72 + i * 9, 200 + i * 12, 10),
        run('then more', 130 + i * 9, 200 + i * 12, 10),
      ]),
      [],
      noop,
    );
    expect(words.map((z) => z.text)).toEqual([
      'some words then more some words then more some words then more',
    ]);
  });

  it('joins a word hyphenated at a line end, with a hyphen-minus or a Unicode hyphen, without a space', () => {
    const zones = layoutPage(
      [
        run('A paragraph whose first line ends in a hyph-', 72, 100),
        run('enated word and whose second in an\u2010', 72, 114),
        run('other one, and a third line ends plainly', 72, 128),
      ],
      [],
      noop,
    );
    expect(zones.map((z) => z.text)).toEqual([
      'A paragraph whose first line ends in a hyph-enated word and whose second in an\u2010other one, and a third line ends plainly',
    ]);
  });

  it('makes a figure zone of an image and a caption of the text right below it', () => {
    const figure = { x: 72, y: 100, w: 200, h: 120 };
    const zones = layoutPage([run('A chart of the results', 72, 235, 9), ...body(300)], [figure], noop);
    expect(zones.map((z) => z.type)).toEqual(['figure', 'caption', 'paragraph']);
    expect(zones[1].confidence).toBe(0.75);
  });
});

describe('listMarker', () => {
  it('recognizes bullets and numbering, not ordinary text', () => {
    expect(listMarker('• item')).toMatchObject({ kind: 'bullet', rest: 'item' });
    expect(listMarker('- item')).toMatchObject({ kind: 'bullet', rest: 'item' });
    expect(listMarker('12) item')).toMatchObject({ kind: 'number', marker: '12)' });
    expect(listMarker('(iv) item')).toMatchObject({ kind: 'number', marker: '(iv)' });
    expect(listMarker('b. item')).toMatchObject({ kind: 'number', marker: 'b.' });
    expect(listMarker('-5 degrees')).toBeNull();
    expect(listMarker('2024 was a year')).toBeNull();
    expect(listMarker('3.5 million')).toBeNull();
  });
});
