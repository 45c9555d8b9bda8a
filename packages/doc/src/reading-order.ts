import type { BBox } from './zone.js';

type Placed = { page: number; bbox: BBox; id?: string };

/** The smallest gap (page units) that separates two columns. */
const MIN_COLUMN_GAP = 4;

/**
 * Zones in reading order: by page, then within a page by recursive XY-cut: columns (a vertical gap no zone
 * crosses) left to right, else bands (a horizontal gap) top to bottom, recursing into each part. A
 * full-width heading therefore splits a page into bands, and the columns below it are read one after the
 * other. Ties (overlapping zones that no cut separates) are read top to bottom, left to right, then by id,
 * so the order is deterministic. Returns a new array.
 */
export function readingOrder<T extends Placed>(zones: readonly T[]): T[] {
  const byPage = new Map<number, T[]>();
  for (const z of zones) {
    const list = byPage.get(z.page);
    if (list) list.push(z);
    else byPage.set(z.page, [z]);
  }
  const out: T[] = [];
  for (const page of [...byPage.keys()].sort((a, b) => a - b)) xyCut(byPage.get(page)!, out);
  return out;
}

/** A stored zone: the analysis' reading `order` within its page when the analysis made it (see `Zone.order`). */
type Ordered = Placed & { order?: unknown };

const hasOrder = (z: Ordered): z is Ordered & { order: number } =>
  typeof z.order === 'number' && Number.isFinite(z.order);

/**
 * A document's zones in reading order, the one order everything shows them in (the pipeline's exports, Studio's
 * zone list and its "zone n" numbers): by page, and within a page as the layout analysis read them
 * where it made them (`order`; it read a turned page or vertical writing upright, which the boxes as they sit on
 * the page no longer tell), else by `readingOrder`. On a page that mixes both (zones people drew or moved, which
 * have no `order`), each zone without an order stays right after the zone it follows in `readingOrder`: the run of
 * zones from one zone with an order up to the next moves with it (zones before the first stay first), and the runs
 * are put in the order of their zones' `order`. A page whose analysis order is its geometric one (any upright
 * page), and a document without orders (stored before zones kept theirs), read exactly as by `readingOrder`, so
 * their RAG chunks keep their ids. Returns a new array.
 */
export function documentOrder<T extends Ordered>(zones: readonly T[]): T[] {
  const geometric = readingOrder(zones);
  if (!geometric.some(hasOrder)) return geometric;
  const out: T[] = [];
  for (let start = 0; start < geometric.length; ) {
    const page = geometric[start].page;
    let end = start;
    while (end < geometric.length && geometric[end].page === page) end++;
    const lead: T[] = [];
    const runs: { order: number; at: number; zones: T[] }[] = [];
    for (let i = start; i < end; i++) {
      const z = geometric[i];
      if (hasOrder(z)) runs.push({ order: z.order, at: i, zones: [z] });
      else (runs.at(-1)?.zones ?? lead).push(z);
    }
    // Equal orders (a zone copied by hand with its order) keep their geometric order.
    runs.sort((a, b) => a.order - b.order || a.at - b.at);
    out.push(...lead);
    for (const r of runs) out.push(...r.zones);
    start = end;
  }
  return out;
}

function xyCut<T extends Placed>(zones: T[], out: T[]): void {
  if (zones.length <= 1) {
    out.push(...zones);
    return;
  }
  const columns = columnsOf(zones);
  const parts = columns.length > 1 ? columns : bands(zones);
  if (parts.length > 1) {
    for (const part of parts) xyCut(part, out);
    return;
  }
  out.push(...[...zones].sort(topLeft));
}

const columnsOf = <T extends Placed>(zones: T[]): T[][] =>
  split(
    zones,
    (b) => b.x,
    (b) => b.x + b.w,
    MIN_COLUMN_GAP,
  );

/**
 * Horizontal bands, top to bottom. Consecutive bands that are both split into columns, and still are
 * together, are one band: two columns whose paragraphs happen to end at the same height are read column by
 * column, not row by row.
 */
function bands<T extends Placed>(zones: T[]): T[][] {
  const out: T[][] = [];
  // The x extent of the last band's columns, kept as it grows: joining a band costs its own zones, not a new
  // look at every zone above it (which made a page of thousands of rows quadratic).
  let lastCover: Span[] = [];
  for (const band of split(
    zones,
    (b) => b.y,
    (b) => b.y + b.h,
    0,
  )) {
    const last = out[out.length - 1];
    const bandCover = cover(band.map((z) => [z.bbox.x, z.bbox.x + z.bbox.w]));
    if (last && lastCover.length > 1 && bandCover.length > 1) {
      const both = cover([...lastCover, ...bandCover]);
      if (both.length > 1) {
        last.push(...band);
        lastCover = both;
        continue;
      }
    }
    out.push(band);
    lastCover = bandCover;
  }
  return out;
}

type Span = [number, number];

/** The x extents of columns (what `columnsOf` splits by): spans joined where less than a column gap apart. */
function cover(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].sort((s, t) => s[0] - t[0])) {
    const last = out[out.length - 1];
    if (last && a - last[1] <= MIN_COLUMN_GAP) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Splits zones into groups separated by gaps (wider than `minGap`) along one axis, in axis order. */
function split<T extends Placed>(
  zones: T[],
  start: (b: BBox) => number,
  end: (b: BBox) => number,
  minGap: number,
): T[][] {
  const sorted = [...zones].sort((a, b) => start(a.bbox) - start(b.bbox) || topLeft(a, b));
  const groups: T[][] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const z of sorted) {
    if (groups.length === 0 || start(z.bbox) - reach > minGap) groups.push([z]);
    else groups[groups.length - 1].push(z);
    reach = Math.max(reach, end(z.bbox));
  }
  return groups;
}

function topLeft(a: Placed, b: Placed): number {
  return a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x || (a.id ?? '').localeCompare(b.id ?? '');
}
