import type { Glyphs } from './text-items.js';

/** An invisible run under visible text for more than this share of its length is a second copy of that text. */
const MOSTLY = 0.5;
/** Runs on one line overlap across it by at least this share of the lower one's height. */
const SAME_LINE = 0.5;
/** Run pairs compared per page at most, per run on it (a pathological pile of runs at one spot stops there). */
const PAIRS_PER_RUN = 200;
/** Runs over one run that are measured at most (more is a pile no text makes: left unjudged). */
const MAX_OVER = 256;
/** Runs taller than this many times the median run are kept aside and compared with every run. */
const TALL = 4;

type Box = { x0: number; y0: number; x1: number; y1: number };

/**
 * The runs without the invisible ones (`invisible`: an OCR layer) that lie mostly under visible text: more than
 * half their length under visible runs on their line (overlapping it across by at least half the lower one's
 * height, so the size of an OCR layer's font, often a whole line high, does not matter). A page that had text before
 * it was run through OCR draws its words twice, visibly and invisibly over them, split differently (the visible
 * text word by word and the OCR layer by lines, a space or a hyphen apart, or misread), which `withoutRepeats`
 * cannot match by their strings. Where the page shows text, its invisible copy adds nothing a reader sees; where it
 * shows none (a scan and its OCR layer, a picture in a page of text), the invisible text is all there is, and kept.
 */
export function withoutCoveredInvisible(items: Glyphs[], check: () => void): Glyphs[] {
  if (!items.some((g) => g.invisible)) return items;
  const visible = items.filter((g) => !g.invisible);
  if (visible.length === 0) return items;
  const covers = new Covers(visible, items.length);
  return items.filter((g) => {
    if (!g.invisible) return true;
    check();
    return covers.covered(g) !== true;
  });
}

/**
 * Whether any run lies mostly under other runs: only then may a page hold a second layer of its text, and is it
 * worth reading the page's operator list to find out which runs are invisible.
 */
export function anyCovered(items: Glyphs[], check: () => void): boolean {
  if (items.length < 2) return false;
  const covers = new Covers(items, items.length);
  for (const g of items) {
    check();
    const c = covers.covered(g, g);
    if (c !== false) return true; // covered, or too many to tell (rather read the operator list)
  }
  return false;
}

const boxOf = (g: Glyphs): Box => ({
  x0: g.x,
  y0: g.y,
  // A run reported without width or height still has a place.
  x1: g.x + Math.max(g.w, 0.01),
  y1: g.y + Math.max(g.h, 0.01),
});

/**
 * Runs sorted by their top, to find those on a run's line: a run that overlaps another across has its top less than
 * the tallest run's height above the other's, so a binary search finds the few lines to compare with. Runs much
 * taller than the others (a drop cap, a broken font's box) would widen that window for all: they are kept aside and
 * compared with every run.
 */
class Covers {
  private readonly boxes: Box[];
  /** Indexes of the runs but the tall ones, by top. */
  private readonly order: number[];
  private readonly tops: Float64Array;
  private readonly tall: number[] = [];
  /** The height of the tallest run in `order`. */
  private readonly reach: number;
  /** Per run, the last query that saw it. */
  private readonly seen: Int32Array;
  private query = 0;
  private pairs = 0;
  private readonly maxPairs: number;

  constructor(
    private readonly runs: Glyphs[],
    pageRuns: number,
  ) {
    this.boxes = runs.map(boxOf);
    this.seen = new Int32Array(runs.length);
    this.maxPairs = PAIRS_PER_RUN * Math.max(pageRuns, 1000);
    const heights = this.boxes.map((b) => b.y1 - b.y0).sort((a, b) => a - b);
    const limit = TALL * (heights[heights.length >> 1] ?? 0);
    const order: number[] = [];
    let reach = 0;
    this.boxes.forEach((b, i) => {
      const h = b.y1 - b.y0;
      if (!(h <= limit) || !Number.isFinite(b.y0)) this.tall.push(i);
      else {
        order.push(i);
        reach = Math.max(reach, h);
      }
    });
    order.sort((a, b) => this.boxes[a].y0 - this.boxes[b].y0);
    this.order = order;
    this.tops = Float64Array.from(order, (i) => this.boxes[i].y0);
    this.reach = reach;
  }

  /**
   * Whether more than `MOSTLY` of `g`'s length lies under runs on its line (but `self`); undefined once the page
   * has used up its comparisons, or when more than `MAX_OVER` runs lie over it.
   */
  covered(g: Glyphs, self?: Glyphs): boolean | undefined {
    const t = boxOf(g);
    const length = t.x1 - t.x0;
    if (!(length > 0) || !Number.isFinite(length) || !Number.isFinite(t.y1 - t.y0)) return false;
    const q = ++this.query;
    const under: [number, number][] = [];
    let sum = 0;
    const consider = (i: number): boolean => {
      if (this.seen[i] === q) return true;
      this.seen[i] = q;
      if (++this.pairs > this.maxPairs) return false;
      if (this.runs[i] === self) return true;
      const b = this.boxes[i];
      const across = Math.min(t.y1, b.y1) - Math.max(t.y0, b.y0);
      if (across < SAME_LINE * Math.min(t.y1 - t.y0, b.y1 - b.y0)) return true;
      const x0 = Math.max(t.x0, b.x0);
      const x1 = Math.min(t.x1, b.x1);
      if (x1 > x0) {
        if (under.length === MAX_OVER) return false;
        under.push([x0, x1]);
        sum += x1 - x0;
      }
      return true;
    };
    for (const i of this.tall) if (!consider(i)) return undefined;
    // The runs whose top is at most `reach` above this one's and not below its bottom.
    let lo = 0;
    let hi = this.tops.length;
    const from = t.y0 - this.reach;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tops[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.tops.length && this.tops[k] <= t.y1; k++) {
      if (!consider(this.order[k])) return undefined;
    }
    // The sum counts twice where covering runs overlap each other (a fake bold's two passes): their union decides.
    return sum > MOSTLY * length && unionLength(under) > MOSTLY * length;
  }
}

/** The length of the union of intervals. */
export function unionLength(spans: [number, number][]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let length = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    length += b - Math.max(a, end);
    end = b;
  }
  return length;
}
