import type { Row } from './lines.js';

/** A run of rows whose pieces line up in columns. */
export type TableRun = { rows: Row[]; columns: number; confidence: number };

/** Rows further apart than this (times the font size, baseline to baseline) do not continue a table. */
const ROW_GAP = 3;
/** Column edges within this distance (times the font size) are aligned. */
const ALIGN = 0.6;
/** Cells with more words than this on average read like text columns, not a table. */
const MAX_WORDS_PER_CELL = 6;

/**
 * Finds tables among the rows (in top-to-bottom order): runs of at least two consecutive rows with two or
 * more pieces each, where the pieces' left (or right, for numbers) edges line up with columns shared by
 * the run, and the cells are short. Returns the runs, and the rows that are not in any table.
 */
export function findTables(rows: Row[]): { tables: TableRun[]; rest: Row[] } {
  const tables: TableRun[] = [];
  const rest: Row[] = [];
  let run: Row[] = [];
  const flush = () => {
    const table = run.length >= 2 ? asTable(run) : null;
    if (table) tables.push(table);
    else rest.push(...run);
    run = [];
  };
  for (const row of rows) {
    const prev = run[run.length - 1];
    const multi = row.pieces.length >= 2;
    if (multi && (!prev || row.base - prev.base <= ROW_GAP * Math.max(row.size, prev.size))) {
      run.push(row);
      continue;
    }
    flush();
    if (multi) run.push(row);
    else rest.push(row);
  }
  flush();
  return { tables, rest };
}

function asTable(rows: Row[]): TableRun | null {
  const size = Math.max(...rows.map((r) => r.size));
  const tol = ALIGN * size;
  const lefts = cluster(
    rows.flatMap((r) => r.pieces.map((p) => p.x)),
    tol,
  );
  const rights = cluster(
    rows.flatMap((r) => r.pieces.map((p) => p.x + p.w)),
    tol,
  );
  // A column is an edge that at least half of the rows (and two of them) share.
  const need = Math.max(2, Math.ceil(rows.length / 2));
  const colLefts = lefts.filter((c) => c.count >= need).map((c) => c.at);
  const colRights = rights.filter((c) => c.count >= need).map((c) => c.at);
  let cells = 0;
  let aligned = 0;
  let words = 0;
  for (const r of rows) {
    for (const p of r.pieces) {
      cells++;
      words += p.text.split(/\s+/).length;
      const left = colLefts.some((x) => Math.abs(p.x - x) <= tol);
      const right = colRights.some((x) => Math.abs(p.x + p.w - x) <= tol);
      if (left || right) aligned++;
    }
  }
  const columns = Math.round(cells / rows.length);
  const fit = aligned / cells;
  const wordsPerCell = words / cells;
  if (fit < 0.8 || Math.max(colLefts.length, colRights.length) < 2 || wordsPerCell > MAX_WORDS_PER_CELL) {
    return null;
  }
  const sameWidth = rows.every((r) => r.pieces.length === rows[0].pieces.length);
  const confidence =
    0.45 + 0.1 * Math.min(3, rows.length - 1) + 0.15 * (fit - 0.8) * 5 + (sameWidth ? 0.05 : 0);
  return { rows, columns, confidence: Math.min(0.95, round2(confidence)) };
}

function cluster(values: number[], tol: number): { at: number; count: number }[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: { at: number; count: number; sum: number }[] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v - last.sum / last.count <= tol) {
      last.count++;
      last.sum += v;
    } else out.push({ at: v, count: 1, sum: v });
  }
  return out.map((c) => ({ at: c.sum / c.count, count: c.count }));
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
