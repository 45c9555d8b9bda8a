import type { Metrics } from './ipc.js';

export interface Column {
  title: string;
  key: string;
  /** Digits after the point for numbers (default 0); large numbers get thousands separators. */
  digits?: number;
}

function cell(v: Metrics[string] | undefined, digits = 0): string {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '-';
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A plain-text table: the system column first, then `columns`; rows with an error show it instead. */
export function formatTable(columns: Column[], rows: Metrics[]): string {
  const head = ['system', ...columns.map((c) => c.title)];
  const body = rows.map((r): { name: string; cells?: string[]; note?: string } => {
    const name = String(r.system);
    if (r.skipped !== undefined) return { name, note: `skipped: ${String(r.skipped)}` };
    if (r.error !== undefined) return { name, note: `error: ${String(r.error).split('\n')[0]}` };
    return { name, cells: columns.map((c) => cell(r[c.key], c.digits)) };
  });
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((b) => (i === 0 ? b.name.length : b.cells ? b.cells[i - 1].length : 0))),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((b) => (b.cells ? line([b.name, ...b.cells]) : `${b.name.padEnd(widths[0])}  ${b.note}`)),
  ].join('\n');
}
