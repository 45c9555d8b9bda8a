import { rangeIn } from './visible-range.js';

/**
 * The page the pages pane shows: the one of `preferred` (the selected zone's page) while any of it is in the band
 * `[top, bottom)`, else the page most in it (the first of two as much in it). `edge(i)` says where page `i` of `count`
 * is, in the band's coordinates; the pages are in order, one under the other. With no page in the band, the nearest
 * one below it (or the last).
 */
export function pageInView(
  count: number,
  edge: (i: number) => { top: number; bottom: number },
  band: { top: number; bottom: number },
  preferred?: number,
): number {
  const { from, to } = rangeIn(count, edge, band.top, band.bottom);
  if (preferred !== undefined && preferred >= from && preferred < to) return preferred;
  let best = Math.max(0, Math.min(from, count - 1));
  let most = 0;
  for (let i = from; i < to; i++) {
    const { top, bottom } = edge(i);
    const seen = Math.min(bottom, band.bottom) - Math.max(top, band.top);
    if (seen > most) {
      most = seen;
      best = i;
    }
  }
  return best;
}
