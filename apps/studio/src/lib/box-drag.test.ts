import { describe, expect, it } from 'vitest';
import {
  dragBox,
  gestureOnto,
  HANDLE_PX,
  HANDLES,
  handleLayout,
  isDrag,
  KEY_STEP_LARGE,
  keyBox,
  keyDrag,
  minSize,
  moveBox,
  resizeBox,
  sameBox,
} from './box-drag.js';

const LETTER = { width: 612, height: 792 };
const A4 = { width: 595.28, height: 841.89 };
const box = { x: 100, y: 200, w: 300, h: 50 };

describe('moveBox', () => {
  it('moves a box by the drag, keeping its size, rounded to two decimals', () => {
    expect(moveBox(box, 10.123, -20.456, LETTER)).toEqual({ x: 110.12, y: 179.54, w: 300, h: 50 });
  });

  it('keeps the box on the page at every edge', () => {
    expect(moveBox(box, -500, -500, LETTER)).toEqual({ x: 0, y: 0, w: 300, h: 50 });
    expect(moveBox(box, 500, 1000, LETTER)).toEqual({ x: 312, y: 742, w: 300, h: 50 });
    // Page units with decimals: the box ends on the page's edge, not a hundredth past it.
    const moved = moveBox({ x: 10, y: 10, w: 100.333, h: 20 }, 1000, 0, A4);
    expect(moved.x + moved.w).toBeLessThanOrEqual(A4.width);
    expect(moved.x).toBe(494.94);
  });

  it('brings a box that reaches past the page (two users’ changes merged) back onto it, by a move or its edge', () => {
    const past = { x: 500, y: 100, w: 200, h: 50 }; // moved to the right edge by one, widened by the other
    expect(moveBox(past, 0, 1, LETTER)).toEqual({ x: 412, y: 101, w: 200, h: 50 });
    expect(resizeBox(past, 'e', -1, 0, LETTER)).toEqual({ x: 500, y: 100, w: 112, h: 50 });
  });

  it('puts a box larger than the page at its top-left corner', () => {
    expect(moveBox({ x: 5, y: 5, w: 700, h: 900 }, 10, 10, LETTER)).toEqual({ x: 0, y: 0, w: 700, h: 900 });
  });
});

describe('resizeBox', () => {
  it('moves only the edges of the handle', () => {
    expect(resizeBox(box, 'se', 20, 10, LETTER)).toEqual({ x: 100, y: 200, w: 320, h: 60 });
    expect(resizeBox(box, 'nw', 20, 10, LETTER)).toEqual({ x: 120, y: 210, w: 280, h: 40 });
    expect(resizeBox(box, 'ne', 20, 10, LETTER)).toEqual({ x: 100, y: 210, w: 320, h: 40 });
    expect(resizeBox(box, 'sw', 20, 10, LETTER)).toEqual({ x: 120, y: 200, w: 280, h: 60 });
    // An edge handle ignores the other direction.
    expect(resizeBox(box, 'e', 20, 99, LETTER)).toEqual({ x: 100, y: 200, w: 320, h: 50 });
    expect(resizeBox(box, 'n', 99, -20, LETTER)).toEqual({ x: 100, y: 180, w: 300, h: 70 });
    expect(resizeBox(box, 's', 99, 5.555, LETTER)).toEqual({ x: 100, y: 200, w: 300, h: 55.56 });
    expect(resizeBox(box, 'w', -0.004, 99, LETTER)).toEqual(box);
  });

  it('stops an edge at the page', () => {
    expect(resizeBox(box, 'nw', -1000, -1000, LETTER)).toEqual({ x: 0, y: 0, w: 400, h: 250 });
    expect(resizeBox(box, 'se', 1000, 1000, LETTER)).toEqual({ x: 100, y: 200, w: 512, h: 592 });
    const a4 = resizeBox(box, 'se', 1000, 1000, A4);
    expect(a4.x + a4.w).toBeLessThanOrEqual(A4.width);
    expect(a4.y + a4.h).toBeLessThanOrEqual(A4.height);
  });

  it('keeps the smallest size drawing allows instead of turning the box inside out', () => {
    expect(minSize(LETTER)).toEqual({ w: 6.12, h: 3.96 });
    expect(resizeBox(box, 'e', -1000, 0, LETTER)).toEqual({ x: 100, y: 200, w: 6.12, h: 50 });
    expect(resizeBox(box, 'w', 1000, 0, LETTER)).toEqual({ x: 393.88, y: 200, w: 6.12, h: 50 });
    expect(resizeBox(box, 'n', 0, 1000, LETTER)).toEqual({ x: 100, y: 246.04, w: 300, h: 3.96 });
    expect(resizeBox(box, 'se', -1000, -1000, LETTER)).toEqual({ x: 100, y: 200, w: 6.12, h: 3.96 });
    // A4's 1 % is 5.9528: rounded up, so the box is never under it.
    expect(resizeBox(box, 'e', -1000, 0, A4).w).toBe(5.96);
  });

  it('rounds a box with more decimals to two, as drawing does', () => {
    expect(resizeBox({ x: 10.004, y: 20.006, w: 30.001, h: 40 }, 'se', 0, 0, LETTER)).toEqual({
      x: 10,
      y: 20.01,
      w: 30.01,
      h: 40,
    });
  });
});

describe('dragBox', () => {
  it('moves for the body and resizes for a handle', () => {
    expect(dragBox(box, 'move', 5, 5, LETTER)).toEqual({ x: 105, y: 205, w: 300, h: 50 });
    expect(dragBox(box, 'se', 5, 5, LETTER)).toEqual({ x: 100, y: 200, w: 305, h: 55 });
  });
});

describe('isDrag', () => {
  it('is a click below a few pixels, more for a finger', () => {
    expect(isDrag(2, 2, 'mouse')).toBe(false);
    expect(isDrag(4, 0, 'mouse')).toBe(true);
    expect(isDrag(0, -5, 'pen')).toBe(true);
    expect(isDrag(5, 0, 'touch')).toBe(false);
    expect(isDrag(6, 6, 'touch')).toBe(true);
  });
});

describe('keyboard', () => {
  const plain = { shiftKey: false, altKey: false };
  it('moves by one page unit per arrow, ten with Shift', () => {
    expect(keyBox(box, 'ArrowRight', plain, LETTER)).toEqual({ x: 101, y: 200, w: 300, h: 50 });
    expect(keyBox(box, 'ArrowLeft', plain, LETTER)).toEqual({ x: 99, y: 200, w: 300, h: 50 });
    expect(keyBox(box, 'ArrowUp', { shiftKey: true, altKey: false }, LETTER)).toEqual({
      x: 100,
      y: 200 - KEY_STEP_LARGE,
      w: 300,
      h: 50,
    });
    expect(keyBox({ ...box, y: 741 }, 'ArrowDown', { shiftKey: true, altKey: false }, LETTER)?.y).toBe(742);
  });

  it('resizes by the bottom-right corner with Alt', () => {
    const alt = { shiftKey: false, altKey: true };
    expect(keyBox(box, 'ArrowRight', alt, LETTER)).toEqual({ x: 100, y: 200, w: 301, h: 50 });
    expect(keyBox(box, 'ArrowLeft', alt, LETTER)).toEqual({ x: 100, y: 200, w: 299, h: 50 });
    expect(keyBox(box, 'ArrowDown', { shiftKey: true, altKey: true }, LETTER)).toEqual({
      x: 100,
      y: 200,
      w: 300,
      h: 60,
    });
    expect(keyBox(box, 'ArrowUp', alt, LETTER)).toEqual({ x: 100, y: 200, w: 300, h: 49 });
    expect(keyBox({ ...box, h: 4 }, 'ArrowUp', alt, LETTER)?.h).toBe(3.96);
  });

  it('leaves other keys, and arrows with Ctrl or Cmd, alone', () => {
    expect(keyDrag('Enter', plain)).toBeNull();
    expect(keyDrag('toString', plain)).toBeNull();
    expect(keyDrag('ArrowLeft', { ...plain, ctrlKey: true })).toBeNull();
    expect(keyDrag('ArrowLeft', { ...plain, metaKey: true })).toBeNull();
    expect(keyBox(box, 'a', plain, LETTER)).toBeNull();
  });
});

describe('gestureOnto', () => {
  it('sends the coordinates the gesture changed, onto the box as another user left it meanwhile', () => {
    const moved = moveBox(box, 50, 0, LETTER);
    // Ben narrowed it while Ada dragged it across: moved and narrowed.
    expect(gestureOnto(box, moved, { ...box, w: 120 })).toEqual({ x: 150, y: 200, w: 120, h: 50 });
    // Ben moved it down meanwhile: Ada's x and y, both set by her drag, win.
    const across = moveBox(box, 50, 10, LETTER);
    expect(gestureOnto(box, across, { ...box, y: 400 })).toEqual(across);
    // A resize by the left edge sets x and w; a change of the height meanwhile stays.
    const left = resizeBox(box, 'w', -20, 0, LETTER);
    expect(gestureOnto(box, left, { ...box, h: 80 })).toEqual({ x: 80, y: 200, w: 320, h: 80 });
    // Nothing changed meanwhile: the gesture's box.
    expect(gestureOnto(box, left, box)).toEqual(left);
  });
});

describe('sameBox', () => {
  it('compares the four numbers', () => {
    expect(sameBox(box, { ...box })).toBe(true);
    expect(sameBox(box, { ...box, h: 51 })).toBe(false);
  });
});

describe('handleLayout', () => {
  const corners = ['nw', 'ne', 'se', 'sw'];
  it('puts all eight handles on the edge of a box large enough for them', () => {
    expect(handleLayout(300, 60, HANDLE_PX.fine)).toEqual({ handles: [...HANDLES], outside: false });
    expect(handleLayout(30, 30, HANDLE_PX.fine)).toEqual({ handles: [...HANDLES], outside: false });
  });

  it('leaves the inside of a small box to moving it: the corners outside the edge, no edge handles', () => {
    // The smallest box at 100 %: 6.12 × 3.96 px.
    const tiny = handleLayout(6.12, 3.96, HANDLE_PX.fine);
    expect(tiny).toEqual({ handles: corners, outside: true });
  });

  it('keeps the edge handles there is room for between the corners', () => {
    // A flat box (a line of text, or the smallest height): top and bottom handles, outside.
    expect(handleLayout(300, 5, HANDLE_PX.fine)).toEqual({ handles: ['n', 's', ...corners], outside: true });
    // A narrow one: the side handles.
    expect(handleLayout(8, 200, HANDLE_PX.fine)).toEqual({ handles: ['e', 'w', ...corners], outside: true });
  });

  it('makes room for a finger’s bigger handles', () => {
    expect(handleLayout(40, 40, HANDLE_PX.fine).outside).toBe(false);
    expect(handleLayout(40, 40, HANDLE_PX.coarse)).toEqual({ handles: corners, outside: true });
  });
});
