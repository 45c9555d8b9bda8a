import type { TextContent } from 'pdfjs-dist/types/src/display/api.js';
import { describe, expect, it } from 'vitest';
import { textFrame, textTurn } from './text-frame.js';

/** A page's text content: runs of `str` along the direction (a, b) in user space. */
const content = (runs: { str: string; a: number; b: number }[]) =>
  ({
    items: runs.map(({ str, a, b }) => ({
      str,
      transform: [a, b, -b, a, 100, 100],
      width: 10,
      fontName: 'f',
    })),
    styles: {},
  }) as unknown as TextContent;

/** The page as shown of an unturned 612 × 792 page: y flipped. */
const toPage = (x: number, y: number): [number, number] => [x, 792 - y];

describe('textTurn', () => {
  it('turns a page only when most of its text clearly runs another way', () => {
    const body = { str: 'x'.repeat(300), a: 10, b: 0 };
    const up = (n: number) => ({ str: 'y'.repeat(n), a: 0, b: 10 });
    const down = (n: number) => ({ str: 'y'.repeat(n), a: 0, b: -10 });
    expect(textTurn(content([body]), toPage)).toBe(0);
    expect(textTurn(content([{ str: 'x'.repeat(300), a: -10, b: 0 }]), toPage)).toBe(2);
    // Text running up the page (a landscape table on a portrait page) and down it.
    expect(textTurn(content([up(400), { str: 'Page 3', a: 10, b: 0 }]), toPage)).toBe(3);
    expect(textTurn(content([down(400)]), toPage)).toBe(1);
    // A long rotated stamp beside a little upright text (a cover page): upright.
    expect(textTurn(content([{ str: 'A short title', a: 10, b: 0 }, up(40)]), toPage)).toBe(0);
    expect(textTurn(content([]), toPage)).toBe(0);
  });
});

describe('textFrame', () => {
  it('turns boxes into the frame and back', () => {
    const box = { x: 10, y: 20, w: 30, h: 40 };
    for (const turn of [0, 1, 2, 3] as const) {
      const f = textFrame({ width: 612, height: 792 }, turn);
      expect(f.toPageBox(f.toFrameBox(box))).toEqual(box);
    }
    // Text running down the page: the frame's top is the page's right edge.
    expect(textFrame({ width: 612, height: 792 }, 1).toFrameBox(box)).toEqual({
      x: 20,
      y: 572,
      w: 40,
      h: 30,
    });
  });
});
