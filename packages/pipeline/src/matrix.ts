/** A PDF transformation matrix `[a, b, c, d, e, f]`, as the operator list carries it (`cm`, `Tm`, form matrices). */
export type Matrix = [number, number, number, number, number, number];

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** `m` × `n`: the transform that applies `n`, then `m` (PDF's order for `cm`: the new matrix times the current one). */
export const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

/** `x` as a matrix when it holds six finite numbers (an array or typed array), else null. */
export function asMatrix(x: unknown): Matrix | null {
  if (x === null || typeof x !== 'object') return null;
  const a = x as ArrayLike<unknown>;
  const m: number[] = [];
  for (let i = 0; i < 6; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    m.push(v);
  }
  return m as Matrix;
}
