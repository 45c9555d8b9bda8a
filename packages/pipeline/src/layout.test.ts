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
